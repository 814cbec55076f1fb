package signal

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// outputDType reads and checks the output_datatype attribute (default float).
func outputDType(n *ops.Node) (tensor.DType, error) {
	v, err := n.Int("output_datatype", int64(tensor.Float32))
	if err != nil {
		return 0, err
	}
	dt := tensor.DType(v)
	if v < 0 || v > 255 || !(dt.IsFloat() || dt.IsInt()) {
		return 0, fmt.Errorf("output_datatype %d is not a numeric type", v)
	}
	return dt, nil
}

// bindWindow binds a generalized cosine window
// w[n] = Σ_k (-1)^k a_k cos(2πkn/N), N = size (periodic) or size-1.
func bindWindow(op string, coeffs []float64) ops.BindFunc {
	return func(n *ops.Node) (ops.Kernel, error) {
		dt, err := outputDType(n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		periodic, err := n.Int("periodic", 1)
		if err != nil {
			return nil, err
		}
		return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			size, err := ops.ScalarInt(ops.Input(in, 0), "size")
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op, err)
			}
			if size < 0 || size > tensor.MaxElements {
				return nil, fmt.Errorf("%s: invalid size %d", op, size)
			}
			N := float64(size)
			if periodic == 0 {
				N--
			}
			vals := make([]float64, size)
			for i := range vals {
				if N == 0 {
					// A one-point symmetric window: the formula is 0/0; use its limit-free value 1.
					vals[i] = 1
					continue
				}
				s, sign := 0.0, 1.0
				for k, a := range coeffs {
					s += sign * a * math.Cos(2*math.Pi*float64(k)*float64(i)/N)
					sign = -sign
				}
				vals[i] = s
			}
			out, err := tensor.FromFloat64(dt, tensor.Shape{int(size)}, vals)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op, err)
			}
			return []*tensor.Tensor{out}, nil
		}, nil
	}
}

func bindMelWeightMatrix(n *ops.Node) (ops.Kernel, error) {
	dt, err := outputDType(n)
	if err != nil {
		return nil, fmt.Errorf("MelWeightMatrix: %w", err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		out, err := melWeightMatrix(in, dt)
		if err != nil {
			return nil, fmt.Errorf("MelWeightMatrix: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func melWeightMatrix(in []*tensor.Tensor, dt tensor.DType) (*tensor.Tensor, error) {
	numMel, err := ops.ScalarInt(ops.Input(in, 0), "num_mel_bins")
	if err != nil {
		return nil, err
	}
	dftLen, err := ops.ScalarInt(ops.Input(in, 1), "dft_length")
	if err != nil {
		return nil, err
	}
	rate, err := ops.ScalarInt(ops.Input(in, 2), "sample_rate")
	if err != nil {
		return nil, err
	}
	for _, i := range []int{3, 4} {
		if ops.Input(in, i) == nil {
			return nil, fmt.Errorf("input %d is missing", i)
		}
	}
	lower, err := ops.ScalarFloat(in[3], "lower_edge_hertz")
	if err != nil {
		return nil, err
	}
	upper, err := ops.ScalarFloat(in[4], "upper_edge_hertz")
	if err != nil {
		return nil, err
	}
	if numMel < 0 || dftLen < 0 || rate <= 0 {
		return nil, fmt.Errorf("invalid num_mel_bins %d, dft_length %d or sample_rate %d", numMel, dftLen, rate)
	}
	specBins := dftLen/2 + 1
	shape, err := ops.ShapeFrom([]int64{specBins, numMel})
	if err != nil {
		return nil, err
	}
	rows, cols := shape[0], shape[1]
	vals := make([]float64, rows*cols)
	// Band edges: num_mel_bins+2 points evenly spaced on the mel scale
	// (step (high-low)/(num_mel_bins+2)), mapped back to Hz and then to
	// spectrogram bin indices floor((dft_length+1)*f/sample_rate).
	lowMel := 2595 * math.Log10(1+lower/700)
	highMel := 2595 * math.Log10(1+upper/700)
	step := (highMel - lowMel) / float64(cols+2)
	edges := make([]int64, cols+2)
	for i := range edges {
		hz := 700 * (math.Pow(10, (float64(i)*step+lowMel)/2595) - 1)
		b := math.Floor(float64(dftLen+1) * hz / float64(rate))
		if math.IsNaN(b) || math.Abs(b) > 1<<50 {
			return nil, fmt.Errorf("band edge %v is not a valid bin", b)
		}
		edges[i] = int64(b)
	}
	set := func(j int64, i int, v float64) {
		if j >= 0 && j < int64(rows) { // edges beyond the spectrum have no bin to weigh
			vals[int(j)*cols+i] = v
		}
	}
	for i := 0; i < cols; i++ {
		lo, center, hi := edges[i], edges[i+1], edges[i+2]
		if center == lo {
			set(center, i, 1)
		} else {
			for j := max(lo, -1); j <= center && j <= int64(rows); j++ {
				set(j, i, float64(j-lo)/float64(center-lo))
			}
		}
		if hi > center {
			for j := max(center, -1); j < hi && j <= int64(rows); j++ {
				set(j, i, float64(hi-j)/float64(hi-center))
			}
		}
	}
	return tensor.FromFloat64(dt, shape, vals)
}
