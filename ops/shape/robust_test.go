package shape

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// fuzzer makes random, mostly invalid, tensors and attributes.
type fuzzer struct{ rng *rand.Rand }

var fuzzDTypes = []tensor.DType{tensor.Float32, tensor.Int64, tensor.Int32, tensor.Bool, tensor.String, tensor.Float16, tensor.Uint8, tensor.Float64}

func (f fuzzer) tensor() *tensor.Tensor {
	rng := f.rng
	r := rng.Intn(5)
	s := make([]int, r)
	for i := range s {
		s[i] = rng.Intn(4)
	}
	dt := fuzzDTypes[rng.Intn(len(fuzzDTypes))]
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

func (f fuzzer) attrs() []*ir.Attribute {
	rng := f.rng
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
		as = append(as, &ir.Attribute{Name: "value", Type: ir.AttrTensor, T: f.tensor()})
	}
	return as
}

// inputs returns nin random inputs, some omitted.
func (f fuzzer) inputs(nin int) []*tensor.Tensor {
	in := make([]*tensor.Tensor, nin)
	for i := range in {
		if f.rng.Intn(8) != 0 {
			in[i] = f.tensor()
		}
	}
	return in
}

// TestNoPanics feeds every operator random, mostly invalid, inputs and
// attributes: each must return a result or an error, never panic.
func TestNoPanics(t *testing.T) {
	f := fuzzer{rand.New(rand.NewSource(1))}
	reg := ops.NewRegistry()
	reg.ClaimOpset("", 17)
	Register(reg)
	okCount := map[string]int{}
	defer func() { t.Log(okCount) }()
	for _, info := range reg.List() {
		for _, since := range info.Sinces {
			for it := 0; it < 1500; it++ {
				nin := 1 + f.rng.Intn(5)
				n := node(info.Op, since, nin, 1+f.rng.Intn(4), f.attrs()...)
				in := f.inputs(nin)
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

// TestPlannedWritesEveryElement runs each planned operator on random
// inputs into outputs full of garbage, as the planned executor does, and
// checks that the result matches the allocating kernel's, whose outputs
// start zeroed.
func TestPlannedWritesEveryElement(t *testing.T) {
	f := fuzzer{rand.New(rand.NewSource(2))}
	reg := ops.NewRegistry()
	reg.ClaimOpset("", 21)
	Register(reg)
	checked := 0
	for _, info := range reg.List() {
		for _, since := range info.Sinces {
			for it := 0; it < 1500; it++ {
				nin := 1 + f.rng.Intn(5)
				nout := 1
				switch info.Op {
				case "TopK":
					nout = 2
				case "Split":
					nout = 1 + f.rng.Intn(3)
				}
				n := node(info.Op, since, nin, nout, f.attrs()...)
				in := f.inputs(nin)
				impl, err := reg.Bind(n)
				if err != nil || impl.Planned == nil || impl.Planned.View {
					continue
				}
				want, err := impl.Tensor(in)
				if err != nil {
					continue
				}
				specs := make([]ops.OutSpec, nout)
				if err := impl.Planned.Infer(in, specs); err != nil {
					t.Fatalf("%s-%d: Infer failed after the kernel ran: %v", info.Op, since, err)
				}
				outs := make([]*tensor.Tensor, nout)
				for i, s := range specs {
					outs[i] = tensor.New(s.DType, s.Shape...)
					for j := range outs[i].Bytes() {
						outs[i].Bytes()[j] = 0x5A
					}
					for j := range outs[i].Strings() {
						outs[i].Strings()[j] = "garbage"
					}
				}
				if err := impl.Planned.Run(in, outs); err != nil {
					t.Fatalf("%s-%d: Run failed after the kernel ran: %v", info.Op, since, err)
				}
				for i := range outs {
					if !outs[i].Shape().Equal(want[i].Shape()) || string(outs[i].Bytes()) != string(want[i].Bytes()) ||
						fmt.Sprint(outs[i].Strings()) != fmt.Sprint(want[i].Strings()) {
						t.Fatalf("%s-%d output %d: planned run into garbage gave %v, kernel %v\nattrs %v\ninputs %v",
							info.Op, since, i, outs[i], want[i], attrString(n.Attrs), in)
					}
				}
				checked++
			}
		}
	}
	t.Logf("%d runs compared", checked)
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
