package nn

import (
	"fmt"
	"sync/atomic"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/kernels/elementwise"
	kgemm "github.com/sinter-ml/sinter/kernels/gemm"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// bindAttention binds sinter Attention(Q, K, V, mask?): the compiler's
// fusion of Softmax(Q·op(K) [÷ div | × mul] [+ mask], axis=−1)·V, with
// numpy broadcasting over the leading (batch) axes of all four operands
// and of the mask over the score matrix. op(K) is K, or K with its last two
// axes swapped when transK = 1. Attributes div and mul (at most one) scale
// the scores exactly as the Div or Mul node they replace did.
//
// Each batch entry's scores are computed, scaled, masked and normalised
// in a per-worker buffer and multiplied by V while still in cache; the
// arithmetic is the unfused graph's, operation for operation, so results
// match it bit for bit.
func bindAttention(n *ops.Node) (ops.Kernel, error) {
	tk, err := n.Int("transK", 0)
	if err != nil {
		return nil, err
	}
	a := &attention{pool: poolOf(n), transK: tk != 0}
	if n.Has("div") && n.Has("mul") {
		return nil, fmt.Errorf("Attention: at most one of div and mul")
	}
	if n.Has("div") {
		a.scaleOp = 'd'
		a.scale, _ = n.Float("div", 1)
	} else if n.Has("mul") {
		a.scaleOp = 'm'
		a.scale, _ = n.Float("mul", 1)
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if len(in) < 3 || in[0] == nil || in[1] == nil || in[2] == nil {
				return fmt.Errorf("Attention needs inputs Q, K and V")
			}
			if !allF32(in[0], in[1], in[2], optIn(in, 3)) {
				return fmt.Errorf("Attention computes float32 only")
			}
			c, err := a.plan(in[0].Shape(), in[1].Shape(), in[2].Shape(), shapeOf(optIn(in, 3)))
			if err != nil {
				return err
			}
			out[0].DType, out[0].Shape = tensor.Float32, append(out[0].Shape[:0], c.out...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			return a.run(in[0], in[1], in[2], optIn(in, 3), out[0])
		},
	})
}

func shapeOf(t *tensor.Tensor) tensor.Shape {
	if t == nil {
		return nil
	}
	return t.Shape()
}

type attention struct {
	pool    *parallel.Pool
	transK  bool
	scaleOp byte // 'd' divide, 'm' multiply, 0 none
	scale   float32
	last    atomic.Pointer[attnPlan]
}

// attnPlan is the resolved geometry for one set of operand shapes.
type attnPlan struct {
	qs, ks, vs, ms tensor.Shape // the operand shapes it was made for
	hasMask        bool
	s, d, sk, dv   int // Q is s×d, op(K) d×sk, V sk×dv per batch entry
	out            tensor.Shape
	// jobs holds each output batch entry's operand offsets (in elements).
	jobs []attnJob
	// mask geometry within a batch entry: row and column strides (0 where
	// the mask broadcasts).
	maskRow, maskCol int
}

type attnJob struct{ o, q, k, v, m int }

func (a *attention) plan(qs, ks, vs, ms tensor.Shape) (*attnPlan, error) {
	if c := a.last.Load(); c != nil && c.qs.Equal(qs) && c.ks.Equal(ks) && c.vs.Equal(vs) && c.ms.Equal(ms) && c.hasMask == (ms != nil) {
		return c, nil
	}
	if len(qs) < 2 || len(ks) < 2 || len(vs) < 2 {
		return nil, fmt.Errorf("Attention operands need rank ≥ 2, got Q %v, K %v, V %v", qs, ks, vs)
	}
	p := &attnPlan{qs: qs.Clone(), ks: ks.Clone(), vs: vs.Clone(), hasMask: ms != nil}
	if ms != nil {
		p.ms = ms.Clone()
	}
	p.s, p.d = qs[len(qs)-2], qs[len(qs)-1]
	kd, sk := ks[len(ks)-2], ks[len(ks)-1]
	if a.transK {
		kd, sk = sk, kd
	}
	if kd != p.d {
		return nil, fmt.Errorf("Attention: Q %v and K %v inner dims differ", qs, ks)
	}
	p.sk, p.dv = sk, vs[len(vs)-1]
	if vs[len(vs)-2] != sk {
		return nil, fmt.Errorf("Attention: scores have %d columns, V %v has %d rows", sk, vs, vs[len(vs)-2])
	}
	// The score matrix is s×sk; the mask broadcasts onto it.
	shapes := []tensor.Shape{qs[:len(qs)-2], ks[:len(ks)-2], vs[:len(vs)-2]}
	var mb tensor.Shape
	if ms != nil {
		mm := ms
		if len(mm) < 2 {
			mm = append(make(tensor.Shape, 2-len(mm)), mm...)
			for i := 0; i < 2-len(ms); i++ {
				mm[i] = 1
			}
		}
		mr, mc := mm[len(mm)-2], mm[len(mm)-1]
		if mr != 1 && mr != p.s || mc != 1 && mc != sk {
			return nil, fmt.Errorf("Attention: mask %v does not broadcast to scores [%d %d]", ms, p.s, sk)
		}
		if mc != 1 {
			p.maskCol = 1
		}
		if mr != 1 {
			p.maskRow = mc
		}
		mb = mm[:len(mm)-2]
		shapes = append(shapes, mb)
	}
	batch, err := ops.BroadcastShape(shapes...)
	if err != nil {
		return nil, fmt.Errorf("Attention batch dims: %w", err)
	}
	p.out = append(append(tensor.Shape{}, batch...), p.s, p.dv)
	if err := p.out.Check(); err != nil {
		return nil, err
	}
	if err := (tensor.Shape{p.s, sk}).Check(); err != nil {
		return nil, err
	}
	mrows := 1
	if ms != nil && len(ms) >= 2 {
		mrows = ms[len(ms)-2] * ms[len(ms)-1]
	} else if ms != nil {
		mrows = ms.NumElements()
	}
	ops.BroadcastIndex(batch, shapes, func(o int, offs []int) {
		j := attnJob{o: o, q: offs[0] * p.s * p.d, k: offs[1] * p.d * sk, v: offs[2] * sk * p.dv}
		if ms != nil {
			j.m = offs[3] * mrows
		}
		p.jobs = append(p.jobs, j)
	})
	a.last.Store(p)
	return p, nil
}

func (a *attention) run(q, k, v, mask, y *tensor.Tensor) error {
	p, err := a.plan(q.Shape(), k.Shape(), v.Shape(), shapeOf(mask))
	if err != nil {
		return err
	}
	ys := y.Float32s()
	if len(ys) == 0 {
		return nil
	}
	if p.sk == 0 {
		// Softmax over an empty row, then an empty product: zeros.
		clear(ys)
		return nil
	}
	t := attnTasks.Get()
	t.a, t.p = a, p
	t.q, t.k, t.v, t.y = q.Float32s(), k.Float32s(), v.Float32s(), ys
	t.m = nil
	if mask != nil {
		t.m = mask.Float32s()
	}
	slots := a.pool.Slots(len(p.jobs))
	need := slots * p.s * p.sk
	if cap(t.scratch) < need {
		t.scratch = make([]float32, need)
	}
	t.scratch = t.scratch[:need]
	a.pool.RunTask(len(p.jobs), t)
	t.q, t.k, t.v, t.y, t.m, t.a, t.p = nil, nil, nil, nil, nil, nil, nil
	attnTasks.Put(t)
	return nil
}

// attnTask computes one batch entry per task; scratch holds one score
// matrix per worker slot. Pooled, so that steady-state runs allocate
// nothing.
type attnTask struct {
	a             *attention
	p             *attnPlan
	q, k, v, m, y []float32
	scratch       []float32
}

var attnTasks freelist.List[attnTask]

func (t *attnTask) Run(slot, task int) {
	a, p, j := t.a, t.p, t.p.jobs[task]
	s, d, sk, dv := p.s, p.d, p.sk, p.dv
	sc := t.scratch[slot*s*sk : (slot+1)*s*sk]
	ldk := sk
	if a.transK {
		ldk = d
	}
	o := kgemm.Options{Pool: serial}
	kgemm.SgemmWith(o, false, a.transK, s, sk, d, 1, t.q[j.q:], d, t.k[j.k:], ldk, 0, sc, sk)
	switch a.scaleOp {
	case 'd':
		elementwise.BinaryScalar(elementwise.OpDiv, sc, sc, a.scale)
	case 'm':
		elementwise.BinaryScalar(elementwise.OpMul, sc, sc, a.scale)
	}
	for r := range s {
		row := sc[r*sk : (r+1)*sk]
		if t.m != nil {
			mr := t.m[j.m+r*p.maskRow:]
			if p.maskCol == 1 {
				elementwise.Binary(elementwise.OpAdd, row, row, mr[:sk])
			} else {
				elementwise.BinaryScalar(elementwise.OpAdd, row, row, mr[0])
			}
		}
		elementwise.Softmax(row, row)
	}
	kgemm.SgemmWith(o, false, false, s, dv, sk, 1, sc, sk, t.v[j.v:], dv, 0, t.y[j.o*s*dv:(j.o+1)*s*dv], dv)
}
