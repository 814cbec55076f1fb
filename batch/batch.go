// Package batch queues inference requests and hands them to a processing
// function in batches.
//
// Semantics (those of Triton's dynamic batcher):
//
//   - Requests leave the queue in priority order (lower Priority value first)
//     and first-in, first-out within a priority.
//   - Only compatible requests share a batch: same number of inputs, and for
//     each input the same dtype, rank and dims beyond axis 0. A Solo request
//     always runs alone and never waits to be joined.
//   - A batch goes when it is full (MaxBatchSize requests) or when its oldest
//     request has waited MaxWait, or at once while the batcher is stopping.
//   - A request whose Deadline passes while queued leaves with ErrTimeout and
//     is never processed; Cancel takes a queued request out at once.
//   - A full queue rejects Enqueue at once with ErrQueueFull.
//
// Deadlines and batch timeouts are served by one clock goroutine with one
// timer; workers are a fixed set of goroutines. In steady state Enqueue and
// dispatch allocate nothing.
package batch

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/sinter-ml/sinter/tensor"
)

// Priority orders requests: lower values leave the queue first. The zero
// value is PriorityNormal.
type Priority int8

// The usual priorities.
const (
	PriorityHigh   Priority = -1
	PriorityNormal Priority = 0
	PriorityLow    Priority = 1
)

func (p Priority) String() string {
	switch p {
	case PriorityHigh:
		return "high"
	case PriorityNormal:
		return "normal"
	case PriorityLow:
		return "low"
	}
	return "priority(" + itoa(int(p)) + ")"
}

func itoa(v int) string {
	if v < 0 {
		return "-" + itoa(-v)
	}
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}

// Errors reported through Enqueue's result or Options.OnDrop.
var (
	ErrQueueFull = errors.New("queue is full")
	ErrTimeout   = errors.New("deadline passed while queued")
	ErrStopped   = errors.New("batcher is stopped")
	ErrBusy      = errors.New("request is already queued")
)

// Request is one unit of work. The batcher owns a request from a successful
// Enqueue until it is passed to the process function or to OnDrop, or until
// Cancel returns true; the caller may reuse it after that.
type Request struct {
	ID       string
	Inputs   []*tensor.Tensor
	Priority Priority
	// Timestamp is set by Enqueue to the time the request joined the queue.
	Timestamp time.Time
	// Deadline, when not zero, is when a still-queued request gives up.
	Deadline time.Time
	// Solo requests are dispatched alone and at once.
	Solo bool
	// Payload is the caller's; the batcher never looks at it.
	Payload any

	b     *Batcher
	state uint8 // idle, queued
	g     *group
	lvl   int // index of the level in g.levels
	prev  *Request
	next  *Request
	seq   uint64
	dlIdx int // index in the deadline heap, -1 when absent
}

const (
	stateIdle uint8 = iota
	stateQueued
)

// Options configure a Batcher.
type Options struct {
	// MaxBatchSize is the most requests in one batch (default 64).
	MaxBatchSize int
	// MaxWait is the longest the oldest request of a partial batch waits
	// for it to fill. Zero means the default, 10ms; a negative value means
	// partial batches go at once.
	MaxWait time.Duration
	// MaxQueueSize bounds the queued requests (default 1000).
	MaxQueueSize int
	// Workers is how many batches may be processed at once (default 1).
	Workers int
	// OnDrop receives each request that leaves the queue without being
	// processed: ErrTimeout when its deadline passed, ErrStopped when Stop
	// ran out of time. It runs on a batcher goroutine and must not block
	// for long. Requests taken out by Cancel are not reported.
	OnDrop func(r *Request, err error)
}

// Stats are a batcher's counters.
type Stats struct {
	Enqueued   int64 // requests accepted
	Rejected   int64 // Enqueue refused: queue full
	Processed  int64 // requests handed to the process function
	Batches    int64 // calls of the process function
	Expired    int64 // deadlines that passed in the queue
	Cancelled  int64 // requests removed by Cancel
	Dropped    int64 // requests abandoned by Stop
	QueueDepth int   // requests queued now
	InFlight   int   // batches being processed now
	// BatchSizes[n] counts batches of n requests (index 0 unused). Its
	// length is one more than the largest batch so far, so a generous
	// MaxBatchSize costs no memory until batches that big occur.
	BatchSizes []int64
}

// AvgBatchSize is Processed / Batches (0 before the first batch).
func (s Stats) AvgBatchSize() float64 {
	if s.Batches == 0 {
		return 0
	}
	return float64(s.Processed) / float64(s.Batches)
}

// Batcher groups queued requests into batches. It is safe for concurrent use.
type Batcher struct {
	process func([]*Request)
	opt     Options

	mu       sync.Mutex
	work     sync.Cond // signalled when a batch may be ready or on stop
	groups   []*group  // non-empty groups
	spare    []*group  // emptied groups for reuse
	solo     *group    // Solo requests: always ready, batches of one
	n        int       // queued requests
	seq      uint64
	dl       []*Request // deadline min-heap
	armed    time.Time  // when the clock's timer fires; zero when idle
	started  bool
	stopping bool
	inflight int
	stats    Stats
	dropBuf  []*Request // clock's expired list (clock goroutine only)

	kick     chan struct{}
	quit     chan struct{}
	clockEnd chan struct{}
	workers  sync.WaitGroup
}

// group holds compatible queued requests, one FIFO list per priority level.
type group struct {
	rep    *Request // a queued member whose inputs define the group's shape
	hash   uint64
	levels []level // sorted by priority, ascending
	n      int
	solo   bool
}

type level struct {
	prio       Priority
	head, tail *Request
}

// New returns a batcher that calls process with each batch. process runs on
// a worker goroutine; the slice is the batcher's and is valid only during the
// call, the requests are the caller's again once it is called.
func New(process func([]*Request), opt Options) *Batcher {
	if opt.MaxBatchSize <= 0 {
		opt.MaxBatchSize = 64
	}
	if opt.MaxWait == 0 {
		opt.MaxWait = 10 * time.Millisecond
	} else if opt.MaxWait < 0 {
		opt.MaxWait = 0
	}
	if opt.MaxQueueSize <= 0 {
		opt.MaxQueueSize = 1000
	}
	if opt.Workers <= 0 {
		opt.Workers = 1
	}
	b := &Batcher{
		process:  process,
		opt:      opt,
		solo:     &group{solo: true},
		kick:     make(chan struct{}, 1),
		quit:     make(chan struct{}),
		clockEnd: make(chan struct{}),
		dl:       make([]*Request, 0, 64),
	}
	b.work.L = &b.mu
	return b
}

// Start launches the workers and the clock. It is a no-op after the first call.
func (b *Batcher) Start() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started || b.stopping {
		return
	}
	b.started = true
	b.workers.Add(b.opt.Workers)
	for i := 0; i < b.opt.Workers; i++ {
		go b.worker()
	}
	go b.clock(b.quit)
}

// Enqueue queues r. It fails at once with ErrStopped, ErrQueueFull, ErrBusy
// (r is already queued) or ErrTimeout (r's deadline has already passed).
func (b *Batcher) Enqueue(r *Request) error {
	now := time.Now()
	b.mu.Lock()
	switch {
	case b.stopping:
		b.mu.Unlock()
		return ErrStopped
	case r.state == stateQueued:
		b.mu.Unlock()
		return ErrBusy
	case b.n >= b.opt.MaxQueueSize:
		b.stats.Rejected++
		b.mu.Unlock()
		return ErrQueueFull
	case !r.Deadline.IsZero() && !now.Before(r.Deadline):
		b.stats.Expired++
		b.mu.Unlock()
		return ErrTimeout
	}
	r.Timestamp = now
	r.b = b
	b.seq++
	r.seq = b.seq
	var g *group
	if r.Solo || b.opt.MaxBatchSize == 1 {
		g = b.solo
	} else {
		g = b.groupFor(r)
	}
	b.push(g, r)
	b.stats.Enqueued++
	// Wake a worker if a batch is ready now; otherwise make sure the
	// clock fires in time for this request.
	ready := g.solo || g.n >= b.opt.MaxBatchSize || b.opt.MaxWait == 0
	var next time.Time
	if !ready && g.n == 1 {
		next = now.Add(b.opt.MaxWait)
	}
	if !r.Deadline.IsZero() {
		b.dlPush(r)
		if next.IsZero() || r.Deadline.Before(next) {
			next = r.Deadline
		}
	}
	if !next.IsZero() {
		b.arm(next)
	}
	b.mu.Unlock()
	if ready {
		b.work.Signal()
	}
	return nil
}

// arm makes sure the clock wakes by t. Called with mu held.
func (b *Batcher) arm(t time.Time) {
	if b.armed.IsZero() || t.Before(b.armed) {
		b.armed = t
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
}

// Cancel removes r from the queue. It reports whether r was queued (and is
// now the caller's again); false means it was already dispatched, dropped or
// never queued here.
func (b *Batcher) Cancel(r *Request) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if r.state != stateQueued || r.b != b {
		return false
	}
	b.remove(r)
	b.stats.Cancelled++
	return true
}

// Stats returns a snapshot of the counters.
func (b *Batcher) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	s.QueueDepth = b.n
	s.InFlight = b.inflight
	s.BatchSizes = append([]int64(nil), b.stats.BatchSizes...)
	return s
}

// Len is the number of queued requests.
func (b *Batcher) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// Stop stops intake and waits up to timeout (no limit when timeout ≤ 0) for
// the queue to drain and the workers to finish; see StopContext.
func (b *Batcher) Stop(timeout time.Duration) error {
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return b.StopContext(ctx)
}

// StopContext stops intake (Enqueue fails with ErrStopped), dispatches what
// is queued without waiting for batches to fill, and waits for the workers.
// If ctx ends first, requests still queued go to OnDrop with ErrStopped,
// batches already being processed are waited for (they cannot be
// interrupted), and the result wraps ctx.Err(). No goroutine of the batcher
// survives StopContext. Calling it again waits again.
func (b *Batcher) StopContext(ctx context.Context) error {
	b.mu.Lock()
	b.stopping = true
	started := b.started
	b.mu.Unlock()
	b.work.Broadcast()
	if !started {
		// No worker will drain the queue.
		b.dropAll()
		return nil
	}
	done := make(chan struct{})
	go func() {
		b.workers.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		b.dropAll()
		b.work.Broadcast()
		<-done
	}
	b.mu.Lock()
	if b.quit != nil {
		close(b.quit)
		b.quit = nil
	}
	b.mu.Unlock()
	<-b.clockEnd
	if err != nil {
		return errors.Join(ErrStopped, err)
	}
	return nil
}

func (b *Batcher) dropAll() {
	b.mu.Lock()
	var drop []*Request
	for len(b.groups) > 0 || b.solo.n > 0 {
		g := b.solo
		if g.n == 0 {
			g = b.groups[0]
		}
		for _, l := range g.levels {
			for r := l.head; r != nil; r = r.next {
				drop = append(drop, r)
			}
		}
		for _, r := range drop[len(drop)-g.n:] {
			b.remove(r)
		}
	}
	b.stats.Dropped += int64(len(drop))
	b.mu.Unlock()
	if b.opt.OnDrop != nil {
		for _, r := range drop {
			b.opt.OnDrop(r, ErrStopped)
		}
	}
}

// worker takes ready batches until the batcher stops and its queue is empty.
func (b *Batcher) worker() {
	defer b.workers.Done()
	// buf starts small and keeps whatever it grows to: a worker never
	// holds MaxBatchSize pointers' worth of memory it has not needed.
	buf := make([]*Request, 0, min(b.opt.MaxBatchSize, 64))
	var expired []*Request
	for {
		batch, exp, ok := b.next(buf[:0], expired[:0])
		buf, expired = batch, exp
		if b.opt.OnDrop != nil {
			for _, r := range expired {
				b.opt.OnDrop(r, ErrTimeout)
			}
		}
		clear(expired)
		if !ok {
			return
		}
		if len(batch) > 0 {
			b.process(batch)
			clear(batch)
			b.mu.Lock()
			b.inflight--
			b.mu.Unlock()
		}
	}
}

// next blocks until a batch is ready and fills buf with it. Requests found
// expired on the way are returned in expired. ok is false when the batcher
// has stopped and drained; a batch of zero length with ok set means only
// expired requests were found.
func (b *Batcher) next(buf, expired []*Request) (batch, exp []*Request, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		now := time.Now()
		if g := b.pickReady(now); g != nil {
			limit := b.opt.MaxBatchSize
			if g.solo {
				limit = 1
			}
			for len(buf) < limit && g.n > 0 {
				r := g.first()
				b.remove(r)
				if !r.Deadline.IsZero() && !now.Before(r.Deadline) {
					b.stats.Expired++
					expired = append(expired, r)
					continue
				}
				buf = append(buf, r)
			}
			if len(buf) > 0 {
				b.inflight++
				b.stats.Batches++
				b.stats.Processed += int64(len(buf))
				if len(buf) >= len(b.stats.BatchSizes) {
					b.stats.BatchSizes = append(b.stats.BatchSizes, make([]int64, len(buf)+1-len(b.stats.BatchSizes))...)
				}
				b.stats.BatchSizes[len(buf)]++
				if b.pickReady(now) != nil {
					b.work.Signal()
				}
				if g.n > 0 && !g.solo {
					// The rest of the group needs the clock for its own
					// timeout.
					b.arm(g.oldest().Add(b.opt.MaxWait))
				}
			}
			if len(buf) > 0 || len(expired) > 0 {
				return buf, expired, true
			}
			continue
		}
		if b.stopping && b.n == 0 {
			return buf, expired, false
		}
		b.work.Wait()
	}
}

// pickReady returns the ready group whose best request ranks first, or nil.
func (b *Batcher) pickReady(now time.Time) *group {
	var best *group
	var bestHead *Request
	consider := func(g *group) {
		if g.n == 0 {
			return
		}
		h := g.first()
		if bestHead != nil && !before(h, bestHead) {
			return
		}
		if !g.solo && !b.stopping && g.n < b.opt.MaxBatchSize && now.Sub(g.oldest()) < b.opt.MaxWait {
			return
		}
		best, bestHead = g, h
	}
	consider(b.solo)
	for _, g := range b.groups {
		consider(g)
	}
	return best
}

func before(a, c *Request) bool {
	if a.Priority != c.Priority {
		return a.Priority < c.Priority
	}
	return a.seq < c.seq
}

// clock expires deadlines and wakes workers when a partial batch has waited
// long enough. It is the batcher's only timer.
func (b *Batcher) clock(quit <-chan struct{}) {
	defer close(b.clockEnd)
	t := newAlarm()
	for {
		select {
		case <-quit:
			t.close()
			return
		case <-b.kick:
		case <-t.c:
		}
		now := time.Now()
		b.mu.Lock()
		exp := b.dropBuf[:0]
		for len(b.dl) > 0 && !now.Before(b.dl[0].Deadline) {
			r := b.dl[0]
			b.remove(r)
			exp = append(exp, r)
		}
		b.stats.Expired += int64(len(exp))
		b.dropBuf = exp
		next := time.Time{}
		if len(b.dl) > 0 {
			next = b.dl[0].Deadline
		}
		ready := false
		for _, g := range b.groups {
			if g.n >= b.opt.MaxBatchSize {
				ready = true
				continue
			}
			at := g.oldest().Add(b.opt.MaxWait)
			if !now.Before(at) {
				ready = true
			} else if next.IsZero() || at.Before(next) {
				next = at
			}
		}
		b.armed = next
		if !next.IsZero() {
			t.set(next.Sub(now))
		}
		b.mu.Unlock()
		if ready {
			b.work.Broadcast()
		}
		if b.opt.OnDrop != nil {
			for _, r := range exp {
				b.opt.OnDrop(r, ErrTimeout)
			}
		}
		clear(exp)
	}
}

// groupFor finds or makes the group r belongs to. Called with mu held.
func (b *Batcher) groupFor(r *Request) *group {
	h := hashInputs(r.Inputs)
	for _, g := range b.groups {
		if g.hash == h && compatible(g.rep, r) {
			return g
		}
	}
	var g *group
	if n := len(b.spare); n > 0 {
		g = b.spare[n-1]
		b.spare = b.spare[:n-1]
	} else {
		g = &group{}
	}
	g.hash = h
	g.rep = r
	b.groups = append(b.groups, g)
	return g
}

// hashInputs mixes each input's dtype, rank and dims beyond axis 0.
func hashInputs(in []*tensor.Tensor) uint64 {
	h := uint64(14695981039346656037) ^ uint64(len(in))
	for _, t := range in {
		if t == nil {
			h = (h ^ 0xff) * 1099511628211
			continue
		}
		s := t.Shape()
		h = (h ^ uint64(t.DType())<<8 ^ uint64(len(s))) * 1099511628211
		for i := 1; i < len(s); i++ {
			h = (h ^ uint64(s[i])) * 1099511628211
		}
	}
	return h
}

// compatible reports whether a and c may share a batch.
func compatible(a, c *Request) bool {
	if len(a.Inputs) != len(c.Inputs) {
		return false
	}
	for i, x := range a.Inputs {
		y := c.Inputs[i]
		if x == nil || y == nil {
			if x != y {
				return false
			}
			continue
		}
		xs, ys := x.Shape(), y.Shape()
		if x.DType() != y.DType() || len(xs) != len(ys) || len(xs) == 0 {
			return false
		}
		if !xs[1:].Equal(ys[1:]) {
			return false
		}
	}
	return true
}

// push appends r to its priority level in g. Called with mu held.
func (b *Batcher) push(g *group, r *Request) {
	i := 0
	for i < len(g.levels) && g.levels[i].prio < r.Priority {
		i++
	}
	if i == len(g.levels) || g.levels[i].prio != r.Priority {
		g.levels = append(g.levels, level{})
		copy(g.levels[i+1:], g.levels[i:])
		g.levels[i] = level{prio: r.Priority}
		// Members of later levels moved up one index.
		for j := i + 1; j < len(g.levels); j++ {
			for m := g.levels[j].head; m != nil; m = m.next {
				m.lvl = j
			}
		}
	}
	l := &g.levels[i]
	r.g, r.lvl, r.prev, r.next = g, i, l.tail, nil
	if l.tail != nil {
		l.tail.next = r
	} else {
		l.head = r
	}
	l.tail = r
	g.n++
	b.n++
	r.state = stateQueued
	r.dlIdx = -1
}

// remove takes a queued r out of its group and the deadline heap. Called
// with mu held.
func (b *Batcher) remove(r *Request) {
	g := r.g
	l := &g.levels[r.lvl]
	if r.prev != nil {
		r.prev.next = r.next
	} else {
		l.head = r.next
	}
	if r.next != nil {
		r.next.prev = r.prev
	} else {
		l.tail = r.prev
	}
	g.n--
	b.n--
	if r.dlIdx >= 0 {
		b.dlRemove(r.dlIdx)
	}
	r.state, r.g, r.prev, r.next = stateIdle, nil, nil, nil
	if g.solo {
		return
	}
	if g.n == 0 {
		for i, x := range b.groups {
			if x == g {
				last := len(b.groups) - 1
				b.groups[i] = b.groups[last]
				b.groups[last] = nil
				b.groups = b.groups[:last]
				break
			}
		}
		g.rep = nil
		b.spare = append(b.spare, g)
	} else if g.rep == r {
		g.rep = g.first()
	}
}

// first is the group's best queued request (g.n > 0).
func (g *group) first() *Request {
	for _, l := range g.levels {
		if l.head != nil {
			return l.head
		}
	}
	return nil
}

// oldest is the earliest enqueue time among g's requests (g.n > 0).
func (g *group) oldest() time.Time {
	var t time.Time
	for _, l := range g.levels {
		if l.head != nil && (t.IsZero() || l.head.Timestamp.Before(t)) {
			t = l.head.Timestamp
		}
	}
	return t
}

// The deadline heap, ordered by Deadline then seq.

func dlLess(a, c *Request) bool {
	if !a.Deadline.Equal(c.Deadline) {
		return a.Deadline.Before(c.Deadline)
	}
	return a.seq < c.seq
}

func (b *Batcher) dlPush(r *Request) {
	r.dlIdx = len(b.dl)
	b.dl = append(b.dl, r)
	b.dlUp(r.dlIdx)
}

func (b *Batcher) dlRemove(i int) {
	last := len(b.dl) - 1
	r := b.dl[i]
	if i != last {
		b.dlSwap(i, last)
	}
	b.dl[last] = nil
	b.dl = b.dl[:last]
	if i != last {
		if !b.dlDown(i) {
			b.dlUp(i)
		}
	}
	r.dlIdx = -1
}

func (b *Batcher) dlSwap(i, j int) {
	b.dl[i], b.dl[j] = b.dl[j], b.dl[i]
	b.dl[i].dlIdx = i
	b.dl[j].dlIdx = j
}

func (b *Batcher) dlUp(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !dlLess(b.dl[i], b.dl[p]) {
			return
		}
		b.dlSwap(i, p)
		i = p
	}
}

func (b *Batcher) dlDown(i int) bool {
	start := i
	n := len(b.dl)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && dlLess(b.dl[r], b.dl[l]) {
			m = r
		}
		if !dlLess(b.dl[m], b.dl[i]) {
			break
		}
		b.dlSwap(i, m)
		i = m
	}
	return i > start
}
