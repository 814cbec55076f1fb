package runtime

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/sinter-ml/sinter/batch"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// Result is the answer to one request.
type Result struct {
	// Outputs are the model's outputs for this request, in graph output
	// order. They belong to the caller.
	Outputs  []*tensor.Tensor
	Metadata Metadata
	names    []string
}

// Output returns the output called name, or nil.
func (r Result) Output(name string) *tensor.Tensor {
	for i, n := range r.names {
		if n == name && i < len(r.Outputs) {
			return r.Outputs[i]
		}
	}
	return nil
}

// Metadata describes how a request was served.
type Metadata struct {
	RequestID string
	// BatchSize is the number of requests in the model run that computed
	// this result (0 for a cached result).
	BatchSize int
	// QueueTime is from submission to the start of the model run.
	QueueTime time.Duration
	// ComputeTime is the model run's duration.
	ComputeTime time.Duration
	// CacheHit is set when the result was shared with an identical request
	// rather than computed for this one.
	CacheHit bool
}

// Outcome is one request's result or error, as PredictBatch returns them.
type Outcome struct {
	Result Result
	Err    error
}

// Future is the pending result of Enqueue. Its methods are safe for
// concurrent use.
type Future struct {
	done   chan struct{}
	res    Result
	err    error
	reqErr requestError // err's storage when the request failed
	call
}

// Done is closed once the result is ready.
func (f *Future) Done() <-chan struct{} { return f.done }

// Wait returns the result once it is ready, or ctx's error (wrapped) if ctx
// ends first; ending ctx does not cancel the request (the context given to
// Enqueue does that).
func (f *Future) Wait(ctx context.Context) (Result, error) {
	select {
	case <-f.done:
		return f.res, f.err
	default:
	}
	select {
	case <-f.done:
		return f.res, f.err
	case <-ctx.Done():
		return Result{}, fmt.Errorf("runtime: waiting for request %s: %w", f.id, ctx.Err())
	}
}

// call is a request's life inside the engine.
type call struct {
	e         *Engine
	req       batch.Request
	id        string
	inputs    []*tensor.Tensor // model input order; the caller's tensors
	rows      int              // extent of axis 0 shared by all inputs, -1 if none
	hash      uint64
	hashed    bool
	submitted time.Time
	completed atomic.Bool // the Future has its outcome
	admitted  atomic.Bool // holds an in-flight slot and mem bytes
	mem       int64
	stop      atomic.Pointer[func() bool] // unregisters the ctx callback
	one       [1]*tensor.Tensor           // backing store of inputs for one-input calls
}

// Predict runs the model on one input (the model's first and only input)
// and returns its outputs. It may wait to share a batch with other
// requests.
//
// # Errors
//
// ErrQueueFull, ErrOverloaded, ErrShuttingDown, ErrNoModel,
// ErrResourceExhausted, ErrInvalidInput, or an error wrapping ctx.Err() when
// ctx ends before the result is ready.
func (e *Engine) Predict(ctx context.Context, features *tensor.Tensor) (Result, error) {
	f := e.submit1(ctx, features, batch.PriorityNormal, time.Time{}, !e.cfg.EnableBatching)
	return f.Wait(ctx)
}

// PredictNamed is Predict for models with several inputs, given by name.
func (e *Engine) PredictNamed(ctx context.Context, inputs map[string]*tensor.Tensor) (Result, error) {
	m := e.model.Load()
	if m == nil {
		f := e.submit(ctx, nil, batch.PriorityNormal, time.Time{}, true)
		return f.Wait(ctx)
	}
	ins := m.sess.Inputs()
	list := make([]*tensor.Tensor, len(ins))
	for i, in := range ins {
		list[i] = inputs[in.Name]
	}
	if len(inputs) != len(ins) || hasNil(list) {
		for name := range inputs {
			if !m.sess.hasInput(name) {
				return Result{}, fmt.Errorf("%w: model has no input %q", ErrInvalidInput, name)
			}
		}
	}
	f := e.submit(ctx, list, batch.PriorityNormal, time.Time{}, !e.cfg.EnableBatching)
	return f.Wait(ctx)
}

func hasNil(ts []*tensor.Tensor) bool {
	for _, t := range ts {
		if t == nil {
			return true
		}
	}
	return false
}

// Enqueue queues a request and returns at once. p orders it against other
// queued requests (lower first, FIFO within a priority); timeout > 0 is how
// long it may stay queued before failing with ErrTimeout. Cancelling ctx
// takes it out of the queue and fails it with ctx's error.
func (e *Engine) Enqueue(ctx context.Context, features *tensor.Tensor, p batch.Priority, timeout time.Duration) *Future {
	var dl time.Time
	if timeout > 0 {
		dl = time.Now().Add(timeout)
	}
	return e.submit1(ctx, features, p, dl, false)
}

// PredictBatch submits every input as its own request (normal priority,
// queued for at most timeout when timeout > 0) and returns one Outcome per
// input, in order, once all are done.
func (e *Engine) PredictBatch(ctx context.Context, features []*tensor.Tensor, timeout time.Duration) []Outcome {
	fs := make([]*Future, len(features))
	for i, x := range features {
		fs[i] = e.Enqueue(ctx, x, batch.PriorityNormal, timeout)
	}
	out := make([]Outcome, len(fs))
	for i, f := range fs {
		<-f.done
		out[i] = Outcome{f.res, f.err}
	}
	return out
}

// submit1 is submit for a single input, held in the Future itself so the
// request costs no separate input slice.
func (e *Engine) submit1(ctx context.Context, x *tensor.Tensor, p batch.Priority, deadline time.Time, direct bool) *Future {
	f := &Future{done: make(chan struct{})}
	f.one[0] = x
	return e.start(ctx, f, f.one[:], p, deadline, direct)
}

// submit admits a request and starts it: inline when direct, else through
// the queue. The Future always gets exactly one outcome.
func (e *Engine) submit(ctx context.Context, inputs []*tensor.Tensor, p batch.Priority, deadline time.Time, direct bool) *Future {
	return e.start(ctx, &Future{done: make(chan struct{})}, inputs, p, deadline, direct)
}

func (e *Engine) start(ctx context.Context, f *Future, inputs []*tensor.Tensor, p batch.Priority, deadline time.Time, direct bool) *Future {
	c := &f.call
	c.e = e
	c.submitted = time.Now()
	c.id = strconv.FormatUint(e.reqSeq.Add(1), 10)
	c.inputs = inputs
	c.req.Payload = f
	c.req.ID = c.id
	c.req.Priority = p
	c.req.Deadline = deadline
	c.req.Inputs = inputs
	if err := ctx.Err(); err != nil {
		e.failRequest(f, err)
		return f
	}

	e.gate.RLock()
	st := e.State()
	m := e.model.Load()
	var err error
	switch {
	case st == StateStopping || st == StateStopped:
		err = ErrShuttingDown
	case m == nil:
		err = ErrNoModel
	default:
		err = e.admit(f, m)
	}
	e.gate.RUnlock()
	if err != nil {
		e.finish(f, Result{}, err)
		return f
	}
	if err := m.check(inputs, &c.rows); err != nil {
		e.leave(f)
		e.finish(f, Result{}, err)
		return f
	}
	if e.cache != nil && dedupable(inputs) {
		c.hash, c.hashed = hashInputs(inputs), true
		if outs, ok := e.cache.get(c.hash, m.id, inputs); ok {
			e.rec.cache(true)
			e.leave(f)
			e.finish(f, Result{Outputs: outs, names: m.names, Metadata: Metadata{CacheHit: true}}, nil)
			return f
		}
	}
	if direct {
		e.execute([]*Future{f})
		return f
	}
	c.req.Solo = !m.batchable || c.rows < 0
	if ctx.Done() != nil {
		e.watch(ctx, f)
	}
	if err := e.batcher.Enqueue(&c.req); err != nil {
		if errors.Is(err, batch.ErrStopped) {
			err = ErrShuttingDown
		}
		e.leave(f)
		e.failRequest(f, err)
	}
	return f
}

// watch fails f with ctx's error when ctx ends first, taking it out of the
// queue if it is still there.
func (e *Engine) watch(ctx context.Context, f *Future) {
	c := &f.call
	stop := context.AfterFunc(ctx, func() {
		if e.batcher.Cancel(&c.req) {
			e.leave(f)
			e.failRequest(f, ctx.Err())
			return
		}
		e.failRequest(f, ctx.Err())
	})
	c.stop.Store(&stop)
}

// admit takes an in-flight slot and the request's memory. Called with the
// gate held shared.
func (e *Engine) admit(f *Future, m *model) error {
	if e.inflight.Add(1) > int64(e.cfg.MaxConcurrentRequests) {
		e.inflight.Add(-1)
		return fmt.Errorf("%w: %d in flight", ErrOverloaded, e.cfg.MaxConcurrentRequests)
	}
	mem := requestBytes(m, f.inputs)
	if !e.reserve(mem) {
		e.inflight.Add(-1)
		return fmt.Errorf("%w: request needs ~%d bytes, limit %d, %d in use", ErrResourceExhausted, mem, e.cfg.MemoryLimitBytes, e.memUsed.Load())
	}
	f.mem = mem
	f.admitted.Store(true)
	return nil
}

// leave gives back what admit took; it is idempotent.
func (e *Engine) leave(f *Future) {
	if f.admitted.CompareAndSwap(true, false) {
		e.memUsed.Add(-f.mem)
		e.inflight.Add(-1)
	}
}

// requestBytes estimates a request's working memory: its inputs twice (the
// batched or scaled copy) plus its outputs.
func requestBytes(m *model, inputs []*tensor.Tensor) int64 {
	var n int64
	rows := int64(1)
	for i, t := range inputs {
		if t == nil {
			continue
		}
		n += 2 * int64(len(t.Bytes()))
		if i == 0 && t.Rank() > 0 {
			rows = int64(max(t.Shape()[0], 1))
		}
	}
	return n + rows*m.rowBytes
}

// finish gives f its outcome unless it already has one, and records it.
func (e *Engine) finish(f *Future, res Result, err error) {
	if !e.settle(f, res, err) {
		return
	}
	e.rec.done(f.submitted, res.Metadata, err)
	close(f.done)
}

// settle stores f's outcome unless it already has one; it reports whether
// it did. The caller then records it and closes f.done.
func (e *Engine) settle(f *Future, res Result, err error) bool {
	if !f.completed.CompareAndSwap(false, true) {
		return false
	}
	if stop := f.stop.Load(); stop != nil {
		(*stop)()
	}
	res.Metadata.RequestID = f.id
	f.res, f.err = res, err
	return true
}

// requestError is a request's failure: "runtime: request ID: cause",
// errors.Is-able to cause. A Future holds its own, so failing a request
// allocates nothing: a burst of queued deadlines expiring on the batcher's
// clock makes no garbage, and so no GC work that would delay the next.
type requestError struct {
	id    string
	cause error
}

func (r *requestError) Error() string { return "runtime: request " + r.id + ": " + r.cause.Error() }
func (r *requestError) Unwrap() error { return r.cause }

// settleFailed is settle with the outcome "request failed with cause". The
// Future's requestError is written only after winning the outcome, so
// racing failures (a deadline and a cancellation) never share it.
func (e *Engine) settleFailed(f *Future, cause error) bool {
	if !e.settle(f, Result{}, nil) {
		return false
	}
	f.reqErr = requestError{id: f.id, cause: cause}
	f.err = &f.reqErr
	return true
}

// failRequest is finish for a failed request (see settleFailed).
func (e *Engine) failRequest(f *Future, cause error) {
	if !e.settleFailed(f, cause) {
		return
	}
	e.rec.done(f.submitted, Metadata{}, f.err)
	close(f.done)
}

// finishAll is finish for the requests of one batch: outcomes are settled,
// recorded under one metrics lock, and only then announced.
func (e *Engine) finishAll(fs []*Future) {
	e.rec.doneAll(fs)
	for _, f := range fs {
		close(f.done)
	}
}

// dropped receives requests that left the queue unprocessed.
func (e *Engine) dropped(r *batch.Request, err error) {
	f := r.Payload.(*Future)
	if errors.Is(err, batch.ErrStopped) {
		err = ErrShuttingDown
	}
	e.leave(f)
	e.failRequest(f, err)
}

// process is the batcher's callback.
func (e *Engine) process(reqs []*batch.Request) {
	fs := make([]*Future, len(reqs))
	for i, r := range reqs {
		fs[i] = r.Payload.(*Future)
	}
	e.execute(fs)
}

// check validates inputs against the model's declared inputs and sets rows
// to their shared axis-0 extent (-1 when they have none).
func (m *model) check(inputs []*tensor.Tensor, rows *int) error {
	decl := m.sess.Inputs()
	if len(inputs) != len(decl) {
		return fmt.Errorf("%w: model takes %d inputs, got %d", ErrInvalidInput, len(decl), len(inputs))
	}
	*rows = -1
	for i, t := range inputs {
		in := decl[i]
		if t == nil {
			return fmt.Errorf("%w: input %q is missing", ErrInvalidInput, in.Name)
		}
		if ty := in.Type; ty != nil && ty.Kind == ir.KindTensor {
			if ty.Elem != tensor.Undefined && t.DType() != ty.Elem {
				return fmt.Errorf("%w: input %q: got %v, want %v", ErrInvalidInput, in.Name, t.DType(), ty.Elem)
			}
			if ty.HasShape {
				if t.Rank() != len(ty.Shape) {
					return fmt.Errorf("%w: input %q: got shape %v, want rank %d", ErrInvalidInput, in.Name, t.Shape(), len(ty.Shape))
				}
				for k, d := range ty.Shape {
					if d.Known && int64(t.Shape()[k]) != d.Value {
						return fmt.Errorf("%w: input %q: got shape %v, dim %d must be %d", ErrInvalidInput, in.Name, t.Shape(), k, d.Value)
					}
				}
			}
		}
		if i == 0 && m.scaler != nil {
			if t.DType() != tensor.Float32 && t.DType() != tensor.Float64 {
				return fmt.Errorf("%w: feature scaling needs float input, %q is %v", ErrInvalidInput, in.Name, t.DType())
			}
			if t.Rank() == 0 || t.Shape()[t.Rank()-1] != len(m.scaler.Mean) {
				return fmt.Errorf("%w: input %q shape %v: scaler has %d features", ErrInvalidInput, in.Name, t.Shape(), len(m.scaler.Mean))
			}
		}
		r := -1
		if t.Rank() > 0 {
			r = t.Shape()[0]
		}
		if i == 0 {
			*rows = r
		} else if r != *rows {
			*rows = -1
		}
	}
	return nil
}

// execute runs a set of dispatched requests on the current model: cached or
// in-flight duplicates share a result; the rest run as one batch when the
// model allows it, else one by one.
func (e *Engine) execute(fs []*Future) {
	start := time.Now()
	m := e.acquire()
	if m == nil {
		for _, f := range fs {
			e.leave(f)
			e.failRequest(f, ErrNoModel)
		}
		return
	}
	defer m.release()
	leaders := fs[:0:0]
	for _, f := range fs {
		if f.completed.Load() {
			// Cancelled after dispatch: nobody waits for it.
			e.leave(f)
			continue
		}
		if !f.hashed {
			leaders = append(leaders, f)
			continue
		}
		if outs, ok := e.cache.get(f.hash, m.id, f.inputs); ok {
			e.rec.cache(true)
			e.leave(f)
			e.finish(f, Result{Outputs: outs, names: m.names, Metadata: Metadata{CacheHit: true, QueueTime: start.Sub(f.submitted)}}, nil)
			continue
		}
		if e.flights.join(f, m.id) {
			e.rec.cache(true)
			continue // it gets the leader's result
		}
		e.rec.cache(false)
		leaders = append(leaders, f)
	}
	if len(leaders) == 0 {
		return
	}
	outs, errs, compute, batched := e.run(m, leaders)
	size := 1
	if batched {
		size = len(leaders)
	}
	settled := make([]*Future, 0, len(leaders))
	for i, f := range leaders {
		md := Metadata{BatchSize: size, QueueTime: start.Sub(f.submitted), ComputeTime: compute}
		var followers []*Future
		if f.hashed {
			followers = e.flights.done(f, m.id)
			if errs[i] == nil {
				e.cache.put(f.hash, m.id, f.inputs, outs[i])
			}
		}
		for _, g := range followers {
			fmd := md
			fmd.CacheHit = true
			fmd.QueueTime = start.Sub(g.submitted)
			e.leave(g)
			var ok bool
			if errs[i] != nil {
				ok = e.settle(g, Result{}, errs[i])
			} else {
				ok = e.settle(g, Result{Outputs: cloneAll(outs[i]), names: m.names, Metadata: fmd}, nil)
			}
			if ok {
				settled = append(settled, g)
			}
		}
		e.leave(f)
		var ok bool
		if errs[i] != nil {
			ok = e.settleFailed(f, errs[i])
		} else {
			ok = e.settle(f, Result{Outputs: outs[i], names: m.names, Metadata: md}, nil)
		}
		if ok {
			settled = append(settled, f)
		}
	}
	e.finishAll(settled)
}

// run computes leaders' outputs: one concatenated model run when possible,
// else one run each (also the fallback when the batched run fails, so one
// bad request cannot fail its batch-mates).
func (e *Engine) run(m *model, fs []*Future) (outs [][]*tensor.Tensor, errs []error, compute time.Duration, batched bool) {
	outs = make([][]*tensor.Tensor, len(fs))
	errs = make([]error, len(fs))
	t0 := time.Now()
	e.running.Add(1)
	defer e.running.Add(-1)
	if len(fs) > 1 && m.batchable {
		if ok := e.runParts(m, fs, outs); ok {
			compute = time.Since(t0)
			e.rec.batch(len(fs))
			return outs, errs, compute, true
		}
	}
	for i, f := range fs {
		outs[i], errs[i] = e.runOne(m, f.inputs)
		e.rec.batch(1)
	}
	return outs, errs, time.Since(t0) / time.Duration(len(fs)), false
}

// minPartRequests is the smallest share of a batch runParts gives a run
// slot (requests, usually a row each): fewer rows would waste the GEMM
// kernels' row tiles.
const minPartRequests = 16

// runParts runs a batch as one model run, or, when it is large and other
// run slots (NumThreads batches may run at once) are idle, as consecutive
// parts run concurrently: a full batch is then not computed on one core
// while the others wait for the next one. It reports false when any part
// fails (the caller then runs the requests one by one).
func (e *Engine) runParts(m *model, fs []*Future, outs [][]*tensor.Tensor) bool {
	parts := 1
	if idle := int64(e.cfg.NumThreads) - e.running.Load(); idle > 0 && m.sess.Threads() == 1 {
		parts = min(int(idle)+1, len(fs)/minPartRequests)
	}
	if parts <= 1 {
		return e.runBatched(m, fs, outs)
	}
	e.running.Add(int64(parts - 1))
	defer e.running.Add(-int64(parts - 1))
	var wg sync.WaitGroup
	oks := make([]bool, parts)
	per := (len(fs) + parts - 1) / parts
	for p := 1; p < parts; p++ {
		lo, hi := p*per, min((p+1)*per, len(fs))
		wg.Add(1)
		go func() {
			defer wg.Done()
			oks[p] = e.runBatched(m, fs[lo:hi], outs[lo:hi])
		}()
	}
	oks[0] = e.runBatched(m, fs[:per], outs[:per])
	wg.Wait()
	for _, ok := range oks {
		if !ok {
			return false
		}
	}
	return true
}

// runOne runs the model on one request's inputs, scaling features into a
// pooled copy when configured.
func (e *Engine) runOne(m *model, inputs []*tensor.Tensor) ([]*tensor.Tensor, error) {
	if m.scaler == nil {
		return m.sess.Run(inputs)
	}
	x := inputs[0]
	scaled := e.pool.Get(x.Shape(), x.DType())
	scaleInto(scaled, x, m.scaler, 0)
	args := append([]*tensor.Tensor{scaled}, inputs[1:]...)
	outs, err := m.sess.Run(args)
	if !aliasesAny(outs, scaled) {
		e.pool.Put(scaled)
	}
	return outs, err
}

// runBatched concatenates the requests along axis 0, runs once and splits
// the outputs back by rows. It reports false (and computes nothing for the
// caller) when the run fails or an output does not keep the batch axis.
func (e *Engine) runBatched(m *model, fs []*Future, outs [][]*tensor.Tensor) bool {
	total := 0
	for _, f := range fs {
		total += f.rows
	}
	n := len(fs[0].inputs)
	args := make([]*tensor.Tensor, n)
	shape := make([]int, 0, 8)
	for i := 0; i < n; i++ {
		x0 := fs[0].inputs[i]
		shape = append(shape[:0], total)
		shape = append(shape, x0.Shape()[1:]...)
		dst := e.pool.Get(shape, x0.DType())
		off := 0
		for _, f := range fs {
			x := f.inputs[i]
			if i == 0 && m.scaler != nil {
				scaleInto(dst, x, m.scaler, off)
			} else {
				copyRows(dst, x, off)
			}
			off += x.Shape()[0]
		}
		args[i] = dst
	}
	res, err := m.sess.Run(args)
	defer func() {
		for _, a := range args {
			if !aliasesAny(res, a) {
				e.pool.Put(a)
			}
		}
	}()
	if err != nil {
		return false
	}
	for _, y := range res {
		if y.Rank() == 0 || y.Shape()[0] != total {
			return false
		}
	}
	all := make([]*tensor.Tensor, len(fs)*len(res))
	for k := range fs {
		outs[k] = all[k*len(res) : (k+1)*len(res) : (k+1)*len(res)]
	}
	counts := make([]int, len(fs))
	for k, f := range fs {
		counts[k] = f.rows
	}
	for j, y := range res {
		if tensorRowBytes(y) <= maxSharedRowBytes {
			views, err := y.SplitRows(counts)
			if err != nil {
				return false
			}
			for k := range fs {
				outs[k][j] = &views[k]
			}
			continue
		}
		shape := make([]int, y.Rank())
		off := 0
		for k, f := range fs {
			outs[k][j] = copyOutRowsShape(y, off, f.rows, shape)
			off += f.rows
		}
	}
	return true
}

// maxSharedRowBytes bounds the per-row size of an output that a batch's
// requests receive as views of the one batch result rather than as copies.
// Views cost no allocation per request, which keeps the garbage collector
// (and its latency) out of small-output serving; but a caller who keeps
// one result keeps the whole batch's output alive, so large outputs are
// copied: at most MaxBatchSize × 4 KiB can be held by one small result.
const maxSharedRowBytes = 4 << 10

// tensorRowBytes is the size of one axis-0 row of y.
func tensorRowBytes(y *tensor.Tensor) int {
	inner := y.Len() / max(y.Shape()[0], 1)
	if y.DType() == tensor.String {
		return inner * 16
	}
	return inner * y.DType().Size()
}

// copyOutRowsShape returns a new tensor holding rows [off, off+n) of y.
// shape is scratch of y's rank, which tensor.New copies, so one scratch
// serves every request of a batch.
func copyOutRowsShape(y *tensor.Tensor, off, n int, shape []int) *tensor.Tensor {
	shape[0] = n
	copy(shape[1:], y.Shape()[1:])
	t := tensor.New(y.DType(), shape...)
	inner := y.Len() / max(y.Shape()[0], 1)
	if y.DType() == tensor.String {
		copy(t.Strings(), y.Strings()[off*inner:(off+n)*inner])
	} else {
		sz := inner * y.DType().Size()
		copy(t.Bytes(), y.Bytes()[off*sz:(off+n)*sz])
	}
	return t
}

// copyRows copies src into dst starting at row off.
func copyRows(dst, src *tensor.Tensor, off int) {
	if src.DType() == tensor.String {
		inner := len(dst.Strings()) / max(dst.Shape()[0], 1)
		copy(dst.Strings()[off*inner:], src.Strings())
		return
	}
	inner := len(dst.Bytes()) / max(dst.Shape()[0], 1)
	copy(dst.Bytes()[off*inner:], src.Bytes())
}

// scaleInto writes (src − Mean)/Scale into dst starting at row off.
func scaleInto(dst, src *tensor.Tensor, s *Scaler, off int) {
	nf := len(s.Mean)
	inner := dst.Len() / max(dst.Shape()[0], 1)
	switch src.DType() {
	case tensor.Float32:
		d, x := dst.Float32s()[off*inner:], src.Float32s()
		for i, v := range x {
			j := i % nf
			sc := s.Scale[j]
			if sc == 0 {
				sc = 1
			}
			d[i] = (v - s.Mean[j]) / sc
		}
	case tensor.Float64:
		d, x := dst.Float64s()[off*inner:], src.Float64s()
		for i, v := range x {
			j := i % nf
			sc := float64(s.Scale[j])
			if sc == 0 {
				sc = 1
			}
			d[i] = (v - float64(s.Mean[j])) / sc
		}
	}
}

// aliasesAny reports whether any output shares storage with t.
func aliasesAny(outs []*tensor.Tensor, t *tensor.Tensor) bool {
	b := t.Bytes()
	if len(b) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(&b[0]))
	hi := lo + uintptr(len(b))
	for _, o := range outs {
		ob := o.Bytes()
		if len(ob) == 0 {
			continue
		}
		p := uintptr(unsafe.Pointer(&ob[0]))
		if p < hi && p+uintptr(len(ob)) > lo {
			return true
		}
	}
	return false
}

func cloneAll(ts []*tensor.Tensor) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(ts))
	for i, t := range ts {
		out[i] = t.Clone()
	}
	return out
}
