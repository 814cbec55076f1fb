package ops

import (
	"fmt"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/tensor"
)

// Planned is the form of a kernel that writes its outputs into tensors the
// executor provides, so that a compiled program can place every
// intermediate value at a planned offset of one reusable arena and run
// without allocating.
//
// A bind function that can offer this form ends with `return n.Plan(p)`;
// the node then also gets an ordinary Kernel built from p (FromPlanned), so
// every op has exactly one implementation.
type Planned struct {
	// Infer reports each declared output's element type and shape for
	// these inputs. in follows the Kernel convention (nil for omitted
	// inputs). out has one entry per declared output; Infer sets DType and
	// writes the shape with out[i].Shape = append(out[i].Shape[:0], …) so
	// that the executor's storage is reused and steady-state runs allocate
	// nothing. Entries for omitted outputs may be left alone. Infer may
	// read small inputs' values (shapes, axes) but must not modify or
	// retain anything it is given.
	Infer func(in []*tensor.Tensor, out []OutSpec) error
	// Run computes the outputs into out, which have the inferred types and
	// shapes, hold arbitrary bytes (not zeroed), never overlap any input
	// (except out[0] exactly aliasing an input InPlace offers), and are nil
	// for omitted outputs. Run is not called for a View.
	Run func(in, out []*tensor.Tensor) error
	// View marks an op whose single output is input 0's data under the
	// inferred shape (Reshape, Flatten, Squeeze, Unsqueeze, Identity): the
	// executor makes the output alias the input and copies nothing. Infer
	// must report input 0's element type and a shape with the same element
	// count.
	View bool
	// InPlace is the set of inputs whose storage output 0 may take: bit k
	// set means Run stays correct when out[0] and in[k] are the very same
	// bytes (same start, same length, so the same element type size and
	// count), every other output and input still disjoint. The zero value
	// offers nothing. A kernel may set bit k only if, at every element
	// index i, it reads in[k][i] before writing out[0][i] and never reads
	// an in[k] element after writing the output element at that index:
	// plain elementwise loops qualify; anything that reads neighbours,
	// broadcasts in[k], or makes several passes over out[0] while still
	// reading in[k] does not. The memory planner (compiler/exec.go) uses
	// it to give output 0 the arena bytes of an input that dies at this
	// step; a run where sizes differ from the plan's simply does not alias.
	InPlace uint64
}

// InPlaceOK reports whether output 0 may take the storage of input k (see
// Planned.InPlace).
func (p *Planned) InPlaceOK(k int) bool {
	return k >= 0 && k < 64 && p.InPlace&(1<<uint(k)) != 0
}

// OutSpec is what Planned.Infer reports about one output.
type OutSpec struct {
	DType tensor.DType
	Shape tensor.Shape
}

// Plan records p as the node's planned form and returns the allocating
// kernel built from it. Bind functions call it last: `return n.Plan(p)`.
func (n *Node) Plan(p *Planned) (Kernel, error) {
	if p == nil || p.Infer == nil || (p.Run == nil && !p.View) {
		return nil, fmt.Errorf("%s: incomplete planned kernel", n.OpType)
	}
	n.planned = p
	wanted := make([]bool, n.NumOutputs())
	for i := range wanted {
		wanted[i] = n.HasOutput(i)
	}
	return FromPlanned(p, wanted), nil
}

// PlanValue is Plan for a value kernel (one that also passes sequences or
// optionals) whose all-tensor case has a planned form: the planned
// executor uses p when every input is a tensor, and k otherwise.
func (n *Node) PlanValue(p *Planned, k ValueKernel) (ValueKernel, error) {
	if p == nil || p.Infer == nil || (p.Run == nil && !p.View) || k == nil {
		return nil, fmt.Errorf("%s: incomplete planned kernel", n.OpType)
	}
	n.planned = p
	return k, nil
}

// specLists recycles the OutSpec slices FromPlanned infers into, with
// their shapes' storage: what remains of its allocations are the outputs.
var specLists freelist.List[[]OutSpec]

// FromPlanned returns a Kernel that allocates fresh outputs and runs p
// into them: the form an unplanned executor uses. wanted has one entry per
// declared output, false where the node omits it.
func FromPlanned(p *Planned, wanted []bool) Kernel {
	nout := len(wanted)
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		sl := specLists.Get()
		defer specLists.Put(sl)
		specs := *sl
		if cap(specs) < nout {
			specs = make([]OutSpec, nout)
			*sl = specs
		}
		specs = specs[:nout]
		for i := range specs {
			specs[i].DType = tensor.Undefined
		}
		if err := p.Infer(in, specs); err != nil {
			return nil, err
		}
		out := make([]*tensor.Tensor, nout)
		if p.View {
			if len(in) == 0 || in[0] == nil {
				return nil, fmt.Errorf("view of a missing input")
			}
			v, err := in[0].Reshape(specs[0].Shape...)
			if err != nil {
				return nil, err
			}
			out[0] = v
			return out, nil
		}
		for i, s := range specs {
			if !wanted[i] {
				continue
			}
			if !s.DType.Valid() {
				return nil, fmt.Errorf("no output %d (inferred type %v)", i, s.DType)
			}
			if err := s.Shape.Check(); err != nil {
				return nil, err
			}
			out[i] = tensor.New(s.DType, s.Shape...)
		}
		if err := p.Run(in, out); err != nil {
			return nil, err
		}
		return out, nil
	}
}
