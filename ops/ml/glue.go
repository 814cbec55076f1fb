package ml

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func registerGlue(r *ops.Registry) {
	r.Register(ir.MLDomain, "Scaler", 1, ops.WithArity(1, 1, 1, bindScaler))
	r.Register(ir.MLDomain, "Normalizer", 1, ops.WithArity(1, 1, 1, bindNormalizer))
	r.Register(ir.MLDomain, "Binarizer", 1, ops.WithArity(1, 1, 1, bindBinarizer))
	r.Register(ir.MLDomain, "Imputer", 1, ops.WithArity(1, 1, 1, bindImputer))
	r.Register(ir.MLDomain, "ArrayFeatureExtractor", 1, ops.WithArity(2, 2, 1, bindArrayFeatureExtractor))
	r.Register(ir.MLDomain, "LinearRegressor", 1, ops.WithArity(1, 1, 1, bindLinearRegressor))
}

// floatRows returns x as float64 values with shape [rows, cols] (a 1-D x is one row).
func floatRows(x *tensor.Tensor) ([]float64, int, int, error) {
	if x == nil {
		return nil, 0, 0, fmt.Errorf("input is missing")
	}
	v, err := tensor.ToFloat64(x)
	if err != nil {
		return nil, 0, 0, err
	}
	switch x.Rank() {
	case 0:
		return v, 1, 1, nil
	case 1:
		return v, 1, x.Shape()[0], nil
	case 2:
		return v, x.Shape()[0], x.Shape()[1], nil
	}
	return nil, 0, 0, fmt.Errorf("input has rank %d, want ≤ 2", x.Rank())
}

// bcast returns p[j] for column j, with a single value applying to all.
func bcast(p []float32, j int, def float32) float32 {
	switch len(p) {
	case 0:
		return def
	case 1:
		return p[0]
	}
	return p[j]
}

func checkParam(name string, p []float32, cols int) error {
	if len(p) > 1 && len(p) != cols {
		return fmt.Errorf("%s has %d values for %d columns", name, len(p), cols)
	}
	return nil
}

// Scaler: y = (x − offset)·scale, float32 output.
func bindScaler(n *ops.Node) (ops.Kernel, error) {
	offset, err := n.Floats("offset")
	if err != nil {
		return nil, err
	}
	scale, err := n.Floats("scale")
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, _, cols, err := floatRows(in[0])
		if err != nil {
			return nil, err
		}
		if err := checkParam("offset", offset, cols); err != nil {
			return nil, err
		}
		if err := checkParam("scale", scale, cols); err != nil {
			return nil, err
		}
		out := tensor.New(tensor.Float32, in[0].Shape()...)
		y := out.Float32s()
		for i, v := range x {
			j := i % max(cols, 1)
			y[i] = (float32(v) - bcast(offset, j, 0)) * bcast(scale, j, 1)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// Normalizer: per-row MAX, L1 or L2 normalisation, float32 output.
func bindNormalizer(n *ops.Node) (ops.Kernel, error) {
	norm, err := n.String("norm", "MAX")
	if err != nil {
		return nil, err
	}
	if norm != "MAX" && norm != "L1" && norm != "L2" {
		return nil, fmt.Errorf("norm %q unknown", norm)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, rows, cols, err := floatRows(in[0])
		if err != nil {
			return nil, err
		}
		out := tensor.New(tensor.Float32, in[0].Shape()...)
		y := out.Float32s()
		for r := 0; r < rows; r++ {
			row := x[r*cols : (r+1)*cols]
			var d float64
			switch norm {
			case "MAX":
				d = math.Inf(-1)
				for _, v := range row {
					d = math.Max(d, v)
				}
			case "L1":
				for _, v := range row {
					d += math.Abs(v)
				}
			case "L2":
				for _, v := range row {
					d += float64(v * v) // no FMA: same result on every architecture
				}
				d = math.Sqrt(d)
			}
			for j, v := range row {
				if d != 0 {
					v /= d
				}
				y[r*cols+j] = float32(v)
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// Binarizer: 1 where x > threshold, else 0, in x's type.
func bindBinarizer(n *ops.Node) (ops.Kernel, error) {
	th, err := n.Float("threshold", 0)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		out := tensor.New(x.DType(), x.Shape()...)
		switch x.DType() {
		case tensor.Float32:
			y := out.Float32s()
			for i, v := range x.Float32s() {
				if v > th {
					y[i] = 1
				}
			}
		case tensor.Float64:
			y := out.Float64s()
			for i, v := range x.Float64s() {
				if v > float64(th) {
					y[i] = 1
				}
			}
		case tensor.Int64:
			y := out.Int64s()
			for i, v := range x.Int64s() {
				if float32(v) > th {
					y[i] = 1
				}
			}
		case tensor.Int32:
			y := out.Int32s()
			for i, v := range x.Int32s() {
				if float32(v) > th {
					y[i] = 1
				}
			}
		default:
			return nil, fmt.Errorf("Binarizer does not take %v", x.DType())
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// Imputer: replace replaced_value_float (NaN by default) by the column's imputed value.
func bindImputer(n *ops.Node) (ops.Kernel, error) {
	vals, err := n.Floats("imputed_value_floats")
	if err != nil {
		return nil, err
	}
	ivals, err := n.Ints("imputed_value_int64s")
	if err != nil {
		return nil, err
	}
	rf, err := n.Float("replaced_value_float", 0)
	if err != nil {
		return nil, err
	}
	ri, err := n.Int("replaced_value_int64", 0)
	if err != nil {
		return nil, err
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		cols := 1
		if x.Rank() >= 1 {
			cols = x.Shape()[x.Rank()-1]
		}
		out := x.Clone()
		switch x.DType() {
		case tensor.Float32:
			if err := checkParam("imputed_value_floats", vals, cols); err != nil || len(vals) == 0 {
				return nil, fmt.Errorf("Imputer: imputed_value_floats does not fit %d columns", cols)
			}
			y := out.Float32s()
			for i, v := range y {
				if v == rf || (math.IsNaN(float64(v)) && math.IsNaN(float64(rf))) {
					y[i] = bcast(vals, i%cols, 0)
				}
			}
		case tensor.Int64:
			if len(ivals) != 1 && len(ivals) != cols {
				return nil, fmt.Errorf("Imputer: imputed_value_int64s does not fit %d columns", cols)
			}
			y := out.Int64s()
			for i, v := range y {
				if v == ri {
					if len(ivals) == 1 {
						y[i] = ivals[0]
					} else {
						y[i] = ivals[i%cols]
					}
				}
			}
		default:
			return nil, fmt.Errorf("Imputer does not take %v", x.DType())
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// ArrayFeatureExtractor: select entries of the last axis by index.
func bindArrayFeatureExtractor(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, idxT := in[0], in[1]
		if x == nil || idxT == nil || idxT.DType() != tensor.Int64 {
			return nil, fmt.Errorf("ArrayFeatureExtractor needs X and int64 indices")
		}
		idx := idxT.Int64s()
		shape := x.Shape().Clone()
		if len(shape) == 0 {
			return nil, fmt.Errorf("ArrayFeatureExtractor needs X of rank ≥ 1")
		}
		last := shape[len(shape)-1]
		for _, i := range idx {
			if i < 0 || i >= int64(last) {
				return nil, fmt.Errorf("index %d out of range [0, %d)", i, last)
			}
		}
		outer := 1
		if last > 0 {
			outer = x.Len() / last
		}
		shape[len(shape)-1] = len(idx)
		if len(shape) == 1 {
			shape = tensor.Shape{1, len(idx)}
		}
		out := tensor.New(x.DType(), shape...)
		if x.DType() == tensor.String {
			src, dst := x.Strings(), out.Strings()
			for o := 0; o < outer; o++ {
				for k, i := range idx {
					dst[o*len(idx)+k] = src[o*last+int(i)]
				}
			}
		} else {
			sz := x.DType().Size()
			src, dst := x.Bytes(), out.Bytes()
			for o := 0; o < outer; o++ {
				for k, i := range idx {
					copy(dst[(o*len(idx)+k)*sz:(o*len(idx)+k+1)*sz], src[(o*last+int(i))*sz:])
				}
			}
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// LinearRegressor: y = x·Wᵀ + b, optional post transform, float32 output.
func bindLinearRegressor(n *ops.Node) (ops.Kernel, error) {
	coef, err := n.Floats("coefficients")
	if err != nil {
		return nil, err
	}
	icpt, err := n.Floats("intercepts")
	if err != nil {
		return nil, err
	}
	targets, err := n.Int("targets", 1)
	if err != nil {
		return nil, err
	}
	post, err := n.String("post_transform", "NONE")
	if err != nil {
		return nil, err
	}
	p, ok := onnxPosts[post]
	if !ok {
		return nil, fmt.Errorf("post_transform %q unknown", post)
	}
	if targets < 1 || len(coef)%int(targets) != 0 || (len(icpt) != 0 && len(icpt) != int(targets)) {
		return nil, fmt.Errorf("LinearRegressor: %d coefficients, %d intercepts for %d targets", len(coef), len(icpt), targets)
	}
	k := int(targets)
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, rows, cols, err := floatRows(in[0])
		if err != nil {
			return nil, err
		}
		if cols*k != len(coef) {
			return nil, fmt.Errorf("LinearRegressor: %d features, %d coefficients for %d targets", cols, len(coef), k)
		}
		out := tensor.New(tensor.Float32, rows, k)
		y := out.Float32s()
		s := make([]float64, k)
		for r := 0; r < rows; r++ {
			for t := 0; t < k; t++ {
				var acc float32
				if len(icpt) > 0 {
					acc = icpt[t]
				}
				for j := 0; j < cols; j++ {
					acc += float32(float32(x[r*cols+j]) * coef[t*cols+j])
				}
				s[t] = float64(acc)
			}
			if p == ensemble.None {
				for t := range s {
					y[r*k+t] = float32(s[t])
				}
				continue
			}
			writeScores(p, s, y[r*k:(r+1)*k])
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}
