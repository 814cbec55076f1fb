package xgboost

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sinter-ml/sinter/ir/ensemble"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

// fixtureRoot holds the cases made by testdata/xgboost/gen.py and, under
// shared/, copies of the shared fixtures (see their README).
const fixtureRoot = "../../testdata/xgboost"

// fixture is one case directory with its inputs and XGBoost's outputs.
type fixture struct {
	name, dir string
	x         *tensor.Tensor // [N, F] float32
	pred      *tensor.Tensor // float32
	margin    *tensor.Tensor // float32
	leaf      *tensor.Tensor // int32 [N, trees], or nil
}

func fixtures(t *testing.T) []*fixture {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(fixtureRoot, "*", "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	shared, _ := filepath.Glob(filepath.Join(fixtureRoot, "shared", "*", "model.json"))
	dirs = append(dirs, shared...)
	if len(dirs) < 20 {
		t.Fatalf("only %d fixtures under %s", len(dirs), fixtureRoot)
	}
	return loadFixtures(t, fixtureRoot, dirs)
}

func loadFixtures(t *testing.T, root string, dirs []string) []*fixture {
	t.Helper()
	var out []*fixture
	for _, m := range dirs {
		d := filepath.Dir(m)
		rel, _ := filepath.Rel(root, d)
		f := &fixture{name: rel, dir: d}
		f.x = readNpy(t, filepath.Join(d, "input.npy"))
		f.pred = readNpy(t, filepath.Join(d, "expected.npy"))
		f.margin = readNpy(t, filepath.Join(d, "expected_margin.npy"))
		if _, err := os.Stat(filepath.Join(d, "expected_leaf.npy")); err == nil {
			f.leaf = readNpy(t, filepath.Join(d, "expected_leaf.npy"))
		}
		out = append(out, f)
	}
	return out
}

func readNpy(t *testing.T, name string) *tensor.Tensor {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	x, err := npy.Decode(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return x
}

// modelFiles lists the encodings of a fixture's model present on disk.
func (f *fixture) modelFiles() []string {
	var out []string
	for _, n := range []string{"model.json", "model.ubj", "model.bin", "model_headerless.bin", "model_v31style.json"} {
		if _, err := os.Stat(filepath.Join(f.dir, n)); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func (f *fixture) decode(t *testing.T, file string) *Model {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.dir, file))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(b)
	if err != nil {
		t.Fatalf("%s/%s: %v", f.name, file, err)
	}
	return m
}

func TestDetect(t *testing.T) {
	for _, f := range fixtures(t) {
		for _, file := range f.modelFiles() {
			b, err := os.ReadFile(filepath.Join(f.dir, file))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]Format{".json": FormatJSON, ".ubj": FormatUBJSON, ".bin": FormatBinary}[filepath.Ext(file)]
			if got, ok := Detect(b); !ok || got != want {
				t.Errorf("%s/%s: Detect = %v, %v; want %v", f.name, file, got, ok, want)
			}
		}
	}
	for _, b := range []string{"", "{", "[]", "hello", "binf"[:3], " {x"} {
		if got, ok := Detect([]byte(b)); ok {
			t.Errorf("Detect(%q) = %v, true", b, got)
		}
	}
}

// TestFormatsAgree decodes every encoding of each model and checks they
// give identical ensembles (the binary format lacks categorical splits,
// feature types and per-node extras, which do not change the ensemble).
func TestFormatsAgree(t *testing.T) {
	for _, f := range fixtures(t) {
		files := f.modelFiles()
		var ref *ensemble.Ensemble
		var refModel *Model
		for _, file := range files {
			m := f.decode(t, file)
			if refModel == nil {
				refModel = m
			} else if d := sameModel(refModel, m); d != "" {
				t.Errorf("%s: %s and %s differ in %s", f.name, files[0], file, d)
			}
			e, err := m.Ensemble()
			if err != nil {
				t.Fatalf("%s/%s: %v", f.name, file, err)
			}
			if ref == nil {
				ref = e
				continue
			}
			if !reflect.DeepEqual(ref, e) {
				t.Errorf("%s: %s decodes to a different ensemble than %s", f.name, file, files[0])
			}
		}
		if len(files) < 2 {
			t.Errorf("%s: only %v", f.name, files)
		}
	}
}

// sameModel compares what every encoding carries (the binary format has
// no feature types, categories, split types or patch version).
func sameModel(a, b *Model) string {
	switch {
	case a.Objective != b.Objective:
		return "objective"
	case !slices.Equal(a.BaseScore, b.BaseScore):
		return "base_score"
	case a.NumFeature != b.NumFeature || a.NumClass != b.NumClass || a.NumTarget != b.NumTarget:
		return "learner parameters"
	case a.Version[0] != b.Version[0] || a.Version[1] != b.Version[1]:
		return "version"
	case a.Booster != b.Booster || a.NumParallelTree != b.NumParallelTree:
		return "booster"
	case !slices.Equal(a.TreeInfo, b.TreeInfo) || !slices.Equal(a.WeightDrop, b.WeightDrop) || !slices.Equal(a.LinearWeights, b.LinearWeights):
		return "booster arrays"
	case len(a.Trees) != len(b.Trees):
		return "tree count"
	}
	for i, ta := range a.Trees {
		tb := b.Trees[i]
		same := slices.Equal(ta.LeftChildren, tb.LeftChildren) && slices.Equal(ta.RightChildren, tb.RightChildren) &&
			slices.Equal(ta.Parents, tb.Parents) && slices.Equal(ta.SplitIndices, tb.SplitIndices) &&
			slices.Equal(ta.DefaultLeft, tb.DefaultLeft) && slices.Equal(ta.BaseWeights, tb.BaseWeights) &&
			slices.Equal(ta.LossChanges, tb.LossChanges) && slices.Equal(ta.SumHessian, tb.SumHessian) &&
			ta.NumFeature == tb.NumFeature
		for j := range ta.SplitConditions {
			x, y := ta.SplitConditions[j], tb.SplitConditions[j]
			same = same && (x == y || (x != x && y != y))
		}
		if !same {
			return fmt.Sprintf("tree %d", i)
		}
	}
	return ""
}

// dumpNode is one node of XGBoost's get_dump(dump_format="json").
type dumpNode struct {
	NodeID    int             `json:"nodeid"`
	Split     string          `json:"split"`
	Condition json.RawMessage `json:"split_condition"`
	Yes       int             `json:"yes"`
	No        int             `json:"no"`
	Missing   int             `json:"missing"`
	Leaf      *json.Number    `json:"leaf"`
	Children  []dumpNode      `json:"children"`
}

// TestTreesMatchDump compares decoded trees, node by node, with XGBoost's
// own dump of the same model: features, float32 thresholds, category sets,
// children, default directions and leaf values.
func TestTreesMatchDump(t *testing.T) {
	checked := 0
	for _, f := range fixtures(t) {
		b, err := os.ReadFile(filepath.Join(f.dir, "dump.json"))
		if err != nil {
			continue
		}
		var dump []dumpNode
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.UseNumber()
		if err := dec.Decode(&dump); err != nil {
			t.Fatalf("%s: dump: %v", f.name, err)
		}
		for _, file := range f.modelFiles() {
			m := f.decode(t, file)
			if len(m.Trees) != len(dump) {
				t.Fatalf("%s/%s: %d trees, dump has %d", f.name, file, len(m.Trees), len(dump))
			}
			for i, tr := range m.Trees {
				n, err := compareDump(tr, &dump[i])
				if err != nil {
					t.Fatalf("%s/%s: tree %d: %v", f.name, file, i, err)
				}
				if err == nil && n == 0 {
					t.Fatalf("%s/%s: tree %d: nothing compared", f.name, file, i)
				}
				checked += n
			}
		}
	}
	t.Logf("%d nodes match XGBoost's dumps", checked)
}

func compareDump(t *Tree, d *dumpNode) (int, error) {
	i := d.NodeID
	if i < 0 || i >= t.NumNodes() {
		return 0, fmt.Errorf("dump node %d out of range", i)
	}
	if d.Leaf != nil {
		if !t.IsLeaf(i) {
			return 0, fmt.Errorf("node %d: dump has a leaf", i)
		}
		want, err := strconv.ParseFloat(d.Leaf.String(), 32)
		if err != nil {
			return 0, err
		}
		if got := t.LeafValue(i)[0]; got != float32(want) {
			return 0, fmt.Errorf("leaf %d: %v, dump %v", i, got, want)
		}
		return 1, nil
	}
	if t.IsLeaf(i) {
		return 0, fmt.Errorf("node %d: a leaf, dump has a split", i)
	}
	if want := "f" + strconv.Itoa(int(t.SplitIndices[i])); d.Split != want {
		return 0, fmt.Errorf("node %d: feature %s, dump %s", i, want, d.Split)
	}
	l, r := int(t.LeftChildren[i]), int(t.RightChildren[i])
	def := r
	if t.DefaultLeft[i] {
		def = l
	}
	if d.Missing != def {
		return 0, fmt.Errorf("node %d: default child %d, dump %d", i, def, d.Missing)
	}
	if t.IsCategorical(i) {
		var cats []int32
		if err := json.Unmarshal(d.Condition, &cats); err != nil {
			return 0, fmt.Errorf("node %d: categorical, dump condition %s", i, d.Condition)
		}
		got := slices.Clone(t.NodeCategories(i))
		sort.Slice(got, func(a, b int) bool { return got[a] < got[b] })
		if !slices.Equal(got, cats) {
			return 0, fmt.Errorf("node %d: categories %v, dump %v", i, got, cats)
		}
		// In the dump "yes" is the branch of the listed categories: right.
		if d.Yes != r || d.No != l {
			return 0, fmt.Errorf("node %d: children %d/%d, dump yes %d no %d", i, l, r, d.Yes, d.No)
		}
	} else {
		want, err := strconv.ParseFloat(string(d.Condition), 32)
		if err != nil {
			return 0, fmt.Errorf("node %d: numeric, dump condition %s", i, d.Condition)
		}
		if t.SplitConditions[i] != float32(want) {
			return 0, fmt.Errorf("node %d: threshold %v, dump %v", i, t.SplitConditions[i], want)
		}
		if d.Yes != l || d.No != r {
			return 0, fmt.Errorf("node %d: children %d/%d, dump yes %d no %d", i, l, r, d.Yes, d.No)
		}
	}
	if len(d.Children) != 2 {
		return 0, fmt.Errorf("node %d: dump has %d children", i, len(d.Children))
	}
	total := 1
	for k := range d.Children {
		n, err := compareDump(t, &d.Children[k])
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// agreement accumulates the worst differences seen against XGBoost.
type agreement struct {
	rows, values        int
	maxRelMargin        float64
	maxRelPred          float64
	leafRows, leafWrong int
	classRows, classBad int
}

func (a *agreement) add(b agreement) {
	a.rows += b.rows
	a.values += b.values
	a.leafRows += b.leafRows
	a.leafWrong += b.leafWrong
	a.classRows += b.classRows
	a.classBad += b.classBad
	a.maxRelMargin = math.Max(a.maxRelMargin, b.maxRelMargin)
	a.maxRelPred = math.Max(a.maxRelPred, b.maxRelPred)
}

func (a agreement) String() string {
	return fmt.Sprintf("rows %d, values %d, max rel margin err %.3g, max rel pred err %.3g, leaf rows %d (wrong %d), class rows %d (wrong %d)",
		a.rows, a.values, a.maxRelMargin, a.maxRelPred, a.leafRows, a.leafWrong, a.classRows, a.classBad)
}

func relErr(got, want float64) float64 {
	if math.IsNaN(want) || math.IsNaN(got) {
		if math.IsNaN(want) && math.IsNaN(got) {
			return 0
		}
		return math.Inf(1)
	}
	d := math.Abs(got - want)
	if d == 0 {
		return 0
	}
	return d / math.Max(math.Abs(want), 1e-3)
}

// marginTol and predTol are the relative tolerances (against max(|want|,
// 1e-3)) for margins and transformed predictions.
const (
	marginTol = 1e-6
	predTol   = 1e-6
)

// TestReferenceAgreesWithXGBoost scores every fixture row with the
// ensemble's reference evaluator and compares with XGBoost's predict(),
// predict(output_margin=True) and predict(pred_leaf=True).
func TestReferenceAgreesWithXGBoost(t *testing.T) {
	var total agreement
	for _, f := range fixtures(t) {
		for _, file := range f.modelFiles() {
			m := f.decode(t, file)
			e, err := m.Ensemble()
			if err != nil {
				t.Fatalf("%s/%s: %v", f.name, file, err)
			}
			total.add(compareReference(t, f, file, m, e))
		}
	}
	t.Logf("%s", total)
}

func compareReference(t *testing.T, f *fixture, file string, m *Model, e *ensemble.Ensemble) agreement {
	t.Helper()
	var a agreement
	x := f.x.Float32s()
	nf := m.NumFeature
	if f.x.Rank() != 2 || f.x.Shape()[1] != nf {
		t.Fatalf("%s: input shape %v for %d features", f.name, f.x.Shape(), nf)
	}
	n := f.x.Shape()[0]
	k := e.NumTargets
	wantMargin := f.margin.Float32s()
	wantPred := f.pred.Float32s()
	argmax := e.Classes != nil
	if len(wantMargin) != n*k || (!argmax && len(wantPred) != n*k) || (argmax && len(wantPred) != n) {
		t.Fatalf("%s: expected sizes %d/%d for %d rows × %d", f.name, len(wantMargin), len(wantPred), n, k)
	}
	var wantLeaf []int32
	if f.leaf != nil {
		wantLeaf = f.leaf.Int32s()
		if len(wantLeaf) != n*len(e.Trees) {
			t.Fatalf("%s: %d leaf ids for %d rows × %d trees", f.name, len(wantLeaf), n, len(e.Trees))
		}
	}
	row := make([]float64, nf)
	margin := make([]float64, k)
	pred := make([]float64, k)
	leaves := make([]int64, len(e.Trees))
	probs := make([]float64, e.NumClasses())
	for r := 0; r < n; r++ {
		for j := range row {
			row[j] = float64(x[r*nf+j])
		}
		e.Eval(row, margin, pred, leaves)
		a.rows++
		for j := 0; j < k; j++ {
			a.values++
			if d := relErr(margin[j], float64(wantMargin[r*k+j])); d > a.maxRelMargin {
				a.maxRelMargin = d
			}
			if d := relErr(margin[j], float64(wantMargin[r*k+j])); d > marginTol {
				t.Errorf("%s/%s row %d: margin[%d] %v, XGBoost %v", f.name, file, r, j, margin[j], wantMargin[r*k+j])
			}
			if !argmax {
				if d := relErr(pred[j], float64(wantPred[r*k+j])); d > a.maxRelPred {
					a.maxRelPred = d
				}
				if d := relErr(pred[j], float64(wantPred[r*k+j])); d > predTol {
					t.Errorf("%s/%s row %d: prediction[%d] %v, XGBoost %v", f.name, file, r, j, pred[j], wantPred[r*k+j])
				}
			}
		}
		if argmax {
			a.classRows++
			if c := e.Probabilities(pred, probs); float32(c) != wantPred[r] {
				a.classBad++
				t.Errorf("%s/%s row %d: class %d, XGBoost %v", f.name, file, r, c, wantPred[r])
			}
		}
		if wantLeaf != nil {
			a.leafRows++
			for ti, id := range leaves {
				if int32(id) != wantLeaf[r*len(e.Trees)+ti] {
					a.leafWrong++
					t.Errorf("%s/%s row %d tree %d: leaf %d, XGBoost %d", f.name, file, r, ti, id, wantLeaf[r*len(e.Trees)+ti])
					break
				}
			}
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	return a
}
