package text

import (
	"testing"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bind(t *testing.T, op string, opset int64, attrs ...*ir.Attribute) ops.Kernel {
	t.Helper()
	r := ops.NewRegistry()
	r.ClaimOpset("", 17)
	Register(r)
	impl, err := r.Bind(&ops.Node{Node: &ir.Node{OpType: op, Attrs: attrs}, Opset: opset})
	if err != nil {
		t.Fatal(err)
	}
	return impl.Tensor
}

func strs(name string, v ...string) *ir.Attribute {
	a := &ir.Attribute{Name: name, Type: ir.AttrStrings}
	for _, s := range v {
		a.Strings = append(a.Strings, []byte(s))
	}
	return a
}

func TestStringNormalizer(t *testing.T) {
	k := bind(t, "StringNormalizer", 10,
		&ir.Attribute{Name: "case_change_action", Type: ir.AttrString, S: []byte("UPPER")},
		strs("stopwords", "monday"))
	out, err := k([]*tensor.Tensor{tensor.FromStrings([]string{"Monday", "tuesday", "monday"}, 1, 3)})
	if err != nil {
		t.Fatal(err)
	}
	y := out[0]
	if !y.Shape().Equal(tensor.Shape{1, 1}) || y.Strings()[0] != "TUESDAY" {
		t.Fatalf("got %v %v", y.Shape(), y.Strings())
	}
	// Everything removed: a single empty string.
	out, err = k([]*tensor.Tensor{tensor.FromStrings([]string{"monday"}, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if !out[0].Shape().Equal(tensor.Shape{1}) || out[0].Strings()[0] != "" {
		t.Fatalf("got %v %q", out[0].Shape(), out[0].Strings())
	}
}

func TestTfIdfBigramsWithSkip(t *testing.T) {
	// Pool: unigrams {1, 2}, bigram (1, 2). Row [1, 3, 2, 1, 2]:
	// unigram 1 twice, 2 twice; bigram (1,2) adjacent once, with skip 1 once more.
	k := bind(t, "TfIdfVectorizer", 9,
		&ir.Attribute{Name: "mode", Type: ir.AttrString, S: []byte("TF")},
		&ir.Attribute{Name: "min_gram_length", Type: ir.AttrInt, I: 1},
		&ir.Attribute{Name: "max_gram_length", Type: ir.AttrInt, I: 2},
		&ir.Attribute{Name: "max_skip_count", Type: ir.AttrInt, I: 1},
		&ir.Attribute{Name: "ngram_counts", Type: ir.AttrInts, Ints: []int64{0, 2}},
		&ir.Attribute{Name: "ngram_indexes", Type: ir.AttrInts, Ints: []int64{0, 1, 2}},
		&ir.Attribute{Name: "pool_int64s", Type: ir.AttrInts, Ints: []int64{1, 2, 1, 2}},
	)
	out, err := k([]*tensor.Tensor{tensor.From([]int32{1, 3, 2, 1, 2})})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{2, 2, 2}
	got := out[0].Float32s()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v want %v", got, want)
		}
	}
}
