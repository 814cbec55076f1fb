package shape

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
)

type jt struct {
	Dtype string    `json:"dtype"`
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (j *jt) tensor() *tensor.Tensor {
	n := len(j.Data)
	switch j.Dtype {
	case "float32":
		v := make([]float32, n)
		for i, d := range j.Data {
			v[i] = float32(d)
		}
		return tensor.From(v, j.Shape...)
	case "float64":
		return tensor.From(append([]float64{}, j.Data...), j.Shape...)
	case "int64":
		v := make([]int64, n)
		for i, d := range j.Data {
			v[i] = int64(d)
		}
		return tensor.From(v, j.Shape...)
	case "int32":
		v := make([]int32, n)
		for i, d := range j.Data {
			v[i] = int32(d)
		}
		return tensor.From(v, j.Shape...)
	case "int16":
		v := make([]int16, n)
		for i, d := range j.Data {
			v[i] = int16(d)
		}
		return tensor.From(v, j.Shape...)
	}
	panic(j.Dtype)
}

func fixShape(t *tensor.Tensor, s []int) *tensor.Tensor {
	v, err := t.Reshape(s...)
	if err != nil {
		panic(err)
	}
	return v
}

// TestNumpyCases runs the cases of testdata/numpy_cases.json, whose
// expected outputs were computed with numpy by testdata/gen_numpy_cases.py.
func TestNumpyCases(t *testing.T) {
	b, err := os.ReadFile("testdata/numpy_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Op      string         `json:"op"`
		Opset   int64          `json:"opset"`
		Attrs   map[string]any `json:"attrs"`
		Inputs  []*jt          `json:"inputs"`
		Outputs []*jt          `json:"outputs"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	fails := 0
	for ci, c := range cases {
		var attrs []*ir.Attribute
		for k, v := range c.Attrs {
			switch v := v.(type) {
			case float64:
				attrs = append(attrs, aInt(k, int64(v)))
			case string:
				attrs = append(attrs, aStr(k, v))
			case []any:
				var iv []int64
				for _, x := range v {
					iv = append(iv, int64(x.(float64)))
				}
				attrs = append(attrs, aInts(k, iv...))
			}
		}
		var in []*tensor.Tensor
		for _, j := range c.Inputs {
			// int64 precision: json floats lose INT64 extremes; fix them
			x := fixShape(j.tensor(), j.Shape)
			if j.Dtype == "int64" {
				for i, d := range j.Data {
					if d >= 9.2e18 {
						x.Int64s()[i] = 1<<63 - 1
					}
					if d <= -9.2e18 {
						x.Int64s()[i] = -1 << 63
					}
				}
			}
			in = append(in, x)
		}
		n := node(c.Op, c.Opset, len(in), len(c.Outputs), attrs...)
		err := runErr(n, in...)
		if err != nil {
			fails++
			t.Errorf("case %d %s %v: %v", ci, c.Op, c.Attrs, err)
			continue
		}
		outs := run(t, n, in...)
		for k, want := range c.Outputs {
			w := fixShape(want.tensor(), want.Shape)
			g := outs[k]
			gf, _ := tensor.ToFloat64(g)
			wf, _ := tensor.ToFloat64(w)
			if !g.Shape().Equal(w.Shape()) || !reflect.DeepEqual(fmt.Sprint(gf), fmt.Sprint(wf)) {
				fails++
				t.Errorf("case %d %s %v out %d: got %v %v want %v %v (inputs %v)", ci, c.Op, c.Attrs, k, g.Shape(), gf, w.Shape(), wf, c.Inputs[1:])
			}
		}
		if fails > 15 {
			t.FailNow()
		}
	}
}
