package nn

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// numData returns t's elements as []T: the storage itself when t stores T,
// a widened copy for float16/bfloat16 read as float32.
func numData[T num](t *tensor.Tensor) []T {
	if t.DType() == tensor.DTypeOf[T]() {
		return tensor.Data[T](t)
	}
	var z T
	switch any(z).(type) {
	case float32:
		return any(asF32(t)).([]T)
	case float64:
		return any(asF64(t)).([]T)
	}
	panic(fmt.Sprintf("nn: %v read as %v", t.DType(), tensor.DTypeOf[T]()))
}

// newNum wraps data (allocated by us) as a tensor of dtype dt.
func newNum[T num](dt tensor.DType, shape tensor.Shape, data []T) *tensor.Tensor {
	if dt == tensor.DTypeOf[T]() {
		return fromSlice(data, shape)
	}
	switch d := any(data).(type) {
	case []float32:
		return newFloat(dt, shape, d)
	case []float64:
		return newFloat(dt, shape, d)
	}
	panic(fmt.Sprintf("nn: cannot store %v as %v", tensor.DTypeOf[T](), dt))
}

// matmulShapes validates numpy matmul operand shapes and returns the
// broadcast batch shape, M, K, N and the output shape.
type mmPlan struct {
	batch, batchA, batchB tensor.Shape
	m, k, n               int
	out                   tensor.Shape
}

func planMatMul(as, bs tensor.Shape) (*mmPlan, error) {
	if len(as) == 0 || len(bs) == 0 {
		return nil, fmt.Errorf("MatMul operands must have rank ≥ 1, got %v and %v", as, bs)
	}
	a2, b2 := as, bs
	if len(as) == 1 {
		a2 = tensor.Shape{1, as[0]}
	}
	if len(bs) == 1 {
		b2 = tensor.Shape{bs[0], 1}
	}
	p := &mmPlan{m: a2[len(a2)-2], k: a2[len(a2)-1], n: b2[len(b2)-1]}
	if b2[len(b2)-2] != p.k {
		return nil, fmt.Errorf("MatMul shapes %v and %v do not match (inner dims %d vs %d)", as, bs, p.k, b2[len(b2)-2])
	}
	p.batchA, p.batchB = a2[:len(a2)-2], b2[:len(b2)-2]
	batch, err := ops.BroadcastShape(p.batchA, p.batchB)
	if err != nil {
		return nil, fmt.Errorf("MatMul batch dims: %w", err)
	}
	p.batch = batch
	p.out = append(tensor.Shape{}, batch...)
	if len(as) > 1 {
		p.out = append(p.out, p.m)
	}
	if len(bs) > 1 {
		p.out = append(p.out, p.n)
	}
	if err := p.out.Check(); err != nil {
		return nil, err
	}
	return p, nil
}

// run computes the batched product into c (zeroed, len = out elements).
func mmRun[T num](p *mmPlan, a, b, c []T) {
	m, k, n := p.m, p.k, p.n
	if len(c) == 0 {
		return
	}
	nb := p.batch.NumElements()
	if p.batchB.NumElements() == 1 && p.batchA.NumElements() == nb {
		// B is shared: fold A's batch into its rows.
		gemm(false, false, nb*m, n, k, 1, a, k, b, n, c, n)
		return
	}
	ops.BroadcastIndex(p.batch, []tensor.Shape{p.batchA, p.batchB}, func(o int, offs []int) {
		gemm(false, false, m, n, k, 1, a[offs[0]*m*k:], k, b[offs[1]*k*n:], n, c[o*m*n:], n)
	})
}

func matmulTyped[T num](x, y *tensor.Tensor, p *mmPlan) *tensor.Tensor {
	c := make([]T, p.out.NumElements())
	mmRun(p, numData[T](x), numData[T](y), c)
	return newNum(x.DType(), p.out, c)
}

func bindMatMul(n *ops.Node) (ops.Kernel, error) {
	fast := newMMFast(n, false, actSpec{})
	check := func(in []*tensor.Tensor) error {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return fmt.Errorf("MatMul needs two inputs")
		}
		if in[0].DType() != in[1].DType() {
			return fmt.Errorf("MatMul dtypes differ: %v and %v", in[0].DType(), in[1].DType())
		}
		return nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := check(in); err != nil {
				return err
			}
			a, b := in[0], in[1]
			if a.DType() == tensor.Float32 {
				return fast.infer(a, b, nil, nil, &out[0])
			}
			switch a.DType() {
			case tensor.Float16, tensor.BFloat16, tensor.Float64, tensor.Int32, tensor.Int64, tensor.Uint32, tensor.Uint64:
			default:
				return fmt.Errorf("MatMul does not support dtype %v", a.DType())
			}
			p, err := planMatMul(a.Shape(), b.Shape())
			if err != nil {
				return err
			}
			out[0].DType, out[0].Shape = a.DType(), append(out[0].Shape[:0], p.out...)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			a, b := in[0], in[1]
			if a.DType() == tensor.Float32 {
				_, err := fast.run(a, b, nil, nil, out[0])
				return err
			}
			p, err := planMatMul(a.Shape(), b.Shape())
			if err != nil {
				return err
			}
			var y *tensor.Tensor
			switch a.DType() {
			case tensor.Float16, tensor.BFloat16:
				y = matmulTyped[float32](a, b, p)
			case tensor.Float64:
				y = matmulTyped[float64](a, b, p)
			case tensor.Int32:
				y = matmulTyped[int32](a, b, p)
			case tensor.Int64:
				y = matmulTyped[int64](a, b, p)
			case tensor.Uint32:
				y = matmulTyped[uint32](a, b, p)
			case tensor.Uint64:
				y = matmulTyped[uint64](a, b, p)
			}
			return copyResult(out[0], y)
		},
	})
}

// bindGemm implements Gemm: Y = alpha·op(A)·op(B) + beta·C.
func bindGemm(n *ops.Node) (ops.Kernel, error) {
	ta, err := n.Int("transA", 0)
	if err != nil {
		return nil, err
	}
	tb, err := n.Int("transB", 0)
	if err != nil {
		return nil, err
	}
	alpha, err := n.Float("alpha", 1)
	if err != nil {
		return nil, err
	}
	beta, err := n.Float("beta", 1)
	if err != nil {
		return nil, err
	}
	transA, transB := ta != 0, tb != 0
	opset := n.Opset
	fast := newGemmFast(n, transA, transB, alpha, beta, actSpec{})
	check := func(in []*tensor.Tensor) (m, nn, k int, err error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return 0, 0, 0, fmt.Errorf("Gemm needs inputs A and B")
		}
		a, b, c := in[0], in[1], optIn(in, 2)
		if c == nil && opset < 11 {
			return 0, 0, 0, fmt.Errorf("Gemm before opset 11 requires input C")
		}
		if a.DType() != b.DType() || (c != nil && c.DType() != a.DType()) {
			return 0, 0, 0, fmt.Errorf("Gemm input dtypes differ")
		}
		switch a.DType() {
		case tensor.Float32, tensor.Float16, tensor.BFloat16, tensor.Float64, tensor.Int32, tensor.Int64, tensor.Uint32, tensor.Uint64:
		default:
			return 0, 0, 0, fmt.Errorf("Gemm does not support dtype %v", a.DType())
		}
		return gemmDims(a, b, c, transA, transB)
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			m, nn, _, err := check(in)
			if err != nil {
				return err
			}
			out[0].DType, out[0].Shape = in[0].DType(), append(out[0].Shape[:0], m, nn)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			a, b, c := in[0], in[1], optIn(in, 2)
			if a.DType() == tensor.Float32 {
				return fast.run(a, b, c, nil, out[0])
			}
			m, nn, k, err := check(in)
			if err != nil {
				return err
			}
			os := tensor.Shape{m, nn}
			var y *tensor.Tensor
			switch a.DType() {
			case tensor.Float16, tensor.BFloat16:
				y = gemmOp[float32](a, b, c, transA, transB, m, nn, k, alpha, beta, os)
			case tensor.Float64:
				y = gemmOp[float64](a, b, c, transA, transB, m, nn, k, float64(alpha), float64(beta), os)
			case tensor.Int32:
				y = gemmOp[int32](a, b, c, transA, transB, m, nn, k, int32(alpha), int32(beta), os)
			case tensor.Int64:
				y = gemmOp[int64](a, b, c, transA, transB, m, nn, k, int64(alpha), int64(beta), os)
			case tensor.Uint32:
				y = gemmOp[uint32](a, b, c, transA, transB, m, nn, k, uint32(alpha), uint32(beta), os)
			case tensor.Uint64:
				y = gemmOp[uint64](a, b, c, transA, transB, m, nn, k, uint64(alpha), uint64(beta), os)
			}
			return copyResult(out[0], y)
		},
	})
}

// gemmDims validates Gemm's operands (2-D A and B with matching inner
// dims after the transposes; C, when present, broadcasting to [M, N]) and
// returns M, N and K.
func gemmDims(a, b, c *tensor.Tensor, transA, transB bool) (m, n, k int, err error) {
	if a.Rank() != 2 || b.Rank() != 2 {
		return 0, 0, 0, fmt.Errorf("Gemm needs 2-D A and B, got %v and %v", a.Shape(), b.Shape())
	}
	m, k = a.Shape()[0], a.Shape()[1]
	if transA {
		m, k = k, m
	}
	k2, n := b.Shape()[0], b.Shape()[1]
	if transB {
		k2, n = n, k2
	}
	if k != k2 {
		return 0, 0, 0, fmt.Errorf("Gemm inner dims differ: A %v (transA=%v), B %v (transB=%v)", a.Shape(), transA, b.Shape(), transB)
	}
	if n > 0 && m > tensor.MaxElements/n {
		return 0, 0, 0, fmt.Errorf("Gemm output [%d %d] is too large", m, n)
	}
	if c != nil {
		if c.Rank() > 2 {
			return 0, 0, 0, fmt.Errorf("Gemm C has rank %d > 2", c.Rank())
		}
		cs := c.Shape()
		for i, d := range cs {
			od := n
			if len(cs)-i == 2 {
				od = m
			}
			if d != 1 && d != od {
				return 0, 0, 0, fmt.Errorf("Gemm C shape %v does not broadcast to [%d %d]", cs, m, n)
			}
		}
	}
	return m, n, k, nil
}

func gemmOp[T num](a, b, c *tensor.Tensor, transA, transB bool, m, n, k int, alpha, beta T, os tensor.Shape) *tensor.Tensor {
	y := make([]T, m*n)
	if c != nil && beta != 0 && len(y) > 0 {
		cd := numData[T](c)
		cs := c.Shape()
		// C broadcasts unidirectionally to [m, n]: rank ≤ 2, dims 1 or equal.
		rs, cst := 0, 0
		switch len(cs) {
		case 1:
			if cs[0] != 1 {
				cst = 1
			}
		case 2:
			if cs[0] != 1 {
				rs = cs[1]
			}
			if cs[1] != 1 {
				cst = 1
			}
		}
		for i := 0; i < m; i++ {
			row := y[i*n : (i+1)*n]
			for j := range row {
				row[j] = beta * cd[i*rs+j*cst]
			}
		}
	}
	gemm(transA, transB, m, n, k, alpha, numData[T](a), a.Shape()[1], numData[T](b), b.Shape()[1], y, n)
	return newNum(a.DType(), os, y)
}

// zeroPointed returns the int32 values of x minus its zero point zp (nil:
// 0). zp is a scalar, or per-row (axis rank-2) when perRow, or per-column
// (last axis).
func zeroPointed(x, zp *tensor.Tensor, perRow bool) ([]int32, error) {
	v, err := intVals(x)
	if err != nil {
		return nil, err
	}
	if zp == nil {
		return v, nil
	}
	if zp.DType() != x.DType() {
		return nil, fmt.Errorf("zero point dtype %v differs from input dtype %v", zp.DType(), x.DType())
	}
	z, err := intVals(zp)
	if err != nil {
		return nil, err
	}
	if len(z) == 1 {
		for i := range v {
			v[i] -= z[0]
		}
		return v, nil
	}
	zs := zp.Shape()
	xs := x.Shape()
	if perRow && len(zs) == 1 && len(xs) >= 2 {
		zs = tensor.Shape{zs[0], 1}
	}
	bs, err := ops.BroadcastShape(xs, zs)
	if err != nil || !bs.Equal(xs) {
		return nil, fmt.Errorf("zero point shape %v does not fit input shape %v", zp.Shape(), xs)
	}
	ops.BroadcastIndex(xs, []tensor.Shape{zs}, func(o int, offs []int) {
		v[o] -= z[offs[0]]
	})
	return v, nil
}

// roundF32 rounds to nearest, ties to even, in float32.
func roundF32(x float32) float32 { return float32(math.RoundToEven(float64(x))) }

// scaleShape is the shape a QLinearMatMul scale broadcasts with: scalar
// for one value, [n, 1] for a per-row vector of a matrix operand.
func scaleShape(s *tensor.Tensor, perRow bool, rank int) tensor.Shape {
	ss := s.Shape()
	if s.Len() == 1 {
		return tensor.Shape{}
	}
	if perRow && len(ss) == 1 && rank >= 2 {
		return tensor.Shape{ss[0], 1}
	}
	return ss
}
