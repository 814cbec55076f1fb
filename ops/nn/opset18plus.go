package nn

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// Operators and versions of this family from ai.onnx opsets 18–21.

// registerOpset18Plus adds this family's registrations for opsets 18–21.
func registerOpset18Plus(r *ops.Registry) {
	r.Register("", "GroupNormalization", 18, bindGroupNorm)
	r.Register("", "GroupNormalization", 21, bindGroupNorm)
	r.Register("", "Col2Im", 18, bindCol2Im)
	r.Register("", "DeformConv", 19, bindDeformConv)
	// 19 added float8 (and float16/bfloat16 scales), 21 blocked
	// quantization, output_dtype and 16- and 4-bit integer types.
	r.RegisterVersions("", "QuantizeLinear", []int64{19, 21}, ops.RefuseUnstorable(bindQuantizeLinear19))
	r.RegisterVersions("", "DequantizeLinear", []int64{19, 21}, ops.RefuseUnstorable(bindDequantizeLinear19))
	// 21 added float8 operands and float16/bfloat16 scales.
	r.Register("", "QLinearMatMul", 21, ops.RefuseUnstorable(bindQLinearMatMul))
}

// ---- GroupNormalization ----

// bindGroupNorm binds GroupNormalization-18 and -21. Both normalise each of
// num_groups groups of C/num_groups channels over those channels and the
// spatial axes. Version 18 scales and shifts per group (scale and bias have
// num_groups elements), version 21 per channel (C elements); 21 also adds
// stash_type, the precision of the statistics (float32 by default, which
// Sinter's float64 computation meets or exceeds).
func bindGroupNorm(n *ops.Node) (ops.Kernel, error) {
	eps, err := n.Float("epsilon", 1e-5)
	if err != nil {
		return nil, err
	}
	if !n.Has("num_groups") {
		return nil, fmt.Errorf("GroupNormalization: attribute num_groups is required")
	}
	g64, err := n.Int("num_groups", 0)
	if err != nil {
		return nil, err
	}
	if g64 <= 0 || g64 > 1<<40 {
		return nil, fmt.Errorf("GroupNormalization: num_groups %d must be positive", g64)
	}
	if n.Opset >= 21 {
		st, err := n.Int("stash_type", 1)
		if err != nil {
			return nil, err
		}
		if st != 1 && st != int64(tensor.Float64) && st != int64(tensor.Float16) && st != int64(tensor.BFloat16) {
			return nil, fmt.Errorf("GroupNormalization: unsupported stash_type %d", st)
		}
	}
	perChannel := n.Opset >= 21
	G := int(g64)
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 3 {
			return nil, fmt.Errorf("GroupNormalization needs inputs X, scale and bias")
		}
		for i, name := range []string{"X", "scale", "bias"} {
			if err := needFloat(name, in[i]); err != nil {
				return nil, fmt.Errorf("GroupNormalization: %w", err)
			}
		}
		x := in[0]
		if x.Rank() < 2 {
			return nil, fmt.Errorf("GroupNormalization: X must have rank ≥ 2, has shape %v", x.Shape())
		}
		C := x.Shape()[1]
		if C%G != 0 {
			return nil, fmt.Errorf("GroupNormalization: %d channels do not divide into %d groups", C, G)
		}
		want := G
		if perChannel {
			want = C
		}
		if in[1].Len() != want || in[2].Len() != want {
			return nil, fmt.Errorf("GroupNormalization: scale %v and bias %v must have %d elements", in[1].Shape(), in[2].Shape(), want)
		}
		if x.DType() == tensor.Float64 {
			return []*tensor.Tensor{groupNorm[float64](x, in[1], in[2], G, perChannel, float64(eps))}, nil
		}
		return []*tensor.Tensor{groupNorm[float32](x, in[1], in[2], G, perChannel, float64(eps))}, nil
	}, nil
}

func groupNorm[T ops.Float](xt, st, bt *tensor.Tensor, G int, perChannel bool, eps float64) *tensor.Tensor {
	xs := xt.Shape()
	N, C := xs[0], xs[1]
	S := prod(xs[2:])
	cpg := C / G
	x := asFloat[T](xt)
	scale, bias := asFloat[T](st), asFloat[T](bt)
	y := make([]T, len(x))
	for n := 0; n < N; n++ {
		for g := 0; g < G; g++ {
			base := (n*C + g*cpg) * S
			seg := x[base : base+cpg*S]
			mean, vr := meanVar(seg)
			inv := 1 / math.Sqrt(vr+eps)
			for c := 0; c < cpg; c++ {
				p := g
				if perChannel {
					p = g*cpg + c
				}
				k := float64(scale[p]) * inv
				b := float64(bias[p]) - mean*k
				src := seg[c*S : (c+1)*S]
				dst := y[base+c*S : base+(c+1)*S]
				for i, v := range src {
					dst[i] = T(float64(v)*k + b)
				}
			}
		}
	}
	return newFloat(xt.DType(), xs, y)
}

// ---- Col2Im ----

// bindCol2Im binds Col2Im-18, the inverse of im2col: input [N, C·∏block,
// L] holds, for each of the L sliding-block positions (row-major over the
// output grid), the block's C·∏block values; they are summed into an image
// [N, C, image_shape…].
func bindCol2Im(n *ops.Node) (ops.Kernel, error) {
	dils, err := intsAttr(n, "dilations")
	if err != nil {
		return nil, err
	}
	pads, err := intsAttr(n, "pads")
	if err != nil {
		return nil, err
	}
	strides, err := intsAttr(n, "strides")
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 3 || in[0] == nil || in[1] == nil || in[2] == nil {
			return nil, fmt.Errorf("Col2Im needs inputs input, image_shape and block_shape")
		}
		x := in[0]
		if err := needFloat("input", x); err != nil {
			return nil, fmt.Errorf("Col2Im: %w", err)
		}
		img, err := ops.Int64s(in[1])
		if err != nil {
			return nil, fmt.Errorf("Col2Im: image_shape: %w", err)
		}
		blk, err := ops.Int64s(in[2])
		if err != nil {
			return nil, fmt.Errorf("Col2Im: block_shape: %w", err)
		}
		d := len(img)
		if len(blk) != d || d == 0 {
			return nil, fmt.Errorf("Col2Im: image_shape %v and block_shape %v must have the same non-zero length", img, blk)
		}
		if x.Rank() != 3 {
			return nil, fmt.Errorf("Col2Im: input must be [N, C·∏block_shape, L], has shape %v", x.Shape())
		}
		a := &windowAttrs{op: "Col2Im", autoPad: "NOTSET", strides: strides, dils: dils, pads: pads}
		for _, v := range dils {
			if v <= 0 {
				return nil, fmt.Errorf("Col2Im: dilations %v must be positive", dils)
			}
		}
		for _, v := range strides {
			if v <= 0 {
				return nil, fmt.Errorf("Col2Im: strides %v must be positive", strides)
			}
		}
		for _, v := range pads {
			if v < 0 {
				return nil, fmt.Errorf("Col2Im: pads %v must be non-negative", pads)
			}
		}
		ins, ks := make([]int, d), make([]int, d)
		for i := range img {
			if img[i] <= 0 || img[i] > maxExtent || blk[i] <= 0 || blk[i] > maxExtent {
				return nil, fmt.Errorf("Col2Im: invalid image_shape %v or block_shape %v", img, blk)
			}
			ins[i], ks[i] = int(img[i]), int(blk[i])
		}
		g, err := a.forward(ins, ks)
		if err != nil {
			return nil, err
		}
		N, CK, L := x.Shape()[0], x.Shape()[1], x.Shape()[2]
		K := prod(ks)
		if CK%K != 0 {
			return nil, fmt.Errorf("Col2Im: input dim 1 (%d) is not a multiple of ∏block_shape (%d)", CK, K)
		}
		if L != prod(g.out) {
			return nil, fmt.Errorf("Col2Im: input has %d blocks, image_shape %v and block_shape %v give %d", L, img, blk, prod(g.out))
		}
		C := CK / K
		os, err := spatialShape(N, C, ins)
		if err != nil {
			return nil, err
		}
		src := asF64(x)
		I := prod(ins)
		y := make([]float64, N*C*I)
		kidx := make([]int, d)
		oidx := make([]int, d)
		for nc := 0; nc < N*C; nc++ {
			plane := y[nc*I : (nc+1)*I]
			for k := 0; k < K; k++ {
				// kernel offset k as coordinates
				r := k
				for j := d - 1; j >= 0; j-- {
					kidx[j] = r % ks[j]
					r /= ks[j]
				}
				row := src[(nc*K+k)*L : (nc*K+k+1)*L]
				for l := 0; l < L; l++ {
					r := l
					for j := d - 1; j >= 0; j-- {
						oidx[j] = r % g.out[j]
						r /= g.out[j]
					}
					off, ok := 0, true
					for j := 0; j < d; j++ {
						pos := oidx[j]*g.stride[j] - g.padB[j] + kidx[j]*g.dil[j]
						if pos < 0 || pos >= ins[j] {
							ok = false
							break
						}
						off = off*ins[j] + pos
					}
					if ok {
						plane[off] += row[l]
					}
				}
			}
		}
		return []*tensor.Tensor{newFloat(x.DType(), os, y)}, nil
	}, nil
}

// ---- QuantizeLinear and DequantizeLinear, versions 19 and 21 ----

// quantIndex maps a flat element index of x to the index of its scale and
// zero point: per tensor, per axis, or (version 21) per block along axis.
type quantIndex struct {
	per          int // 0 per tensor, 1 per axis, 2 blocked
	inner, dim   int // per axis and blocked: elements after axis, x's axis extent
	block, nblks int // blocked: block size and ⌈dim/block⌉
}

func (q *quantIndex) at(i int) int {
	switch q.per {
	case 1:
		return (i / q.inner) % q.dim
	case 2:
		k := i % q.inner
		r := i / q.inner
		d := r % q.dim
		o := r / q.dim
		return (o*q.nblks+d/q.block)*q.inner + k
	}
	return 0
}

func newQuantIndex(op string, xs tensor.Shape, scale *tensor.Tensor, axis int64, block int64) (*quantIndex, error) {
	if block < 0 {
		return nil, fmt.Errorf("%s: block_size %d is negative", op, block)
	}
	if block == 0 {
		inner, dim, err := quantAxis(op, xs, scale, axis)
		if err != nil {
			return nil, err
		}
		if dim == 1 && inner == 1 {
			return &quantIndex{}, nil
		}
		return &quantIndex{per: 1, inner: inner, dim: dim}, nil
	}
	ax, err := ops.NormAxis(axis, len(xs))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	ss := scale.Shape()
	if len(ss) != len(xs) {
		return nil, fmt.Errorf("%s: blocked quantization needs a scale of x's rank; scale %v, x %v", op, ss, xs)
	}
	if block > int64(tensor.MaxElements) {
		return nil, fmt.Errorf("%s: block_size %d is too large", op, block)
	}
	nb := (xs[ax] + int(block) - 1) / int(block)
	for i := range xs {
		want := xs[i]
		if i == ax {
			want = nb
		}
		if ss[i] != want {
			return nil, fmt.Errorf("%s: scale shape %v does not fit x %v with block_size %d on axis %d", op, ss, xs, block, axis)
		}
	}
	return &quantIndex{per: 2, inner: prod(xs[ax+1:]), dim: xs[ax], block: int(block), nblks: nb}, nil
}

// quantIntRange is the saturation range of the integer types
// QuantizeLinear-21 produces.
func quantIntRange(dt tensor.DType) (lo, hi float64, err error) {
	switch dt {
	case tensor.Uint8:
		return 0, math.MaxUint8, nil
	case tensor.Int8:
		return math.MinInt8, math.MaxInt8, nil
	case tensor.Uint16:
		return 0, math.MaxUint16, nil
	case tensor.Int16:
		return math.MinInt16, math.MaxInt16, nil
	}
	if !dt.Valid() {
		return 0, 0, fmt.Errorf("quantized type %s is not supported by Sinter (no float8 or 4-bit tensors)", dt)
	}
	return 0, 0, fmt.Errorf("quantized type must be int8, uint8, int16 or uint16, got %v", dt)
}

// quantAttrs reads axis, block_size (21), saturate (19) and output_dtype
// (21, QuantizeLinear only).
func quantAttrs(n *ops.Node, quantize bool) (axis, block int64, outDT tensor.DType, err error) {
	if axis, err = n.Int("axis", 1); err != nil {
		return
	}
	if n.Opset >= 21 {
		if block, err = n.Int("block_size", 0); err != nil {
			return
		}
	}
	if quantize {
		var sat int64
		if sat, err = n.Int("saturate", 1); err != nil {
			return
		}
		if sat != 0 && sat != 1 {
			err = fmt.Errorf("%s: saturate must be 0 or 1, got %d", n.OpType, sat)
			return
		}
		if n.Opset >= 21 {
			var od int64
			if od, err = n.Int("output_dtype", 0); err != nil {
				return
			}
			if od < 0 || od > 255 {
				err = fmt.Errorf("%s: invalid output_dtype %d", n.OpType, od)
				return
			}
			outDT = tensor.DType(od)
			if outDT != tensor.Undefined {
				if _, _, err = quantIntRange(outDT); err != nil {
					err = fmt.Errorf("%s: output_dtype: %w", n.OpType, err)
					return
				}
			}
		}
	}
	return
}

// bindQuantizeLinear19 binds QuantizeLinear-19 and -21:
// y = saturate(round(x / y_scale) + y_zero_point), rounding half to even.
func bindQuantizeLinear19(n *ops.Node) (ops.Kernel, error) {
	axis, block, outDT, err := quantAttrs(n, true)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return nil, fmt.Errorf("QuantizeLinear needs inputs x and y_scale")
		}
		x, sc := in[0], in[1]
		var zp *tensor.Tensor
		if len(in) > 2 {
			zp = in[2]
		}
		if !isFloat(sc.DType()) {
			return nil, fmt.Errorf("QuantizeLinear: y_scale must be float, got %v", sc.DType())
		}
		if !isFloat(x.DType()) && x.DType() != tensor.Int32 {
			return nil, fmt.Errorf("QuantizeLinear: x must be float or int32, got %v", x.DType())
		}
		qi, err := newQuantIndex("QuantizeLinear", x.Shape(), sc, axis, block)
		if err != nil {
			return nil, err
		}
		odt := tensor.Uint8
		if outDT != tensor.Undefined {
			odt = outDT
		}
		var z []int32
		if zp != nil {
			if outDT != tensor.Undefined && zp.DType() != outDT {
				return nil, fmt.Errorf("QuantizeLinear: y_zero_point type %v differs from output_dtype %v", zp.DType(), outDT)
			}
			odt = zp.DType()
			if !zp.Shape().Equal(sc.Shape()) && !(zp.Len() == 1 && sc.Len() == 1) {
				return nil, fmt.Errorf("QuantizeLinear: y_zero_point shape %v differs from y_scale shape %v", zp.Shape(), sc.Shape())
			}
			if z, err = intVals(zp); err != nil {
				return nil, fmt.Errorf("QuantizeLinear: y_zero_point: %w", err)
			}
		} else {
			z = make([]int32, sc.Len())
		}
		lo, hi, err := quantIntRange(odt)
		if err != nil {
			return nil, fmt.Errorf("QuantizeLinear: %w", err)
		}
		s := asF32(sc)
		q := make([]float64, x.Len())
		if x.DType() == tensor.Float64 {
			for i, v := range x.Float64s() {
				p := qi.at(i)
				q[i] = math.RoundToEven(v/float64(s[p])) + float64(z[p])
			}
		} else {
			var xv []float32
			if x.DType() == tensor.Int32 {
				xv = make([]float32, x.Len())
				for i, v := range x.Int32s() {
					xv[i] = float32(v)
				}
			} else {
				xv = asF32(x)
			}
			for i, v := range xv {
				p := qi.at(i)
				q[i] = float64(roundF32(v/s[p])) + float64(z[p])
			}
		}
		y := tensor.New(odt, x.Shape()...)
		for i, v := range q {
			if v != v {
				v = 0
			}
			v = max(lo, min(hi, v))
			switch odt {
			case tensor.Uint8:
				y.Uint8s()[i] = uint8(v)
			case tensor.Int8:
				y.Int8s()[i] = int8(v)
			case tensor.Uint16:
				tensor.Data[uint16](y)[i] = uint16(v)
			case tensor.Int16:
				tensor.Data[int16](y)[i] = int16(v)
			}
		}
		return []*tensor.Tensor{y}, nil
	}, nil
}

// bindDequantizeLinear19 binds DequantizeLinear-19 and -21:
// y = (x − x_zero_point) · x_scale, in x_scale's type.
func bindDequantizeLinear19(n *ops.Node) (ops.Kernel, error) {
	axis, block, _, err := quantAttrs(n, false)
	if err != nil {
		return nil, err
	}
	opset := n.Opset
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if len(in) < 2 || in[0] == nil || in[1] == nil {
			return nil, fmt.Errorf("DequantizeLinear needs inputs x and x_scale")
		}
		x, sc := in[0], in[1]
		var zp *tensor.Tensor
		if len(in) > 2 {
			zp = in[2]
		}
		if !isFloat(sc.DType()) {
			return nil, fmt.Errorf("DequantizeLinear: x_scale must be float, got %v", sc.DType())
		}
		switch x.DType() {
		case tensor.Uint8, tensor.Int8, tensor.Int32:
		case tensor.Uint16, tensor.Int16:
			if opset < 21 {
				return nil, fmt.Errorf("DequantizeLinear: x type %v needs opset 21", x.DType())
			}
		default:
			return nil, fmt.Errorf("DequantizeLinear: x must be an int8, uint8, int16, uint16 or int32 tensor, got %v", x.DType())
		}
		qi, err := newQuantIndex("DequantizeLinear", x.Shape(), sc, axis, block)
		if err != nil {
			return nil, err
		}
		xv, err := intVals(x)
		if err != nil {
			return nil, fmt.Errorf("DequantizeLinear: %w", err)
		}
		z := make([]int32, sc.Len())
		if zp != nil {
			if zp.DType() != x.DType() {
				return nil, fmt.Errorf("DequantizeLinear: x_zero_point dtype %v differs from x dtype %v", zp.DType(), x.DType())
			}
			if !zp.Shape().Equal(sc.Shape()) && !(zp.Len() == 1 && sc.Len() == 1) {
				return nil, fmt.Errorf("DequantizeLinear: x_zero_point shape %v differs from x_scale shape %v", zp.Shape(), sc.Shape())
			}
			if z, err = intVals(zp); err != nil {
				return nil, fmt.Errorf("DequantizeLinear: %w", err)
			}
		}
		s := asF32(sc)
		y := make([]float32, len(xv))
		for i, v := range xv {
			p := qi.at(i)
			y[i] = float32(v-z[p]) * s[p]
		}
		return []*tensor.Tensor{newFloat(sc.DType(), x.Shape(), y)}, nil
	}, nil
}
