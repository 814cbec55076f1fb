// Package parallel runs kernel work over a fixed set of worker goroutines,
// one per core, optionally pinned to a CPU each.
//
// A kernel splits its output into independent tiles and calls [Pool.Run]; no
// goroutine is started per call. The caller's goroutine takes part in the
// work, so a Run with one task (or a pool of one) costs no hand-off at all.
// Kernels must make every task's result independent of which slot or how many
// slots compute it (split output tiles, never a reduction), so results are
// identical for any thread count.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sinter-ml/sinter/internal/freelist"
)

// Options configure a Pool.
type Options struct {
	// Threads is the number of threads working on a Run, including the
	// caller; 0 means runtime.GOMAXPROCS(0).
	Threads int
	// Pin locks each helper to an OS thread bound to one CPU of the process's
	// affinity mask (Linux; ignored elsewhere or when not permitted). It
	// pays only when callers are pinned too (see Default).
	Pin bool
}

// Pool is a fixed set of worker goroutines. Its methods are safe for
// concurrent use; concurrent Runs share the helpers (a helper busy with one
// Run is simply not used by another, whose caller does more of the work).
type Pool struct {
	threads int
	helpers []*helper
	quit    chan struct{}
	done    sync.WaitGroup
	pinned  atomic.Int32 // helpers that managed to pin
	closed  atomic.Bool
}

// A helper spins for a short while after each job (kernels come in bursts),
// then sleeps on its wake channel.
type helper struct {
	pending  atomic.Pointer[job]
	sleeping atomic.Bool
	wake     chan struct{}
	_        [64]byte // keep helpers on separate cache lines
}

// spinFor is how long an idle helper polls before it sleeps. A model's
// kernels come in bursts separated by small single-threaded steps; a
// helper that has gone to sleep costs a wake-up of tens of microseconds
// (measured: ResNet-18 at 64×64 on 2 threads, median 5.6–8.5 ms with
// 100 µs spins against 3.9–4.2 ms with these).
const spinFor = 400 * time.Microsecond

// callerSpin is how long a Run's caller, done with its share, polls for
// the helpers' shares before it blocks (see spinFor).
const callerSpin = 200 * time.Microsecond

type job struct {
	fn   func(slot, task int)
	task Task
	n    int64
	next atomic.Int64
	slot atomic.Int32
	// left counts the helpers engaged and not yet finished: the caller
	// spins on it briefly before blocking on wg, because waking a
	// goroutine blocked in wg.Wait costs tens of microseconds on some
	// machines, as much as a small kernel's whole run.
	left  atomic.Int32
	wg    sync.WaitGroup
	panic atomic.Pointer[any]
}

var jobPool freelist.List[job]

// New starts a pool. Close it when done.
func New(o Options) *Pool {
	n := o.Threads
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	p := &Pool{threads: n, quit: make(chan struct{})}
	cpus := allowedCPUs()
	for i := 1; i < n; i++ {
		cpu := -1
		if o.Pin && len(cpus) > 1 {
			cpu = cpus[i%len(cpus)]
		}
		h := &helper{wake: make(chan struct{}, 1)}
		p.helpers = append(p.helpers, h)
		p.done.Add(1)
		go p.worker(h, cpu)
	}
	return p
}

// Threads reports how many threads (caller included) work on a Run.
func (p *Pool) Threads() int { return p.threads }

// Pinned reports how many helper threads are bound to a CPU.
func (p *Pool) Pinned() int { return int(p.pinned.Load()) }

// Close stops the helpers (after the Runs in flight) and restores their
// threads' CPU masks. A closed pool runs everything on the caller.
func (p *Pool) Close() {
	if p.closed.Swap(true) {
		return
	}
	close(p.quit)
	p.done.Wait()
}

func (p *Pool) worker(h *helper, cpu int) {
	defer p.done.Done()
	if cpu >= 0 {
		runtime.LockOSThread()
		restore, ok := pinTo(cpu)
		if ok {
			p.pinned.Add(1)
		}
		defer func() {
			restore()
			runtime.UnlockOSThread()
		}()
	}
	for {
		// Spin: poll for work until spinFor has passed without any.
		deadline := time.Now().Add(spinFor)
		for i := 0; ; i++ {
			if j := h.pending.Load(); j != nil {
				j.loop(int(j.slot.Add(1)))
				h.pending.Store(nil)
				j.left.Add(-1)
				j.wg.Done()
				deadline = time.Now().Add(spinFor)
				continue
			}
			if i&255 == 255 && time.Now().After(deadline) {
				break
			}
		}
		// Sleep. Run stores pending, then reads sleeping; we store sleeping,
		// then read pending: one of us sees the other.
		h.sleeping.Store(true)
		if h.pending.Load() == nil {
			select {
			case <-h.wake:
			case <-p.quit:
				h.sleeping.Store(false)
				return
			}
		}
		h.sleeping.Store(false)
	}
}

func (j *job) loop(slot int) {
	defer func() {
		if r := recover(); r != nil {
			j.fail(r)
		}
	}()
	for {
		t := j.next.Add(1) - 1
		if t >= j.n {
			return
		}
		if j.task != nil {
			j.task.Run(slot, int(t))
		} else {
			j.fn(slot, int(t))
		}
	}
}

// fail records the first panic of a Run's tasks and stops handing out
// more. (Taking r's address only here keeps the deferred recover in loop
// from allocating on every call.)
func (j *job) fail(r any) {
	p := new(any)
	*p = r
	j.panic.CompareAndSwap(nil, p)
	j.next.Store(j.n)
}

// Slots returns how many distinct slot numbers a Run of ntasks may pass to
// its function: slots are in [0, Slots(ntasks)).
func (p *Pool) Slots(ntasks int) int {
	return max(1, min(p.threads, ntasks))
}

// Run calls fn(slot, task) once for every task in [0, ntasks) and returns
// when all have returned. Tasks run concurrently in any order; slot numbers
// are unique among the goroutines working on this Run (use them to index
// per-call scratch). A panic in fn is re-raised in the caller.
func (p *Pool) Run(ntasks int, fn func(slot, task int)) {
	if ntasks <= 0 {
		return
	}
	if p.Slots(ntasks) == 1 || p.closed.Load() {
		for t := range ntasks {
			fn(0, t)
		}
		return
	}
	p.run(ntasks, fn, nil)
}

// Task is work split into numbered tasks, for RunTask.
type Task interface {
	// Run does task number task; slot is as for Pool.Run's function.
	Run(slot, task int)
}

// RunTask is Run for a Task value. A closure passed to Run escapes to the
// heap whenever it captures variables, which costs an allocation per call;
// a kernel that keeps its per-call state in a reused struct and passes a
// pointer to it here splits work without allocating.
func (p *Pool) RunTask(ntasks int, t Task) {
	if ntasks <= 0 {
		return
	}
	if p.Slots(ntasks) == 1 || p.closed.Load() {
		for i := range ntasks {
			t.Run(0, i)
		}
		return
	}
	p.run(ntasks, nil, t)
}

func (p *Pool) run(ntasks int, fn func(slot, task int), task Task) {
	want := p.Slots(ntasks) - 1
	j := jobPool.Get()
	j.fn, j.task, j.n = fn, task, int64(ntasks)
	j.next.Store(0)
	j.slot.Store(0)
	for _, h := range p.helpers {
		if want == 0 {
			break
		}
		j.wg.Add(1)
		j.left.Add(1)
		if !h.pending.CompareAndSwap(nil, j) {
			j.left.Add(-1)
			j.wg.Done() // busy with another Run
			continue
		}
		want--
		if h.sleeping.Load() {
			select {
			case h.wake <- struct{}{}:
			default:
			}
		}
	}
	j.loop(0)
	// Spin a little for the helpers to finish before sleeping on wg.
	if j.left.Load() > 0 {
		deadline := time.Now().Add(callerSpin)
		for i := 1; j.left.Load() > 0; i++ {
			if i&63 == 0 && time.Now().After(deadline) {
				break
			}
		}
	}
	j.wg.Wait()
	r := j.panic.Swap(nil)
	j.fn, j.task = nil, nil
	jobPool.Put(j)
	if r != nil {
		panic(*r)
	}
}

var (
	defaultOnce sync.Once
	defaultPool *Pool
)

// Default returns the process-wide pool: GOMAXPROCS threads, not pinned.
// Pinning the helpers was measured to hurt here (2 vCPUs: a 64-row MLP's
// p90 at 2 threads 1.14 ms pinned against 0.49 ms unpinned): a Run's
// caller is an ordinary goroutine the OS may place on a pinned helper's
// CPU, where the two then share one core. Callers that pin their own
// goroutines can build a pinned pool with Options.Pin.
func Default() *Pool {
	defaultOnce.Do(func() { defaultPool = New(Options{}) })
	return defaultPool
}

// Ranges is work over the items [0, n) of a RunRanges call that may be
// done in any split: Range does items [lo, hi).
type Ranges interface {
	Range(lo, hi int)
}

// rangeTask adapts Ranges to Task: task t covers [t·per, (t+1)·per).
type rangeTask struct {
	r      Ranges
	n, per int
}

func (t *rangeTask) Run(_, task int) {
	lo := task * t.per
	t.r.Range(lo, min(lo+t.per, t.n))
}

var rangeTasks freelist.List[rangeTask]

// RunRanges calls r.Range over consecutive ranges covering [0, n) of
// grain items each (the last shorter), as tasks on p when there are
// several ranges and p has helpers, and else once, on the caller, over the
// whole of [0, n). p may be nil (the caller does everything). Like
// RunTask it allocates nothing when r is a pointer to reused state.
func (p *Pool) RunRanges(n, grain int, r Ranges) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	if p == nil || p.Threads() == 1 || n <= grain {
		r.Range(0, n)
		return
	}
	t := rangeTasks.Get()
	t.r, t.n, t.per = r, n, grain
	p.RunTask((n+grain-1)/grain, t)
	t.r = nil
	rangeTasks.Put(t)
}
