package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sinter-ml/sinter/batch"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/pool"
	"github.com/sinter-ml/sinter/tensor"
)

// Config tunes an Engine. Start from DefaultConfig: the zero Config turns
// every feature off, and zero numeric fields take their defaults.
type Config struct {
	// EnableBatching combines concurrent compatible requests into one model
	// run (default true). Off, Predict runs on the caller's goroutine and
	// Enqueue'd requests run one at a time in priority order.
	EnableBatching bool
	// MaxBatchSize is the most requests combined into one run (default 64).
	MaxBatchSize int
	// BatchTimeout is the longest the oldest request of a partial batch
	// waits for it to fill (default 10ms).
	BatchTimeout time.Duration
	// MaxQueueSize bounds the queue; a full queue rejects at once with
	// ErrQueueFull (default 1000).
	MaxQueueSize int
	// EnableFeatureScaling applies (x−Mean)/Scale on the last axis of the
	// first input before inference, using Scaler or else a scaler the model
	// format carries (default false).
	EnableFeatureScaling bool
	// Scaler is the feature scaler to apply; optional.
	Scaler *Scaler
	// EnableQuantization asks for weights quantized at load. Sinter cannot
	// quantize yet: NewEngine fails with ErrUnsupported when it is set.
	EnableQuantization bool
	// EnableJIT compiles the model with the compiler's graph optimisations
	// (default true); false compiles the graph exactly as written, for
	// debugging (WithOptimization(false)).
	EnableJIT bool
	// EnableRequestDeduplication lets identical requests share one
	// computation or a cached result (default true).
	EnableRequestDeduplication bool
	// DedupCacheSize is how many results the de-duplication cache keeps
	// (default 10000).
	DedupCacheSize int
	// MaxConcurrentRequests bounds the requests accepted and not yet
	// answered; beyond it requests fail with ErrOverloaded (default 1000).
	MaxConcurrentRequests int
	// NumThreads is how many model runs may execute at once (default
	// GOMAXPROCS). With batching off it is also passed to the session
	// (WithThreads). With batching on each run is single-threaded: the
	// NumThreads concurrent batch runs are the parallelism, and kernel
	// threads on top of them only compete for the same cores; a batch of
	// 32 or more requests that finds run slots idle is computed as
	// concurrent parts of at least 16 requests, so one full batch does
	// not leave the other cores waiting. A WithThreads LoadOption
	// overrides either choice.
	NumThreads int
	// MemoryLimitBytes caps the estimated bytes held by the loaded model
	// and the requests in flight; loads and requests that would exceed it
	// fail with ErrResourceExhausted. 0 means no limit.
	MemoryLimitBytes int64
}

// DefaultConfig returns the recommended configuration.
func DefaultConfig() Config {
	return Config{
		EnableBatching:             true,
		MaxBatchSize:               64,
		BatchTimeout:               10 * time.Millisecond,
		MaxQueueSize:               1000,
		EnableJIT:                  true,
		EnableRequestDeduplication: true,
		DedupCacheSize:             10000,
		MaxConcurrentRequests:      1000,
		NumThreads:                 goruntime.GOMAXPROCS(0),
	}
}

// Scaler standardises features: x' = (x − Mean[j]) / Scale[j] for feature j
// on the last axis. A zero Scale entry is treated as 1, as scikit-learn's
// StandardScaler does for constant features.
type Scaler struct {
	Mean  []float32
	Scale []float32
}

// Engine errors. Each is matched with errors.Is; the errors returned wrap
// them with detail.
var (
	// ErrQueueFull: the queue holds MaxQueueSize requests.
	ErrQueueFull = batch.ErrQueueFull
	// ErrTimeout: the request's deadline passed while it was queued; it
	// was never computed.
	ErrTimeout = batch.ErrTimeout
	// ErrOverloaded: MaxConcurrentRequests requests are already in flight.
	ErrOverloaded = errors.New("runtime: too many concurrent requests")
	// ErrShuttingDown: the engine is stopping or stopped.
	ErrShuttingDown = errors.New("runtime: engine is shutting down")
	// ErrNoModel: no model is loaded.
	ErrNoModel = errors.New("runtime: no model loaded")
	// ErrResourceExhausted: the work would exceed MemoryLimitBytes.
	ErrResourceExhausted = errors.New("runtime: memory limit exceeded")
	// ErrUnsupported: a feature or model type Sinter does not have yet.
	ErrUnsupported = errors.New("runtime: not supported")
	// ErrInvalidInput: the request does not match the model's inputs.
	ErrInvalidInput = errors.New("runtime: invalid input")
)

// State is an engine's life-cycle stage: Initializing → Ready ⇄ Loading →
// Stopping → Stopped, or Error when a load failed and no model is loaded.
type State int32

// Engine states.
const (
	StateInitializing State = iota
	StateReady
	StateLoading
	StateStopping
	StateStopped
	StateError
)

func (s State) String() string {
	switch s {
	case StateInitializing:
		return "initializing"
	case StateReady:
		return "ready"
	case StateLoading:
		return "loading"
	case StateStopping:
		return "stopping"
	case StateStopped:
		return "stopped"
	case StateError:
		return "error"
	}
	return fmt.Sprintf("state(%d)", int32(s))
}

// LoadOption configures LoadModel and LoadModelBytes: the session options
// (WithModelType, WithOptimization, WithCompile, …) apply.
type LoadOption = Option

// WithCompile turns the compiler's graph optimisations on or off for this
// model, overriding Config.EnableJIT (it is WithOptimization).
func WithCompile(on bool) LoadOption { return WithOptimization(on) }

// detectModelType names the format of a model from its first bytes; the
// lead's detector (DetectModelType) is the default, and tests may swap it.
var detectModelType = func(head []byte, path string) ModelType { return DetectModelType(head) }

// loadSession turns a model into a Session. data holds the model when it
// came from memory; otherwise path names the file. It defers to Open and
// OpenBytes, which know the formats; a format they cannot load yet is
// reported as ErrUnsupported.
var loadSession = func(data []byte, path string, typ ModelType, opts ...Option) (*Session, error) {
	opts = append(opts, WithModelType(typ))
	var s *Session
	var err error
	if data != nil {
		s, err = OpenBytes(data, opts...)
	} else {
		s, err = Open(path, opts...)
	}
	if errors.Is(err, ErrUnknownFormat) {
		err = fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	return s, err
}

// modelScaler returns a feature scaler carried by the model itself (a
// scikit-learn pipeline's StandardScaler, say), or nil. Loaders of such
// formats plug in here.
var modelScaler = func(s *Session, typ ModelType) *Scaler { return nil }

// Engine serves one model to many goroutines at once: it queues, batches,
// de-duplicates and limits requests, and keeps metrics. Create one with
// NewEngine, load a model, and call Predict or Enqueue from any goroutine.
type Engine struct {
	cfg     Config
	batcher *batch.Batcher
	pool    *pool.Pool
	cache   *resultCache // nil when de-duplication is off
	flights flightTable
	rec     *recorder

	gate   sync.RWMutex // held shared while admitting, exclusively to stop intake
	state  atomic.Int32
	model  atomic.Pointer[model]
	loadMu sync.Mutex
	nextID atomic.Uint64 // model ids

	inflight atomic.Int64
	// running counts model runs executing now (batches and their parts),
	// so that a large batch can be split over idle run slots.
	running atomic.Int64
	memUsed atomic.Int64
	reqSeq  atomic.Uint64
	loads   atomic.Int64
}

// model is one loaded model, reference counted so a replaced model is closed
// only when its last request is done with it.
type model struct {
	sess      *Session
	id        uint64
	typ       ModelType
	names     []string
	batchable bool
	scaler    *Scaler
	bytes     int64
	rowBytes  int64 // estimated output bytes per row (per request when not batchable)

	refs      atomic.Int64
	retired   atomic.Bool
	closeOnce sync.Once
	onClose   func()
}

func (m *model) release() {
	if m.refs.Add(-1) == 0 && m.retired.Load() {
		m.close()
	}
}

func (m *model) retire() {
	m.retired.Store(true)
	if m.refs.Load() == 0 {
		m.close()
	}
}

func (m *model) close() {
	m.closeOnce.Do(func() {
		m.sess.Close()
		if m.onClose != nil {
			m.onClose()
		}
	})
}

// acquire returns the current model with a reference held, or nil.
func (e *Engine) acquire() *model {
	for {
		m := e.model.Load()
		if m == nil {
			return nil
		}
		m.refs.Add(1)
		if e.model.Load() == m {
			return m
		}
		m.release()
	}
}

// NewEngine returns an engine with no model loaded (state Initializing).
//
// # Errors
//
// ErrUnsupported when cfg asks for quantization; a descriptive error for an
// invalid Scaler.
func NewEngine(cfg Config) (*Engine, error) {
	if cfg.EnableQuantization {
		return nil, fmt.Errorf("%w: weight quantization (EnableQuantization) is not implemented yet", ErrUnsupported)
	}
	if err := cfg.Scaler.check(); err != nil {
		return nil, err
	}
	d := DefaultConfig()
	if cfg.MaxBatchSize <= 0 {
		cfg.MaxBatchSize = d.MaxBatchSize
	}
	if cfg.BatchTimeout <= 0 {
		cfg.BatchTimeout = d.BatchTimeout
	}
	if cfg.MaxQueueSize <= 0 {
		cfg.MaxQueueSize = d.MaxQueueSize
	}
	if cfg.DedupCacheSize <= 0 {
		cfg.DedupCacheSize = d.DedupCacheSize
	}
	if cfg.MaxConcurrentRequests <= 0 {
		cfg.MaxConcurrentRequests = d.MaxConcurrentRequests
	}
	if cfg.NumThreads <= 0 {
		cfg.NumThreads = d.NumThreads
	}
	if !cfg.EnableBatching {
		cfg.MaxBatchSize = 1
	}
	e := &Engine{cfg: cfg, pool: pool.New(4), rec: newRecorder()}
	if cfg.EnableRequestDeduplication {
		e.cache = newResultCache(cfg.DedupCacheSize)
	}
	e.flights.m = make(map[uint64]*flight)
	e.batcher = batch.New(e.process, batch.Options{
		MaxBatchSize: cfg.MaxBatchSize,
		MaxWait:      cfg.BatchTimeout,
		MaxQueueSize: cfg.MaxQueueSize,
		Workers:      cfg.NumThreads,
		OnDrop:       e.dropped,
	})
	e.batcher.Start()
	return e, nil
}

func (s *Scaler) check() error {
	if s == nil {
		return nil
	}
	if len(s.Mean) != len(s.Scale) || len(s.Mean) == 0 {
		return fmt.Errorf("runtime: Scaler needs equal, non-empty Mean and Scale (have %d and %d)", len(s.Mean), len(s.Scale))
	}
	return nil
}

// Config returns the engine's configuration with defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// State returns the engine's life-cycle stage.
func (e *Engine) State() State { return State(e.state.Load()) }

// LoadModel loads the model at path and makes it the one served; requests
// already running finish on the model they started with. The type is
// detected from the content unless WithModelType says otherwise.
//
// # Errors
//
// ErrShuttingDown after Shutdown; ErrResourceExhausted when the file would
// exceed MemoryLimitBytes; ErrUnsupported for formats that do not load yet;
// the loader's error otherwise. A failed load keeps serving the previous
// model, if any.
func (e *Engine) LoadModel(path string, opts ...LoadOption) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	head := make([]byte, 4096)
	n, err := io.ReadFull(f, head)
	f.Close()
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return err
	}
	return e.load(nil, path, head[:n], st.Size(), opts)
}

// LoadModelBytes is LoadModel for a model held in memory (for go:embed).
// The engine aliases data, which must not change while the model is loaded.
func (e *Engine) LoadModelBytes(data []byte, opts ...LoadOption) error {
	if data == nil {
		data = []byte{}
	}
	return e.load(data, "", data[:min(len(data), 4096)], int64(len(data)), opts)
}

func (e *Engine) load(data []byte, path string, head []byte, size int64, opts []LoadOption) error {
	// Engine settings first, so the caller's options win.
	threads := e.cfg.NumThreads
	if e.cfg.EnableBatching {
		// The batcher already runs NumThreads batches at once; kernel
		// threads on top oversubscribe the cores (measured on 2 cores: a
		// 16-row MLP run took 2-3× longer with 2 kernel threads than with
		// 1, and batched throughput rose ~1.6× with 1).
		threads = 1
	}
	all := append([]Option{WithThreads(threads), WithOptimization(e.cfg.EnableJIT)}, opts...)
	var o options
	for _, opt := range all {
		opt(&o)
	}
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	prev := e.State()
	if prev == StateStopping || prev == StateStopped {
		return ErrShuttingDown
	}
	if !e.state.CompareAndSwap(int32(prev), int32(StateLoading)) {
		return ErrShuttingDown
	}
	fail := func(err error) error {
		next := StateError
		if e.model.Load() != nil {
			next = StateReady
		}
		e.state.CompareAndSwap(int32(StateLoading), int32(next))
		return err
	}
	if !e.reserve(size) {
		return fail(fmt.Errorf("%w: model of %d bytes, limit %d, %d in use", ErrResourceExhausted, size, e.cfg.MemoryLimitBytes, e.memUsed.Load()))
	}
	typ := o.modelType
	if typ == ModelAuto {
		typ = detectModelType(head, path)
	}
	sess, err := loadSession(data, path, typ, all...)
	if err != nil {
		e.memUsed.Add(-size)
		return fail(err)
	}
	m := newModel(sess, typ, e.nextID.Add(1), size)
	m.onClose = func() { e.memUsed.Add(-size) }
	if e.cfg.EnableFeatureScaling {
		m.scaler = e.cfg.Scaler
		if m.scaler == nil {
			m.scaler = modelScaler(sess, typ)
		}
		if m.scaler == nil {
			m.retire()
			return fail(fmt.Errorf("runtime: EnableFeatureScaling is set but neither Config.Scaler nor the model provides a scaler"))
		}
		if err := m.checkScaler(); err != nil {
			m.retire()
			return fail(err)
		}
	}
	if !e.state.CompareAndSwap(int32(StateLoading), int32(StateReady)) {
		m.retire()
		return ErrShuttingDown
	}
	old := e.model.Swap(m)
	if e.cache != nil {
		e.cache.clear()
	}
	if old != nil {
		old.retire()
	}
	e.loads.Add(1)
	return nil
}

// reserve accounts n more bytes against MemoryLimitBytes, or reports false.
func (e *Engine) reserve(n int64) bool {
	if e.cfg.MemoryLimitBytes <= 0 {
		e.memUsed.Add(n)
		return true
	}
	if e.memUsed.Add(n) > e.cfg.MemoryLimitBytes {
		e.memUsed.Add(-n)
		return false
	}
	return true
}

func newModel(sess *Session, typ ModelType, id uint64, size int64) *model {
	m := &model{sess: sess, id: id, typ: typ, bytes: size, batchable: len(sess.Inputs()) > 0}
	for _, in := range sess.Inputs() {
		if !hasBatchDim(in.Type) {
			m.batchable = false
		}
	}
	for _, out := range sess.Outputs() {
		m.names = append(m.names, out.Name)
		t := out.Type
		if t != nil && t.Kind == ir.KindTensor && t.HasShape && len(t.Shape) > 0 && t.Shape[0].Known {
			m.batchable = false // a fixed leading output dim is not a batch axis
		}
		m.rowBytes += rowBytes(t)
	}
	return m
}

// hasBatchDim reports whether a declared input has a dynamic leading axis.
func hasBatchDim(t *ir.Type) bool {
	return t != nil && t.Kind == ir.KindTensor && t.HasShape && len(t.Shape) > 0 && !t.Shape[0].Known
}

// rowBytes estimates the bytes of one row of a declared output (axis 0
// excluded); unknown dims count as 1.
func rowBytes(t *ir.Type) int64 {
	if t == nil || t.Kind != ir.KindTensor {
		return 0
	}
	n := int64(max(t.Elem.Size(), 1))
	for i, d := range t.Shape {
		if i > 0 && d.Known && d.Value > 0 {
			n *= d.Value
		}
	}
	return n
}

func (m *model) checkScaler() error {
	in := m.sess.Inputs()
	if len(in) == 0 || in[0].Type == nil || in[0].Type.Kind != ir.KindTensor {
		return fmt.Errorf("runtime: feature scaling needs a tensor first input")
	}
	t := in[0].Type
	if t.Elem != tensor.Float32 && t.Elem != tensor.Float64 && t.Elem != tensor.Undefined {
		return fmt.Errorf("runtime: feature scaling needs a float input, %q is %v", in[0].Name, t.Elem)
	}
	if t.HasShape && len(t.Shape) > 0 {
		if d := t.Shape[len(t.Shape)-1]; d.Known && d.Value != int64(len(m.scaler.Mean)) {
			return fmt.Errorf("runtime: scaler has %d features, input %q has %d", len(m.scaler.Mean), in[0].Name, d.Value)
		}
	}
	return nil
}

// Shutdown stops intake (new requests fail with ErrShuttingDown), lets the
// queued and running requests finish, and releases the engine's goroutines
// and model. If ctx ends first, requests still queued fail with
// ErrShuttingDown, the model runs already started are waited for (a run
// cannot be interrupted) and the error wraps ctx.Err(). No goroutine of the
// engine survives Shutdown. Later calls return nil at once.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.gate.Lock()
	for {
		st := e.State()
		if st == StateStopping || st == StateStopped {
			e.gate.Unlock()
			return nil
		}
		if e.state.CompareAndSwap(int32(st), int32(StateStopping)) {
			break
		}
	}
	e.gate.Unlock()

	err := e.batcher.StopContext(ctx)
	// Requests running on their callers' goroutines (batching off).
	for e.inflight.Load() > 0 && err == nil {
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	e.loadMu.Lock()
	if m := e.model.Swap(nil); m != nil {
		m.retire()
	}
	e.loadMu.Unlock()
	if e.cache != nil {
		e.cache.clear()
	}
	e.pool.Clear()
	e.state.Store(int32(StateStopped))
	if err != nil {
		return fmt.Errorf("%w: stopped waiting for queued requests: %w", ErrShuttingDown, ctx.Err())
	}
	return nil
}
