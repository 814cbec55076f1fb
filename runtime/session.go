// Package runtime runs compiled models. A Session is one loaded, compiled
// model whose Run is safe to call from many goroutines at once.
package runtime

import (
	"errors"
	"fmt"
	goruntime "runtime"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
)

// Option configures a Session.
type Option func(*options)

type options struct {
	modelType  ModelType
	treeOutput TreeOutput
	threads    int
	registry   *ops.Registry
	unoptimize bool
}

// WithThreads sets how many threads kernels may split their work over;
// 0 (the default) means GOMAXPROCS. Results do not depend on it.
func WithThreads(n int) Option { return func(o *options) { o.threads = n } }

// WithRegistry compiles against reg instead of the default registry (for
// tests and custom operators).
func WithRegistry(reg *ops.Registry) Option { return func(o *options) { o.registry = reg } }

// WithModelType forces the model format instead of detecting it from the
// file's content.
func WithModelType(t ModelType) Option { return func(o *options) { o.modelType = t } }

// WithOptimization turns the compiler's graph optimisations on (the
// default) or off; off runs the graph exactly as written, for debugging.
func WithOptimization(on bool) Option { return func(o *options) { o.unoptimize = !on } }

// Session is a compiled model ready to run.
type Session struct {
	model   *ir.Model
	prog    *compiler.Program
	inputs  []*ir.ValueInfo
	feedIdx []int // feedIdx[i] is the program input bound by Run's inputs[i]
	outputs []*ir.ValueInfo
	threads int
	// pool is the session's own worker pool, nil when it shares
	// parallel.Default().
	pool   *parallel.Pool
	closer func() error
	// feedIdentity: Run's inputs are the program's inputs in order (no
	// graph input has an initializer); else feedScratch lends slices of
	// the program's input count for the mapping.
	feedIdentity bool
	feedScratch  freelist.List[[]*tensor.Tensor]
}

// Open loads and compiles the model at path; its format is detected from
// its content (see DetectModelType) unless WithModelType says. An ONNX file
// is memory-mapped and its weights are used in place: tensors from the
// session, including outputs that alias weights, are invalid after Close.
func Open(path string, opts ...Option) (*Session, error) {
	o := collect(opts)
	m, closer, err := load(path, &o)
	if err != nil {
		return nil, err
	}
	s, err := NewSession(m, opts...)
	if err != nil {
		if closer != nil {
			closer()
		}
		return nil, err
	}
	s.closer = closer
	return s, nil
}

// OpenBytes loads and compiles a model held in data (for go:embed), of any
// supported format. The session may alias data, which must not be modified
// while it is in use.
func OpenBytes(data []byte, opts ...Option) (*Session, error) {
	o := collect(opts)
	m, err := decode(data, o.modelType, &o)
	if err != nil {
		return nil, err
	}
	return NewSession(m, opts...)
}

func collect(opts []Option) options {
	o := options{registry: all.Registry()}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// NewSession compiles m.
func NewSession(m *ir.Model, opts ...Option) (*Session, error) {
	o := collect(opts)
	if o.threads <= 0 {
		o.threads = goruntime.GOMAXPROCS(0)
	}
	// GOMAXPROCS threads share the process-wide pool; another count gets a
	// pool of its own, closed with the session.
	pool := parallel.Default()
	var ownPool *parallel.Pool
	if o.threads != pool.Threads() {
		ownPool = parallel.New(parallel.Options{Threads: o.threads})
		pool = ownPool
	}
	prog, err := compiler.Compile(m, o.registry, compiler.WithOptimization(!o.unoptimize), compiler.WithPool(pool))
	if err != nil {
		if ownPool != nil {
			ownPool.Close()
		}
		return nil, err
	}
	s := &Session{model: m, prog: prog, threads: o.threads, pool: ownPool}
	for i, in := range prog.Inputs() {
		if in.Default == nil {
			s.inputs = append(s.inputs, in.Info)
			s.feedIdx = append(s.feedIdx, i)
		}
	}
	for _, out := range prog.Outputs() {
		s.outputs = append(s.outputs, out.Info)
	}
	s.feedIdentity = len(s.feedIdx) == len(prog.Inputs())
	n := len(prog.Inputs())
	s.feedScratch.New = func() *[]*tensor.Tensor { a := make([]*tensor.Tensor, n); return &a }
	return s, nil
}

// Close releases the model file and the session's worker threads. It is
// safe to call more than once.
func (s *Session) Close() error {
	if s.pool != nil {
		s.pool.Close()
	}
	if s.closer == nil {
		return nil
	}
	c := s.closer
	s.closer = nil
	return c()
}

// Model is the loaded model.
func (s *Session) Model() *ir.Model { return s.model }

// Threads is the configured thread count.
func (s *Session) Threads() int { return s.threads }

// Program is the compiled program.
func (s *Session) Program() *compiler.Program { return s.prog }

// Inputs are the inputs Run binds, in order: the graph inputs that have no
// initializer.
func (s *Session) Inputs() []*ir.ValueInfo { return s.inputs }

// Outputs are the graph outputs, in the order Run returns them.
func (s *Session) Outputs() []*ir.ValueInfo { return s.outputs }

// ErrNotTensor is returned by Run when a graph output is a sequence or
// optional; use RunValues for such models.
var ErrNotTensor = errors.New("runtime: output is not a tensor")

// Run executes the model on inputs given in Inputs() order and returns the
// outputs in Outputs() order, newly allocated. Inputs are read, never
// modified. Run allocates its results; RunInto can reuse them.
func (s *Session) Run(inputs []*tensor.Tensor) ([]*tensor.Tensor, error) {
	out := make([]*tensor.Tensor, len(s.outputs))
	if err := s.RunInto(inputs, out); err != nil {
		return nil, err
	}
	return out, nil
}

// RunInto is Run writing into outputs, which has one entry per graph
// output: an entry holding a tensor of that output's element type and
// shape is overwritten in place, any other entry (e.g. nil) is replaced by
// a new tensor. Passing the same outputs again on the next call makes a
// steady-state run allocate nothing: the compiler's memory plan holds
// every intermediate in a reused arena. outputs must not share storage
// with inputs (such entries are replaced, not written through).
func (s *Session) RunInto(inputs, outputs []*tensor.Tensor) error {
	if len(inputs) != len(s.inputs) {
		return fmt.Errorf("runtime: model takes %d inputs, got %d", len(s.inputs), len(inputs))
	}
	if len(outputs) != len(s.outputs) {
		return fmt.Errorf("runtime: model has %d outputs, got %d destinations", len(s.outputs), len(outputs))
	}
	args := inputs
	if !s.feedIdentity {
		p := s.feedScratch.Get()
		defer func() { clear(*p); s.feedScratch.Put(p) }()
		args = *p
		clear(args)
		for i, t := range inputs {
			args[s.feedIdx[i]] = t
		}
	}
	err := s.prog.RunInto(args, outputs)
	if errors.Is(err, compiler.ErrValueOutput) {
		return fmt.Errorf("%w (use RunValues): %w", ErrNotTensor, err)
	}
	return err
}

// RunValues is Run for models whose inputs or outputs may be sequences or
// optionals (see ops.Value).
func (s *Session) RunValues(inputs []ops.Value) ([]ops.Value, error) {
	if len(inputs) != len(s.inputs) {
		return nil, fmt.Errorf("runtime: model takes %d inputs, got %d", len(s.inputs), len(inputs))
	}
	args := make([]ops.Value, len(s.prog.Inputs()))
	for i, v := range inputs {
		args[s.feedIdx[i]] = v
	}
	return s.prog.Run(args, nil)
}

// RunNamed executes the model with inputs by name. Inputs that have
// initializers may be overridden by name too.
func (s *Session) RunNamed(inputs map[string]*tensor.Tensor) (map[string]*tensor.Tensor, error) {
	args := make([]ops.Value, len(s.prog.Inputs()))
	used := 0
	for i, in := range s.prog.Inputs() {
		if t, ok := inputs[in.Info.Name]; ok && t != nil {
			args[i] = t
			used++
		}
	}
	if used != len(inputs) {
		for name := range inputs {
			if !s.hasInput(name) {
				return nil, fmt.Errorf("runtime: model has no input %q", name)
			}
		}
	}
	res, err := s.prog.Run(args, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*tensor.Tensor, len(res))
	for i, v := range res {
		t, ok := v.(*tensor.Tensor)
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrNotTensor, s.outputs[i].Name)
		}
		out[s.outputs[i].Name] = t
	}
	return out, nil
}

func (s *Session) hasInput(name string) bool {
	for _, in := range s.prog.Inputs() {
		if in.Info.Name == name {
			return true
		}
	}
	return false
}
