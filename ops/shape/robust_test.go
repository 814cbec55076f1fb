package shape

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// TestNoPanics feeds every operator random, mostly invalid, inputs and
// attributes: each must return a result or an error, never panic.
func TestNoPanics(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	reg := ops.NewRegistry()
	reg.ClaimOpset("", 17)
	Register(reg)
	dtypes := []tensor.DType{tensor.Float32, tensor.Int64, tensor.Int32, tensor.Bool, tensor.String, tensor.Float16, tensor.Uint8, tensor.Float64}
	randTensor := func() *tensor.Tensor {
		r := rng.Intn(5)
		s := make([]int, r)
		for i := range s {
			s[i] = rng.Intn(4)
		}
		dt := dtypes[rng.Intn(len(dtypes))]
		if rng.Intn(2) == 0 {
			dt = tensor.Int64
		}
		x := tensor.New(dt, s...)
		switch dt {
		case tensor.Int64:
			for i := range x.Int64s() {
				x.Int64s()[i] = int64(rng.Intn(11) - 5)
				if rng.Intn(50) == 0 {
					x.Int64s()[i] = 1 << 62
				}
			}
		case tensor.Int32:
			for i := range x.Int32s() {
				x.Int32s()[i] = int32(rng.Intn(11) - 5)
			}
		case tensor.Float32:
			for i := range x.Float32s() {
				x.Float32s()[i] = float32(rng.Intn(11) - 5)
			}
		case tensor.Bool:
			for i := range x.Bools() {
				x.Bools()[i] = rng.Intn(2) == 0
			}
		case tensor.String:
			for i := range x.Strings() {
				x.Strings()[i] = fmt.Sprint(rng.Intn(3))
			}
		}
		return x
	}
	randAttrs := func() []*ir.Attribute {
		var as []*ir.Attribute
		for _, name := range []string{"axis", "k", "blocksize", "batch_dims", "exclusive", "reverse", "largest", "sorted", "upper", "time_axis", "batch_axis", "allowzero", "start", "end", "dtype"} {
			if rng.Intn(3) == 0 {
				as = append(as, aInt(name, int64(rng.Intn(9)-4)))
			}
		}
		for _, name := range []string{"axes", "perm", "pads", "split", "starts", "ends", "shape", "paddings"} {
			if rng.Intn(3) == 0 {
				v := make([]int64, rng.Intn(5))
				for i := range v {
					v[i] = int64(rng.Intn(9) - 4)
				}
				as = append(as, aInts(name, v...))
			}
		}
		if rng.Intn(3) == 0 {
			modes := []string{"constant", "reflect", "edge", "DCR", "CRD", "add", "mul", "max", "min", "none"}
			as = append(as, aStr("mode", modes[rng.Intn(len(modes))]))
			as = append(as, aStr("reduction", modes[rng.Intn(len(modes))]))
		}
		if rng.Intn(4) == 0 {
			as = append(as, &ir.Attribute{Name: "value", Type: ir.AttrTensor, T: randTensor()})
		}
		return as
	}
	okCount := map[string]int{}
	defer func() { t.Log(okCount) }()
	for _, info := range reg.List() {
		for _, since := range info.Sinces {
			for it := 0; it < 1500; it++ {
				nin := 1 + rng.Intn(5)
				n := node(info.Op, since, nin, 1+rng.Intn(4), randAttrs()...)
				in := make([]*tensor.Tensor, nin)
				for i := range in {
					if rng.Intn(8) != 0 {
						in[i] = randTensor()
					}
				}
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Fatalf("%s-%d panicked: %v\nattrs %v\ninputs %v", info.Op, since, p, attrString(n.Attrs), in)
						}
					}()
					impl, err := reg.Bind(n)
					if err != nil {
						return
					}
					outs, err := impl.Tensor(in)
					if err == nil {
						okCount[info.Op]++
					}
					if err == nil && len(outs) == 0 {
						t.Fatalf("%s-%d: no outputs", info.Op, since)
					}
				}()
			}
		}
	}
}

func attrString(as []*ir.Attribute) string {
	s := ""
	for _, a := range as {
		switch a.Type {
		case ir.AttrInt:
			s += fmt.Sprintf("%s=%d ", a.Name, a.I)
		case ir.AttrInts:
			s += fmt.Sprintf("%s=%v ", a.Name, a.Ints)
		case ir.AttrString:
			s += fmt.Sprintf("%s=%s ", a.Name, a.S)
		case ir.AttrTensor:
			s += fmt.Sprintf("%s=%v ", a.Name, a.T)
		}
	}
	return s
}
