package runtime

import (
	"fmt"
	"math"
	"time"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

// ValidationReport is what Validate found.
type ValidationReport struct {
	OK        bool
	ModelType ModelType
	Inputs    []TensorReport
	Outputs   []TensorReport
	// Duration is the synthetic run's wall time.
	Duration time.Duration
	// Err is why OK is false.
	Err error
}

// TensorReport describes one input fed or output produced by Validate.
type TensorReport struct {
	Name  string
	DType tensor.DType
	Shape tensor.Shape
	// Finite is false when a float output holds NaN or ±Inf (NaNs and
	// Infs count them). Always true for inputs and non-float outputs.
	Finite     bool
	NaNs, Infs int
}

// Validate runs the loaded model once on synthetic inputs built from its
// declared input types (symbolic dims take 1, values are small and
// deterministic) and reports each output's shape, finiteness and the run's
// time. It bypasses the queue, limits and metrics.
func (e *Engine) Validate() ValidationReport {
	m := e.acquire()
	if m == nil {
		return ValidationReport{Err: ErrNoModel}
	}
	defer m.release()
	rep := ValidationReport{ModelType: m.typ}
	var ins []*tensor.Tensor
	for _, in := range m.sess.Inputs() {
		t, err := synthetic(in)
		if err != nil {
			rep.Err = err
			return rep
		}
		ins = append(ins, t)
		rep.Inputs = append(rep.Inputs, TensorReport{Name: in.Name, DType: t.DType(), Shape: t.Shape(), Finite: true})
	}
	t0 := time.Now()
	outs, err := m.sess.Run(ins)
	rep.Duration = time.Since(t0)
	if err != nil {
		rep.Err = err
		return rep
	}
	rep.OK = true
	for i, y := range outs {
		tr := TensorReport{Name: m.names[i], DType: y.DType(), Shape: y.Shape(), Finite: true}
		if y.DType() == tensor.Float32 || y.DType() == tensor.Float64 || y.DType() == tensor.Float16 || y.DType() == tensor.BFloat16 {
			vals, _ := tensor.ToFloat64(y)
			for _, v := range vals {
				switch {
				case math.IsNaN(v):
					tr.NaNs++
				case math.IsInf(v, 0):
					tr.Infs++
				}
			}
			tr.Finite = tr.NaNs == 0 && tr.Infs == 0
		}
		if !tr.Finite && rep.Err == nil {
			rep.OK = false
			rep.Err = fmt.Errorf("runtime: output %q has %d NaN and %d Inf values on synthetic input", tr.Name, tr.NaNs, tr.Infs)
		}
		rep.Outputs = append(rep.Outputs, tr)
	}
	return rep
}

// synthetic builds a deterministic input of the declared type.
func synthetic(in *ir.ValueInfo) (*tensor.Tensor, error) {
	ty := in.Type
	if ty == nil || ty.Kind != ir.KindTensor || ty.Elem == tensor.Undefined {
		return nil, fmt.Errorf("runtime: input %q has no declared tensor type to synthesise", in.Name)
	}
	shape := []int{1}
	if ty.HasShape {
		shape = shape[:0]
		for _, d := range ty.Shape {
			v := 1
			if d.Known {
				v = int(d.Value)
			}
			shape = append(shape, v)
		}
	}
	if err := tensor.Shape(shape).Check(); err != nil {
		return nil, err
	}
	t := tensor.New(ty.Elem, shape...)
	n := t.Len()
	// A fixed linear congruential sequence in [-1, 1).
	x := uint32(12345)
	next := func() float64 {
		x = x*1664525 + 1013904223
		return float64(x>>8)/float64(1<<23) - 1
	}
	switch ty.Elem {
	case tensor.Float32:
		for i := range t.Float32s() {
			t.Float32s()[i] = float32(next())
		}
	case tensor.Float64:
		for i := range t.Float64s() {
			t.Float64s()[i] = next()
		}
	case tensor.Int64:
		for i := range t.Int64s() {
			t.Int64s()[i] = int64(i % 2)
		}
	case tensor.Int32:
		for i := range t.Int32s() {
			t.Int32s()[i] = int32(i % 2)
		}
	case tensor.Bool:
		for i := range t.Bools() {
			t.Bools()[i] = i%2 == 1
		}
	case tensor.String:
		for i := 0; i < n; i++ {
			t.Strings()[i] = "a"
		}
	}
	return t, nil
}
