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

// fillOnes sets every element of t to one (true), as Cast of true to its
// type gives.
func fillOnes(t *tensor.Tensor) error {
	if t.DType() == tensor.Bool {
		o := t.Bools()
		for i := range o {
			o[i] = true
		}
		return nil
	}
	b := tensor.New(tensor.Bool, t.Shape()...)
	if err := fillOnes(b); err != nil {
		return err
	}
	return castInto(b, t)
}

// dropoutParams reads Dropout-12's optional ratio and training_mode inputs.
func dropoutParams(in []*tensor.Tensor) (ratio float64, rt *tensor.Tensor, training bool, err error) {
	ratio = 0.5
	if rt = opt(in, 1); rt != nil {
		r, err := scalarFloat(rt)
		if err != nil {
			return 0, nil, false, fmt.Errorf("Dropout: ratio: %w", err)
		}
		ratio = r
	}
	if t := opt(in, 2); t != nil {
		if t.DType() != tensor.Bool || t.Len() != 1 {
			return 0, nil, false, fmt.Errorf("Dropout: training_mode must be a bool scalar")
		}
		training = t.Bools()[0]
	}
	if training && ratio != 0 && (ratio < 0 || ratio >= 1) {
		return 0, nil, false, fmt.Errorf("Dropout: ratio %v is outside [0, 1)", ratio)
	}
	return ratio, rt, training, nil
}

// bindDropout binds Dropout. Outside training its output is its input (a
// view when no mask is wanted) and its mask all ones; from opset 12 the
// training_mode input may ask for a seeded (or random) mask instead.
func bindDropout(n *ops.Node) (ops.Kernel, error) {
	wantMask := n.HasOutput(1)
	if n.Opset < 12 {
		if _, err := n.Float("ratio", 0.5); err != nil {
			return nil, fmt.Errorf("Dropout: %w", err)
		}
		// Inference: output = input. The mask is bool from opset 10, of the
		// input's type before.
		infer := func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if err := need(in, 1); err != nil {
				return err
			}
			sameAs(in[0], out)
			if wantMask {
				out[1].DType = tensor.Bool
				if n.Opset < 10 {
					out[1].DType = in[0].DType()
				}
				out[1].Shape = append(out[1].Shape[:0], in[0].Shape()...)
			}
			return nil
		}
		if !wantMask {
			return n.Plan(&ops.Planned{View: true, Infer: infer})
		}
		return n.Plan(&ops.Planned{
			Infer: infer,
			Run: func(in, out []*tensor.Tensor) error {
				copyTensor(out[0], in[0])
				if err := fillOnes(out[1]); err != nil {
					return fmt.Errorf("Dropout: %w", err)
				}
				return nil
			},
		})
	}
	hasSeed := n.Has("seed")
	seed, err := n.Int("seed", 0)
	if err != nil {
		return nil, fmt.Errorf("Dropout: %w", err)
	}
	infer := func(in []*tensor.Tensor, out []ops.OutSpec) error {
		if err := need(in, 1); err != nil {
			return err
		}
		x := in[0]
		if !x.DType().IsFloat() {
			return fmt.Errorf("Dropout: input type %v is not a floating-point type", x.DType())
		}
		if _, _, _, err := dropoutParams(in); err != nil {
			return err
		}
		sameAs(x, out)
		if wantMask {
			out[1].DType = tensor.Bool
			out[1].Shape = append(out[1].Shape[:0], x.Shape()...)
		}
		return nil
	}
	if !wantMask && !n.HasInput(2) {
		// Never training: the output is the input.
		return n.Plan(&ops.Planned{View: true, Infer: infer})
	}
	return n.Plan(&ops.Planned{
		Infer: infer,
		Run: func(in, out []*tensor.Tensor) error {
			x := in[0]
			ratio, rt, training, err := dropoutParams(in)
			if err != nil {
				return err
			}
			var mask *tensor.Tensor
			if wantMask {
				mask = out[1]
			}
			if !training || ratio == 0 {
				copyTensor(out[0], x)
				if mask != nil {
					return fillOnes(mask)
				}
				return nil
			}
			if mask == nil {
				mask = tensor.New(tensor.Bool, x.Shape()...)
			}
			s := uint32(seed)
			if !hasSeed {
				s = rand.Uint32()
			}
			rng := newMT19937(s)
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
			switch x.DType() {
			case tensor.Float64:
				yo := out[0].Float64s()
				for i, v := range x.Float64s() {
					if !m[i] {
						v *= 0
					}
					yo[i] = v * scale
				}
			default:
				sc := float32(scale)
				h := halfScratch.Get()
				xs := h.widen(0, x)
				yo := xs
				if x.DType() == tensor.Float32 {
					yo = out[0].Float32s()
				}
				for i, v := range xs {
					if !m[i] {
						v *= 0
					}
					yo[i] = v * sc
				}
				tensor.StoreHalf(out[0], yo)
				halfScratch.Put(h)
			}
			return nil
		},
	})
}
