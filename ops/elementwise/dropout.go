package elementwise

import (
	"fmt"
	"math/rand/v2"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/internal/mt"
	"github.com/sinter-ml/sinter/tensor"
)

// mt19937 adapts the shared numpy-compatible Mersenne Twister (ops/internal/mt)
// so that a seeded Dropout draws the same mask as the ONNX reference
// implementation.
type mt19937 struct{ *mt.MT }

func newMT19937(seed uint32) mt19937 { return mt19937{mt.New(seed)} }

// float64 is numpy's random_sample: 53 random bits in [0, 1).
func (m mt19937) float64() float64 { return m.Float64() }

// onesLike returns a tensor of x's shape filled with one (true) in dtype dt.
func onesLike(x *tensor.Tensor, dt tensor.DType) (*tensor.Tensor, error) {
	b := tensor.New(tensor.Bool, x.Shape()...)
	for i := range b.Bools() {
		b.Bools()[i] = true
	}
	return castTensor(b, dt)
}

func bindDropout(n *ops.Node) (ops.Kernel, error) {
	wantMask := n.HasOutput(1)
	nout := min(max(len(n.Outputs), 1), 2)
	if n.Opset < 12 {
		if _, err := n.Float("ratio", 0.5); err != nil {
			return nil, fmt.Errorf("Dropout: %w", err)
		}
		// Inference: output = input. The mask is bool from opset 10, of the
		// input's type before.
		return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			if err := need(in, 1); err != nil {
				return nil, err
			}
			x := in[0]
			if !wantMask {
				return []*tensor.Tensor{x, nil}[:nout], nil
			}
			mdt := tensor.Bool
			if n.Opset < 10 {
				mdt = x.DType()
			}
			mask, err := onesLike(x, mdt)
			if err != nil {
				return nil, fmt.Errorf("Dropout: %w", err)
			}
			return []*tensor.Tensor{x, mask}, nil
		}, nil
	}
	hasSeed := n.Has("seed")
	seed, err := n.Int("seed", 0)
	if err != nil {
		return nil, fmt.Errorf("Dropout: %w", err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := need(in, 1); err != nil {
			return nil, err
		}
		x := in[0]
		if !x.DType().IsFloat() {
			return nil, fmt.Errorf("Dropout: input type %v is not a floating-point type", x.DType())
		}
		ratio := 0.5
		var rt *tensor.Tensor
		if rt = opt(in, 1); rt != nil {
			r, err := scalarFloat(rt)
			if err != nil {
				return nil, fmt.Errorf("Dropout: ratio: %w", err)
			}
			ratio = r
		}
		training := false
		if t := opt(in, 2); t != nil {
			if t.DType() != tensor.Bool || t.Len() != 1 {
				return nil, fmt.Errorf("Dropout: training_mode must be a bool scalar")
			}
			training = t.Bools()[0]
		}
		if !training || ratio == 0 {
			outs := []*tensor.Tensor{x, nil}[:nout]
			if wantMask {
				m, err := onesLike(x, tensor.Bool)
				if err != nil {
					return nil, err
				}
				outs[1] = m
			}
			return outs, nil
		}
		if ratio < 0 || ratio >= 1 {
			return nil, fmt.Errorf("Dropout: ratio %v is outside [0, 1)", ratio)
		}
		s := uint32(seed)
		if !hasSeed {
			s = rand.Uint32()
		}
		rng := newMT19937(s)
		mask := tensor.New(tensor.Bool, x.Shape()...)
		m := mask.Bools()
		for i := range m {
			m[i] = rng.float64() >= ratio
		}
		// scale = 1/(1-ratio), computed in the ratio's precision.
		var scale float64
		if rt != nil && rt.DType() != tensor.Float64 {
			r := float32(ratio)
			scale = float64(1 / (1 - r))
		} else {
			scale = 1 / (1 - ratio)
		}
		xw := widen(x)
		y := tensor.New(xw.DType(), x.Shape()...)
		switch xw.DType() {
		case tensor.Float32:
			sc := float32(scale)
			yo := y.Float32s()
			for i, v := range xw.Float32s() {
				if !m[i] {
					v *= 0
				}
				yo[i] = v * sc
			}
		case tensor.Float64:
			yo := y.Float64s()
			for i, v := range xw.Float64s() {
				if !m[i] {
					v *= 0
				}
				yo[i] = v * scale
			}
		}
		outs := []*tensor.Tensor{narrow(y, x.DType()), nil}[:nout]
		if wantMask {
			outs[1] = mask
		}
		return outs, nil
	}, nil
}
