package ml

import (
	"fmt"
	"math"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/kernels/trees"
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

// work is per-run memory of the ONNX-ML kernels, reused through works so
// that steady-state runs allocate nothing.
type work struct {
	x      []float64 // an input converted to float64
	s      []float64 // one row of scores
	tmp    []float64 // a post transform's output
	margin []float64 // raw class sums
	cls    []int32   // predicted class indices
	has    []bool
	cols   []int     // per input: its columns
	x32    []float32 // the columns the trees use, copied out of a wide X
	x64    []float64 // the same for a float64 (or converted) X
	proba  []float32 // probabilities of a classifier that does not output them
	out    trees.Outputs
}

var works freelist.List[work]

// getWork returns a work; putWork returns it, dropping its references to
// caller data.
func getWork() *work { return works.Get() }

func putWork(w *work) {
	w.out = trees.Outputs{}
	works.Put(w)
}

// grow sets *s to n elements (contents arbitrary), reusing its storage.
func grow[T any](s *[]T, n int) []T {
	if cap(*s) < n {
		*s = make([]T, n)
	}
	*s = (*s)[:n]
	return *s
}

// floats returns x's elements as float64: x's own storage when it is
// float64, else converted into w.x.
func (w *work) floats(x *tensor.Tensor) ([]float64, error) {
	if x.DType() == tensor.Float64 {
		return x.Float64s(), nil
	}
	v := grow(&w.x, x.Len())
	if err := tensor.LoadFloat64(v, x); err != nil {
		return nil, err
	}
	return v, nil
}

// numeric reports whether tensor.LoadFloat64 converts dt.
func numeric(dt tensor.DType) bool { return dt.IsFloat() || dt.IsInt() || dt == tensor.Bool }

// rowsCols returns the [rows, cols] view of x the glue operators take (a
// 1-D x is one row, a scalar one value), checking x is present, numeric
// and of rank ≤ 2.
func rowsCols(x *tensor.Tensor) (rows, cols int, err error) {
	if x == nil {
		return 0, 0, fmt.Errorf("input is missing")
	}
	if !numeric(x.DType()) {
		return 0, 0, fmt.Errorf("tensor: cannot convert %v to float64", x.DType())
	}
	switch x.Rank() {
	case 0:
		return 1, 1, nil
	case 1:
		return 1, x.Shape()[0], nil
	case 2:
		return x.Shape()[0], x.Shape()[1], nil
	}
	return 0, 0, fmt.Errorf("input has rank %d, want ≤ 2", x.Rank())
}

// sameShape reports x's shape as output 0's, of type dt.
func sameShape(x *tensor.Tensor, dt tensor.DType, out []ops.OutSpec) {
	out[0].DType = dt
	out[0].Shape = append(out[0].Shape[:0], x.Shape()...)
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
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			_, cols, err := rowsCols(in[0])
			if err != nil {
				return err
			}
			if err := checkParam("offset", offset, cols); err != nil {
				return err
			}
			if err := checkParam("scale", scale, cols); err != nil {
				return err
			}
			sameShape(in[0], tensor.Float32, out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			_, cols, err := rowsCols(in[0])
			if err != nil {
				return err
			}
			w := getWork()
			defer putWork(w)
			x, err := w.floats(in[0])
			if err != nil {
				return err
			}
			y := out[0].Float32s()
			for i, v := range x {
				j := i % max(cols, 1)
				y[i] = (float32(v) - bcast(offset, j, 0)) * bcast(scale, j, 1)
			}
			return nil
		},
	})
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
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			if _, _, err := rowsCols(in[0]); err != nil {
				return err
			}
			sameShape(in[0], tensor.Float32, out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			rows, cols, err := rowsCols(in[0])
			if err != nil {
				return err
			}
			w := getWork()
			defer putWork(w)
			x, err := w.floats(in[0])
			if err != nil {
				return err
			}
			normalize(norm, x, out[0].Float32s(), rows, cols)
			return nil
		},
	})
}

// normalize sets y to the rows of x (rows × cols) normalised by norm.
func normalize(norm string, x []float64, y []float32, rows, cols int) {
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
}

// Binarizer: 1 where x > threshold, else 0, in x's type.
func bindBinarizer(n *ops.Node) (ops.Kernel, error) {
	th, err := n.Float("threshold", 0)
	if err != nil {
		return nil, err
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x := in[0]
			switch x.DType() {
			case tensor.Float32, tensor.Float64, tensor.Int64, tensor.Int32:
			default:
				return fmt.Errorf("Binarizer does not take %v", x.DType())
			}
			sameShape(x, x.DType(), out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x := in[0]
			switch x.DType() {
			case tensor.Float32:
				binarize(out[0].Float32s(), x.Float32s(), func(v float32) bool { return v > th })
			case tensor.Float64:
				binarize(out[0].Float64s(), x.Float64s(), func(v float64) bool { return v > float64(th) })
			case tensor.Int64:
				binarize(out[0].Int64s(), x.Int64s(), func(v int64) bool { return float32(v) > th })
			case tensor.Int32:
				binarize(out[0].Int32s(), x.Int32s(), func(v int32) bool { return float32(v) > th })
			}
			return nil
		},
	})
}

// binarize sets y[i] to 1 where above(x[i]), else 0.
func binarize[T float32 | float64 | int32 | int64](y, x []T, above func(T) bool) {
	for i, v := range x {
		y[i] = 0
		if above(v) {
			y[i] = 1
		}
	}
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
	// cols is the number of columns of x (its last dimension).
	cols := func(x *tensor.Tensor) int {
		if x.Rank() >= 1 {
			return x.Shape()[x.Rank()-1]
		}
		return 1
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x := in[0]
			c := cols(x)
			switch x.DType() {
			case tensor.Float32:
				if err := checkParam("imputed_value_floats", vals, c); err != nil || len(vals) == 0 {
					return fmt.Errorf("Imputer: imputed_value_floats does not fit %d columns", c)
				}
			case tensor.Int64:
				if len(ivals) != 1 && len(ivals) != c {
					return fmt.Errorf("Imputer: imputed_value_int64s does not fit %d columns", c)
				}
			default:
				return fmt.Errorf("Imputer does not take %v", x.DType())
			}
			sameShape(x, x.DType(), out)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x := in[0]
			c := cols(x)
			switch x.DType() {
			case tensor.Float32:
				y := out[0].Float32s()
				for i, v := range x.Float32s() {
					if v == rf || (math.IsNaN(float64(v)) && math.IsNaN(float64(rf))) {
						v = bcast(vals, i%c, 0)
					}
					y[i] = v
				}
			case tensor.Int64:
				y := out[0].Int64s()
				for i, v := range x.Int64s() {
					if v == ri {
						if len(ivals) == 1 {
							v = ivals[0]
						} else {
							v = ivals[i%c]
						}
					}
					y[i] = v
				}
			}
			return nil
		},
	})
}

// ArrayFeatureExtractor: select entries of the last axis by index.
func bindArrayFeatureExtractor(n *ops.Node) (ops.Kernel, error) {
	// check validates the inputs and returns the indices and the length
	// of X's last axis.
	check := func(in []*tensor.Tensor) ([]int64, int, error) {
		x, idxT := in[0], in[1]
		if x == nil || idxT == nil || idxT.DType() != tensor.Int64 {
			return nil, 0, fmt.Errorf("ArrayFeatureExtractor needs X and int64 indices")
		}
		if x.Rank() == 0 {
			return nil, 0, fmt.Errorf("ArrayFeatureExtractor needs X of rank ≥ 1")
		}
		idx := idxT.Int64s()
		last := x.Shape()[x.Rank()-1]
		for _, i := range idx {
			if i < 0 || i >= int64(last) {
				return nil, 0, fmt.Errorf("index %d out of range [0, %d)", i, last)
			}
		}
		return idx, last, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			idx, _, err := check(in)
			if err != nil {
				return err
			}
			x := in[0]
			s := out[0].Shape[:0]
			if x.Rank() == 1 {
				s = append(s, 1)
			}
			s = append(s, x.Shape()...)
			s[len(s)-1] = len(idx)
			out[0].DType, out[0].Shape = x.DType(), s
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			idx, last, err := check(in)
			if err != nil {
				return err
			}
			x, y := in[0], out[0]
			outer := 1
			if last > 0 {
				outer = x.Len() / last
			}
			if x.DType() == tensor.String {
				src, dst := x.Strings(), y.Strings()
				for o := 0; o < outer; o++ {
					for k, i := range idx {
						dst[o*len(idx)+k] = src[o*last+int(i)]
					}
				}
				return nil
			}
			sz := x.DType().Size()
			src, dst := x.Bytes(), y.Bytes()
			for o := 0; o < outer; o++ {
				for k, i := range idx {
					copy(dst[(o*len(idx)+k)*sz:(o*len(idx)+k+1)*sz], src[(o*last+int(i))*sz:])
				}
			}
			return nil
		},
	})
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
	// shape checks x against the coefficients and returns its rows and
	// columns.
	shape := func(x *tensor.Tensor) (rows, cols int, err error) {
		if rows, cols, err = rowsCols(x); err != nil {
			return 0, 0, err
		}
		if cols*k != len(coef) {
			return 0, 0, fmt.Errorf("LinearRegressor: %d features, %d coefficients for %d targets", cols, len(coef), k)
		}
		return rows, cols, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			rows, _, err := shape(in[0])
			if err != nil {
				return err
			}
			out[0].DType = tensor.Float32
			out[0].Shape = append(out[0].Shape[:0], rows, k)
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			rows, cols, err := shape(in[0])
			if err != nil {
				return err
			}
			w := getWork()
			defer putWork(w)
			x, err := w.floats(in[0])
			if err != nil {
				return err
			}
			y := out[0].Float32s()
			s := grow(&w.s, k)
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
				writeScores(p, s, y[r*k:(r+1)*k], grow(&w.tmp, k))
			}
			return nil
		},
	})
}
