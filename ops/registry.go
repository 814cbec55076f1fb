// Package ops is the operator registry: for each (domain, op type, opset
// version) it holds the function that binds a node to its implementation.
//
// Binding happens once, when a model is compiled: the bind function reads and
// validates the node's attributes, looks at constant inputs and static types
// where it wants to, and returns a Kernel closed over all of that. Run then
// calls the kernel with tensors only, with no per-run lookup.
//
// Op families live in sub-packages (ops/elementwise, ops/shape, ops/nn, …),
// each with a Register function; ops/all composes them into the default
// registry.
package ops

import (
	"fmt"
	"sort"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// Kernel computes a node's outputs from its inputs.
//
// in has one entry per input the node declares (nil for an omitted optional
// input), followed by any hidden captured values (see Node.Subgraph). The
// kernel must treat inputs as read-only; it may return an input, or a view of
// one, as an output. It returns one tensor per declared output; an entry may
// be nil only for an optional output the node omits ("" name).
type Kernel func(in []*tensor.Tensor) ([]*tensor.Tensor, error)

// ValueKernel is the form of Kernel for operators whose inputs or outputs
// may be sequences or optionals (Sequence*, Optional*, If, Loop, …).
type ValueKernel func(in []Value) ([]Value, error)

// Value is what flows along a graph edge: a *tensor.Tensor, a *Sequence,
// or None (an empty optional). A nil Value is an omitted input.
type Value any

// Sequence is an ONNX sequence of tensors.
type Sequence struct {
	// Elem is the element type, known even when Items is empty.
	Elem  tensor.DType
	Items []*tensor.Tensor
}

// None is the value of an optional that holds nothing.
type None struct {
	// Type is the type the optional would hold.
	Type *ir.Type
}

// BindFunc binds a node to a Kernel.
type BindFunc func(n *Node) (Kernel, error)

// ValueBindFunc binds a node to a ValueKernel.
type ValueBindFunc func(n *Node) (ValueKernel, error)

// Impl is a bound node: exactly one of Tensor and Value is set. Planned
// is set beside either when the op offers the planned form (Node.Plan,
// Node.PlanValue); beside Value it serves runs whose inputs are all
// tensors.
type Impl struct {
	Tensor  Kernel
	Value   ValueKernel
	Planned *Planned
}

type key struct{ domain, op string }

type entry struct {
	since int64
	bind  BindFunc
	vbind ValueBindFunc
}

// Registry maps (domain, op type, opset) to bind functions. It is filled
// once at start-up and then only read, so it is safe for concurrent lookups.
type Registry struct {
	ops map[key][]entry // sorted by since, ascending
	// maxOpset is the newest opset version claimed for each domain: an
	// operator registered since version s implements versions s … up to the
	// next registration's since − 1, or up to maxOpset.
	maxOpset map[string]int64
	// nondet holds ops whose outputs are not a function of their inputs
	// (random sampling): the compiler never folds them.
	nondet map[key]bool
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{ops: map[key][]entry{}, maxOpset: map[string]int64{}, nondet: map[key]bool{}}
}

// MarkNondeterministic records that op's outputs are not determined by its
// inputs and attributes alone (random sampling), so it must run every time.
func (r *Registry) MarkNondeterministic(domain, op string) {
	r.nondet[key{ir.NormalizeDomain(domain), op}] = true
}

// Deterministic reports whether op's outputs depend only on its inputs and
// attributes, which makes it safe to evaluate once at compile time.
func (r *Registry) Deterministic(domain, op string) bool {
	return !r.nondet[key{ir.NormalizeDomain(domain), op}]
}

// ClaimOpset declares that the registry implements domain up to version max.
func (r *Registry) ClaimOpset(domain string, max int64) {
	domain = ir.NormalizeDomain(domain)
	if max > r.maxOpset[domain] {
		r.maxOpset[domain] = max
	}
}

// MaxOpset is the newest version of domain the registry claims (0: none).
func (r *Registry) MaxOpset(domain string) int64 { return r.maxOpset[ir.NormalizeDomain(domain)] }

// Register adds a tensor kernel for op in domain, valid from opset since.
// Registering the same (domain, op, since) twice panics: it is a programming error.
func (r *Registry) Register(domain, op string, since int64, bind BindFunc) {
	r.add(domain, op, entry{since: since, bind: bind})
}

// RegisterValue adds a value kernel (sequences, optionals, control flow).
func (r *Registry) RegisterValue(domain, op string, since int64, bind ValueBindFunc) {
	r.add(domain, op, entry{since: since, vbind: bind})
}

// RegisterVersions registers bind for each of the given since-versions:
// convenient when an op's later versions only widened its type list.
func (r *Registry) RegisterVersions(domain, op string, sinces []int64, bind BindFunc) {
	for _, s := range sinces {
		r.Register(domain, op, s, bind)
	}
}

func (r *Registry) add(domain, op string, e entry) {
	k := key{ir.NormalizeDomain(domain), op}
	for _, old := range r.ops[k] {
		if old.since == e.since {
			panic(fmt.Sprintf("ops: %s %q since %d registered twice", domainName(k.domain), op, e.since))
		}
	}
	list := append(r.ops[k], e)
	sort.Slice(list, func(i, j int) bool { return list[i].since < list[j].since })
	r.ops[k] = list
}

// ErrUnsupported is wrapped by lookup errors for ops the registry lacks.
var ErrUnsupported = fmt.Errorf("unsupported operator")

// lookup finds the entry implementing op at opset version.
func (r *Registry) lookup(domain, op string, version int64) (entry, error) {
	domain = ir.NormalizeDomain(domain)
	list := r.ops[key{domain, op}]
	if len(list) == 0 {
		return entry{}, fmt.Errorf("%w: %s %s (opset %d) is not supported by Sinter", ErrUnsupported, domainName(domain), op, version)
	}
	if max := r.maxOpset[domain]; version > max {
		return entry{}, fmt.Errorf("%w: %s %s at opset %d is newer than Sinter supports (up to %d)", ErrUnsupported, domainName(domain), op, version, max)
	}
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].since <= version {
			return list[i], nil
		}
	}
	return entry{}, fmt.Errorf("%w: %s %s does not exist at opset %d (first version %d)", ErrUnsupported, domainName(domain), op, version, list[0].since)
}

// Has reports whether op is implemented at version.
func (r *Registry) Has(domain, op string, version int64) bool {
	_, err := r.lookup(domain, op, version)
	return err == nil
}

// Bind looks up n's operator and binds it.
func (r *Registry) Bind(n *Node) (Impl, error) {
	e, err := r.lookup(n.Domain, n.OpType, n.Opset)
	if err != nil {
		return Impl{}, err
	}
	if e.vbind != nil {
		k, err := e.vbind(n)
		return Impl{Value: k, Planned: n.planned}, err
	}
	k, err := e.bind(n)
	return Impl{Tensor: k, Planned: n.planned}, err
}

// OpInfo describes one registered operator for documentation.
type OpInfo struct {
	Domain string
	Op     string
	// Sinces are the opset versions at which Sinter's implementation changes.
	Sinces []int64
	// Max is the newest opset version claimed for the domain.
	Max int64
}

// List returns every registered operator, sorted by domain then op.
func (r *Registry) List() []OpInfo {
	var out []OpInfo
	for k, list := range r.ops {
		info := OpInfo{Domain: k.domain, Op: k.op, Max: r.maxOpset[k.domain]}
		for _, e := range list {
			info.Sinces = append(info.Sinces, e.since)
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Domain != out[j].Domain {
			return out[i].Domain < out[j].Domain
		}
		return out[i].Op < out[j].Op
	})
	return out
}

func domainName(d string) string {
	if d == "" {
		return "ai.onnx"
	}
	return d
}
