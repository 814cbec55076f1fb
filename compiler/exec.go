package compiler

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"unsafe"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// The planned executor.
//
// A main graph compiled with optimisation runs through plans: the first
// run with a given input signature (element types and shapes of the
// inputs) allocates every intermediate on the heap and records the size of
// each output of every step whose kernel offers the planned form
// (ops.Planned); from those sizes and the liveness of the ordered program
// it places each such value at an offset of one arena, reusing the bytes of
// values that are dead. Later runs with the same signature take a frame
// (arena, value slots, reusable tensor headers) from the plan's free list
// and write every planned value into the arena: with planned kernels all
// the way through, a run allocates nothing.
//
// A step whose kernel allows it (ops.Planned.InPlace: elementwise kernels)
// writes its output over the bytes of an input that dies at that step,
// when that input is arena storage of the same size (see planInPlace):
// a chain of elementwise steps then works in one buffer, and the arena
// shrinks wherever such a step is the peak of liveness.
//
// Plans never trust their recording: each run still infers every planned
// step's output shape, and a value that outgrows its recorded size (a
// data-dependent shape) simply goes to the heap for that run. Kernels
// without a planned form run as before, and since such a kernel may return
// (a view of) an input, the buffers of its inputs are kept alive as long as
// its outputs.

// ErrValueOutput is returned by RunInto when a graph output is a sequence
// or optional, which only Run can deliver.
var ErrValueOutput = errors.New("output is not a tensor")

// maxPlans bounds the plans cached per program (one per input signature);
// the oldest is dropped beyond it.
const maxPlans = 8

// noBytes is the storage of every empty planned value.
var noBytes = []byte{}

// arenaAlign is the alignment of every arena offset: a cache line, which
// also satisfies every element type and the SIMD kernels' preferences.
const arenaAlign = 64

// plan is the memory plan for one input signature.
type plan struct {
	sig      []tensor.DType // per program input: dtype …
	sigShape []tensor.Shape // … and shape (Undefined and nil: not given)
	offset   [][]int        // per step, per output: arena byte offset, or -1
	size     [][]int        // per step, per output: planned bytes
	// inPlace[si] is the input whose arena bytes step si's output 0 takes
	// over (see ops.Planned.InPlace), or -1: its offset is that input's.
	inPlace    []int
	arenaBytes int
	naiveBytes int // sum of every planned value's size: what no reuse would take

	mu   sync.Mutex
	free []*frame
}

// frame is one run's mutable state. Frames are reused across runs of the
// same plan, never shared by two runs at once.
type frame struct {
	vals  []ops.Value
	hdr   []tensor.Tensor // per slot: recycled headers for planned values
	specs [][]ops.OutSpec // per step
	args  []*tensor.Tensor
	vargs []ops.Value // a value kernel's arguments
	outs  []*tensor.Tensor
	arena []byte
	// sizes records, during a recording run, the bytes of each planned
	// output (per step, per output; -1 where not planned).
	sizes [][]int
}

// planCache holds a program's plans, newest last.
type planCache struct {
	mu    sync.Mutex
	plans []*plan
}

// lookup returns the plan for the inputs' signature, or nil.
func (c *planCache) lookup(inputs []*tensor.Tensor) *plan {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, pl := range c.plans {
		if pl.matches(inputs) {
			return pl
		}
	}
	return nil
}

func (c *planCache) add(pl *plan) *plan {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, old := range c.plans {
		if old.sameSignature(pl) {
			return old // another run recorded the same signature first
		}
	}
	if len(c.plans) >= maxPlans {
		c.plans = append(c.plans[:0], c.plans[1:]...)
	}
	c.plans = append(c.plans, pl)
	return pl
}

// matches reports whether inputs (program inputs in order; missing or
// nil entries take their defaults) have pl's signature.
func (pl *plan) matches(inputs []*tensor.Tensor) bool {
	for i, dt := range pl.sig {
		var t *tensor.Tensor
		if i < len(inputs) {
			t = inputs[i]
		}
		if t == nil {
			if dt != tensor.Undefined {
				return false
			}
			continue
		}
		if t.DType() != dt || !t.Shape().Equal(pl.sigShape[i]) {
			return false
		}
	}
	return true
}

// sameSignature reports whether pl and o were recorded for the same
// signature.
func (pl *plan) sameSignature(o *plan) bool {
	for i := range pl.sig {
		if pl.sig[i] != o.sig[i] || !pl.sigShape[i].Equal(o.sigShape[i]) {
			return false
		}
	}
	return true
}

func (pl *plan) getFrame(p *Program) *frame {
	pl.mu.Lock()
	if n := len(pl.free); n > 0 {
		f := pl.free[n-1]
		pl.free = pl.free[:n-1]
		pl.mu.Unlock()
		return f
	}
	pl.mu.Unlock()
	f := p.newFrame()
	f.arena = alignedArena(pl.arenaBytes)
	return f
}

func (pl *plan) putFrame(f *frame) {
	clear(f.vals) // drop references to inputs and heap values
	pl.mu.Lock()
	pl.free = append(pl.free, f)
	pl.mu.Unlock()
}

func alignedArena(n int) []byte {
	if n == 0 {
		return nil
	}
	words := make([]uint64, (n+arenaAlign+7)/8)
	b := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
	off := int(-uintptr(unsafe.Pointer(&b[0])) & (arenaAlign - 1))
	return b[off : off+n]
}

func (p *Program) newFrame() *frame {
	f := &frame{
		vals:  make([]ops.Value, p.nslots),
		hdr:   make([]tensor.Tensor, p.nslots),
		specs: make([][]ops.OutSpec, len(p.steps)),
	}
	maxIn, maxOut := 0, 0
	for i, st := range p.steps {
		f.specs[i] = make([]ops.OutSpec, len(st.out))
		maxIn = max(maxIn, len(st.in))
		maxOut = max(maxOut, len(st.out))
	}
	f.args = make([]*tensor.Tensor, 0, maxIn)
	f.vargs = make([]ops.Value, maxIn)
	f.outs = make([]*tensor.Tensor, maxOut)
	return f
}

// RunInto is the allocation-free form of Run for programs whose inputs and
// outputs are tensors. inputs binds the program inputs in order (nil: the
// input's default). dst has one entry per output: an entry that already
// holds a tensor of the output's element type and shape is written in
// place; any other entry is replaced by a newly allocated tensor. Reusing
// dst across runs therefore makes steady-state runs allocate nothing once
// every step has a planned kernel. Outputs never alias inputs, constants
// or the program's internal memory.
func (p *Program) RunInto(inputs []*tensor.Tensor, dst []*tensor.Tensor) error {
	if len(dst) != len(p.outputs) {
		return fmt.Errorf("graph %q has %d outputs, got %d destinations", p.name, len(p.outputs), len(dst))
	}
	if len(inputs) > len(p.inputs) {
		return fmt.Errorf("graph %q takes %d inputs, got %d", p.name, len(p.inputs), len(inputs))
	}
	if len(p.hiddenSlots) > 0 {
		return fmt.Errorf("graph %q captures outer values: run it through its owning node", p.name)
	}
	for i, d := range dst {
		for _, in := range inputs {
			if d != nil && in != nil && overlaps(d, in) {
				dst[i] = nil // never write over an input
			}
		}
	}
	if !p.planning {
		return p.runIntoUnplanned(inputs, dst)
	}
	pl := p.plans.lookup(inputs)
	var f *frame
	if pl != nil {
		f = pl.getFrame(p)
	} else {
		f = p.newFrame()
		f.sizes = make([][]int, len(p.steps))
		for i, st := range p.steps {
			f.sizes[i] = make([]int, len(st.out))
			for k := range f.sizes[i] {
				f.sizes[i][k] = -1
			}
		}
	}
	err := p.exec(f, pl, inputs, dst)
	if pl != nil {
		pl.putFrame(f)
		return err
	}
	if err == nil {
		p.plans.add(p.buildPlan(inputs, f.sizes))
		// Kernels that prepare weights on their first run (convolutions
		// pack once the geometry is known) have read the originals.
		for _, c := range p.consts {
			if t, ok := c.value.(*tensor.Tensor); ok {
				tensor.Evict(t)
			}
		}
	}
	return err
}

// runIntoUnplanned serves RunInto for programs compiled without planning.
func (p *Program) runIntoUnplanned(inputs, dst []*tensor.Tensor) error {
	args := make([]ops.Value, len(inputs))
	for i, t := range inputs {
		if t != nil {
			args[i] = t
		}
	}
	res, err := p.Run(args, nil)
	if err != nil {
		return err
	}
	for i, v := range res {
		t, ok := v.(*tensor.Tensor)
		if !ok {
			return fmt.Errorf("%w: graph %q: output %q is a %s", ErrValueOutput, p.name, p.outputs[i].Info.Name, kindOf(v))
		}
		deliver(dst, i, t)
	}
	return nil
}

// deliver stores t as output i in dst: copied into dst[i] when that has the
// same type and shape, else into a new tensor.
func deliver(dst []*tensor.Tensor, i int, t *tensor.Tensor) {
	d := dst[i]
	switch {
	case d == t:
	case d != nil && d.DType() == t.DType() && d.Shape().Equal(t.Shape()) && t.DType() != tensor.String:
		copy(d.Bytes(), t.Bytes())
	default:
		dst[i] = t.Clone()
	}
}

// overlaps reports whether two tensors share any storage byte.
func overlaps(a, b *tensor.Tensor) bool {
	x, y := a.Bytes(), b.Bytes()
	if len(x) == 0 || len(y) == 0 {
		return false
	}
	x0, y0 := uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&y[0]))
	return x0 < y0+uintptr(len(y)) && y0 < x0+uintptr(len(x))
}

// aliasOK reports whether an in-place output may take region this run:
// input k must either be exactly region (same first byte, same length) or
// lie elsewhere (it outgrew its planned bytes and went to the heap, which
// leaves region unused), and no other input may touch region. Anything
// else — a size that differs from the recording's — puts the output on the
// heap instead, so a kernel never sees a partial overlap.
func aliasOK(args []*tensor.Tensor, k int, region []byte) bool {
	if len(region) == 0 {
		return true
	}
	for j, t := range args {
		if t == nil {
			continue
		}
		b := t.Bytes()
		if len(b) == 0 || !overlapsBytes(b, region) {
			continue
		}
		if j != k || len(b) != len(region) || unsafe.SliceData(b) != unsafe.SliceData(region) {
			return false
		}
	}
	return true
}

func overlapsBytes(x, y []byte) bool {
	x0, y0 := uintptr(unsafe.Pointer(unsafe.SliceData(x))), uintptr(unsafe.Pointer(unsafe.SliceData(y)))
	return x0 < y0+uintptr(len(y)) && y0 < x0+uintptr(len(x))
}

// exec runs the steps over frame f. pl is nil for a recording run.
func (p *Program) exec(f *frame, pl *plan, inputs, dst []*tensor.Tensor) error {
	vals := f.vals
	for _, c := range p.consts {
		vals[c.slot] = c.value
	}
	for i, in := range p.inputs {
		var t *tensor.Tensor
		if i < len(inputs) {
			t = inputs[i]
		}
		if t == nil {
			if in.Default == nil {
				return fmt.Errorf("graph %q: input %q is required", p.name, in.Info.Name)
			}
			continue
		}
		if err := checkInput(in.Info, t); err != nil {
			return fmt.Errorf("graph %q: input %q: %w", p.name, in.Info.Name, err)
		}
		vals[in.slot] = t
	}

	for si := range p.steps {
		st := &p.steps[si]
		var err error
		if st.impl.Planned != nil && (st.impl.Value == nil || f.allTensors(st)) {
			err = p.execPlanned(f, pl, si, st, dst)
		} else {
			err = p.execKernel(f, st)
		}
		if err != nil {
			return err
		}
	}

	for i, o := range p.outputs {
		v := vals[o.slot]
		t, ok := v.(*tensor.Tensor)
		switch {
		case isNil(v):
			return fmt.Errorf("graph %q: output %q was not computed", p.name, o.Info.Name)
		case !ok:
			return fmt.Errorf("%w: graph %q: output %q is a %s", ErrValueOutput, p.name, o.Info.Name, kindOf(v))
		}
		if t == dst[i] {
			continue // written in place by its step
		}
		deliver(dst, i, t)
	}
	return nil
}

// allTensors reports whether every present input of st holds a tensor
// (a value kernel's planned form serves only such runs).
func (f *frame) allTensors(st *step) bool {
	for _, s := range st.in {
		if s < 0 {
			continue
		}
		switch f.vals[s].(type) {
		case *tensor.Tensor, nil:
		default:
			return false
		}
	}
	return true
}

// tensorArgs gathers a step's inputs as tensors into f.args.
func (f *frame) tensorArgs(st *step) ([]*tensor.Tensor, error) {
	args := f.args[:0]
	for k, s := range st.in {
		if s < 0 {
			args = append(args, nil)
			continue
		}
		switch v := f.vals[s].(type) {
		case *tensor.Tensor:
			args = append(args, v)
		case nil:
			args = append(args, nil)
		default:
			return nil, fmt.Errorf("%s: input %d is a %s, want a tensor", st.label, k, kindOf(v))
		}
	}
	f.args = args
	return args, nil
}

// execKernel runs a step without a planned form.
func (p *Program) execKernel(f *frame, st *step) error {
	var outs []ops.Value
	if st.impl.Tensor != nil {
		args, err := f.tensorArgs(st)
		if err != nil {
			return err
		}
		res, err := st.impl.Tensor(args)
		if err != nil {
			return fmt.Errorf("%s: %w", st.label, err)
		}
		if len(res) < len(st.out) {
			return fmt.Errorf("%s: kernel returned %d outputs, node declares %d", st.label, len(res), len(st.out))
		}
		for i, s := range st.out {
			if s < 0 {
				continue
			}
			if res[i] == nil {
				return fmt.Errorf("%s: kernel did not produce output %d (%q)", st.label, i, st.node.Outputs[i])
			}
			f.vals[s] = res[i]
		}
		return nil
	}
	vargs := f.vargs[:len(st.in)]
	for k, s := range st.in {
		vargs[k] = nil
		if s >= 0 {
			vargs[k] = f.vals[s]
		}
	}
	outs, err := st.impl.Value(vargs)
	clear(vargs) // keep no value alive past its slot
	if err != nil {
		return fmt.Errorf("%s: %w", st.label, err)
	}
	if len(outs) < len(st.out) {
		return fmt.Errorf("%s: kernel returned %d outputs, node declares %d", st.label, len(outs), len(st.out))
	}
	for i, s := range st.out {
		if s < 0 {
			continue
		}
		if isNil(outs[i]) {
			return fmt.Errorf("%s: kernel did not produce output %d (%q)", st.label, i, st.node.Outputs[i])
		}
		f.vals[s] = outs[i]
	}
	return nil
}

// execPlanned runs a step with a planned kernel, placing each output in
// the arena at its planned offset when it fits, in the caller's dst when
// it is a graph output of matching type and shape, else on the heap.
func (p *Program) execPlanned(f *frame, pl *plan, si int, st *step, dst []*tensor.Tensor) error {
	args, err := f.tensorArgs(st)
	if err != nil {
		return err
	}
	specs := f.specs[si]
	for i := range specs {
		specs[i].DType = tensor.Undefined
	}
	pk := st.impl.Planned
	if err := pk.Infer(args, specs); err != nil {
		return fmt.Errorf("%s: %w", st.label, err)
	}
	outs := f.outs[:len(st.out)]
	for i, s := range st.out {
		outs[i] = nil
		if s < 0 {
			continue
		}
		sp := &specs[i]
		if !sp.DType.Valid() {
			return fmt.Errorf("%s: output %d: kernel inferred no storable type (%v)", st.label, i, sp.DType)
		}
		if err := sp.Shape.Check(); err != nil {
			return fmt.Errorf("%s: output %d: %w", st.label, i, err)
		}
		if pk.View {
			src := args[0]
			if src == nil || src.DType() != sp.DType || src.Len() != sp.Shape.NumElements() {
				return fmt.Errorf("%s: view of %v as %v%v does not fit", st.label, src, sp.DType, sp.Shape)
			}
			if src.DType() == tensor.String {
				// Headers recycle bytes only: a string view is a new one.
				v, err := src.Reshape(sp.Shape...)
				if err != nil {
					return fmt.Errorf("%s: %w", st.label, err)
				}
				f.vals[s] = v
				continue
			}
			h := &f.hdr[s]
			h.Reset(sp.DType, sp.Shape, src.Bytes())
			f.vals[s] = h
			continue
		}
		if sp.DType == tensor.String {
			outs[i] = tensor.New(tensor.String, sp.Shape...)
			continue
		}
		n := sp.Shape.NumElements() * sp.DType.Size()
		if f.sizes != nil {
			f.sizes[si][i] = n
		}
		if oi := p.outIndex[s]; oi >= 0 {
			// A graph output goes straight to the caller's tensor.
			if d := dst[oi]; d == nil || d.DType() != sp.DType || !d.Shape().Equal(sp.Shape) {
				dst[oi] = tensor.New(sp.DType, sp.Shape...)
			}
			outs[i] = dst[oi]
			continue
		}
		if n == 0 {
			// An empty value needs no storage: its header will do.
			h := &f.hdr[s]
			h.Reset(sp.DType, sp.Shape, noBytes)
			outs[i] = h
			continue
		}
		if pl != nil {
			if off := pl.offset[si][i]; off >= 0 && n <= pl.size[si][i] &&
				(i != 0 || pl.inPlace[si] < 0 || aliasOK(args, pl.inPlace[si], f.arena[off:off+n])) {
				h := &f.hdr[s]
				h.Reset(sp.DType, sp.Shape, f.arena[off:off+n:off+n])
				outs[i] = h
				continue
			}
		}
		outs[i] = tensor.New(sp.DType, sp.Shape...)
	}
	if pk.View {
		return nil
	}
	if err := pk.Run(args, outs); err != nil {
		return fmt.Errorf("%s: %w", st.label, err)
	}
	for i, s := range st.out {
		if s >= 0 {
			f.vals[s] = outs[i]
		}
	}
	return nil
}

// buildPlan places the values a recording run measured (sizes, per step
// and output; -1 where not planned) in one arena.
func (p *Program) buildPlan(inputs []*tensor.Tensor, sizes [][]int) *plan {
	pl := &plan{
		sig:      make([]tensor.DType, len(p.inputs)),
		sigShape: make([]tensor.Shape, len(p.inputs)),
		offset:   make([][]int, len(p.steps)),
		size:     make([][]int, len(p.steps)),
	}
	for i := range p.inputs {
		if i < len(inputs) && inputs[i] != nil {
			pl.sig[i] = inputs[i].DType()
			pl.sigShape[i] = inputs[i].Shape().Clone()
		}
	}

	// Union the slots that may share storage: a view with its source, and
	// (conservatively) every output of a kernel without a planned form
	// with each of its inputs, since such a kernel may return an input.
	parent := make([]int, p.nslots)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	union := func(a, b int) { parent[find(a)] = find(b) }
	for _, st := range p.steps {
		switch {
		case st.impl.Planned != nil && st.impl.Planned.View:
			if len(st.in) > 0 && st.in[0] >= 0 && len(st.out) > 0 && st.out[0] >= 0 {
				union(st.out[0], st.in[0])
			}
		case st.impl.Planned == nil:
			for _, o := range st.out {
				if o < 0 {
					continue
				}
				for _, s := range st.in {
					if s >= 0 {
						union(o, s)
					}
				}
			}
		}
	}

	// Lifetime of each group: from its first definition to its last read
	// (to the end of the run when a graph output may alias it).
	const never = -1
	first := make([]int, p.nslots)
	last := make([]int, p.nslots)
	for i := range first {
		first[i], last[i] = never, never
	}
	for si, st := range p.steps {
		for _, s := range st.out {
			if s >= 0 {
				g := find(s)
				if first[g] == never || si < first[g] {
					first[g] = si
				}
				last[g] = max(last[g], si)
			}
		}
		for _, s := range st.in {
			if s >= 0 {
				g := find(s)
				last[g] = max(last[g], si)
			}
		}
	}
	for _, o := range p.outputs {
		last[find(o.slot)] = len(p.steps)
	}

	owner := p.planInPlace(pl, sizes, find, union, first, last)

	type buf struct{ step, out, size, from, to, off int }
	var bufs []buf
	for si, st := range p.steps {
		pl.offset[si] = make([]int, len(st.out))
		pl.size[si] = make([]int, len(st.out))
		for k, s := range st.out {
			pl.offset[si][k] = -1
			if s < 0 || sizes[si][k] <= 0 || p.outIndex[s] >= 0 {
				continue
			}
			n := (sizes[si][k] + arenaAlign - 1) &^ (arenaAlign - 1)
			pl.naiveBytes += n
			if k == 0 && pl.inPlace[si] >= 0 {
				continue // shares its input's buffer, placed below
			}
			g := find(s)
			bufs = append(bufs, buf{step: si, out: k, size: n, from: first[g], to: last[g]})
		}
	}
	// Greedy: biggest first, each at the lowest offset that overlaps no
	// placed buffer whose lifetime intersects its own.
	order := make([]int, len(bufs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return bufs[b].size - bufs[a].size })
	var placed []int
	for _, bi := range order {
		b := &bufs[bi]
		off := 0
		for moved := true; moved; {
			moved = false
			for _, pi := range placed {
				q := &bufs[pi]
				if q.to < b.from || b.to < q.from {
					continue // lifetimes disjoint
				}
				if off < q.off+q.size && q.off < off+b.size {
					off = q.off + q.size
					moved = true
				}
			}
		}
		b.off = off
		placed = append(placed, bi)
		pl.arenaBytes = max(pl.arenaBytes, off+b.size)
		pl.offset[b.step][b.out] = off
		pl.size[b.step][b.out] = b.size
	}
	for si, k := range pl.inPlace {
		if k >= 0 {
			o := owner[find(p.steps[si].in[k])]
			pl.offset[si][0], pl.size[si][0] = pl.offset[o.step][o.out], pl.size[o.step][o.out]
		}
	}
	return pl
}

// bufRef names a step output that has its own arena buffer.
type bufRef struct{ step, out int }

// planInPlace decides, in step order, which steps write output 0 over the
// arena bytes of an input (ops.Planned.InPlace), fills pl.inPlace, and
// joins each such output to its input's storage group, extending the
// group's lifetime (first, last: indexed by group root, as find and union
// maintain them). It returns, per group root, the buffer backing the group.
//
// Step si's output 0 may take input k's bytes when
//   - the kernel offers it (InPlace bit k) and is a planned tensor kernel;
//   - output 0 is an arena value (recorded size, not a graph output);
//   - input k's group is arena storage only: exactly one buffer, every
//     other member a view of it or an earlier in-place output, no graph
//     input, constant, captured value, unplanned or value-kernel output;
//   - step si is the group's last reader (so no view of it is still live,
//     and it is no graph output), and no other input of si is in it;
//   - the sizes recorded for output 0 and for the buffer are equal.
//
// Invariant: a buffer is shared only by values of one group, whose members
// are dead by the time the in-place step overwrites it. At run time the
// executor still checks the aliasing is exact (aliasOK).
func (p *Program) planInPlace(pl *plan, sizes [][]int, find func(int) int, union func(a, b int), first, last []int) []bufRef {
	pl.inPlace = make([]int, len(p.steps))
	external := make([]bool, p.nslots) // per root: some member is not arena storage
	nbuf := make([]int, p.nslots)      // per root: buffers in the group
	owner := make([]bufRef, p.nslots)  // per root: the (last counted) buffer
	produced := make([]bool, p.nslots)
	for si, st := range p.steps {
		pk := st.impl.Planned
		for k, s := range st.out {
			if s < 0 {
				continue
			}
			produced[s] = true
			g := find(s)
			switch {
			case pk == nil || st.impl.Value != nil:
				external[g] = true
			case pk.View:
			case sizes[si][k] > 0 && p.outIndex[s] < 0:
				nbuf[g]++
				owner[g] = bufRef{si, k}
			default:
				external[g] = true
			}
		}
	}
	for s, ok := range produced {
		if !ok {
			external[find(s)] = true // graph input, constant or captured value
		}
	}
	for si, st := range p.steps {
		pl.inPlace[si] = -1
		pk := st.impl.Planned
		if pk == nil || pk.View || pk.InPlace == 0 || st.impl.Value != nil || len(st.out) == 0 {
			continue
		}
		o := st.out[0]
		if o < 0 || sizes[si][0] <= 0 || p.outIndex[o] >= 0 {
			continue
		}
		for k, s := range st.in {
			if s < 0 || !pk.InPlaceOK(k) {
				continue
			}
			g, og := find(s), find(o)
			if external[g] || nbuf[g] != 1 || last[g] != si || g == og {
				continue
			}
			b := owner[g]
			if sizes[b.step][b.out] != sizes[si][0] || otherInputIn(st.in, k, g, find) {
				continue
			}
			ext, f, l := external[og], min(first[g], first[og]), max(last[g], last[og])
			union(og, g)
			r := find(g)
			external[r], nbuf[r], owner[r], first[r], last[r] = ext, 1, b, f, l
			pl.inPlace[si] = k
			break
		}
	}
	return owner
}

// otherInputIn reports whether an input of in other than the k-th is in
// group g.
func otherInputIn(in []int, k, g int, find func(int) int) bool {
	for j, s := range in {
		if j != k && s >= 0 && find(s) == g {
			return true
		}
	}
	return false
}
