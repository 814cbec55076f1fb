package sklearn

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sinter-ml/sinter/formats/sklearn/pickle"
	"github.com/sinter-ml/sinter/ir/ensemble"
)

func TestRefusedGlobal(t *testing.T) {
	_, err := Load([]byte("\x80\x02cos\nsystem\n(S'ls'\ntR."))
	if err == nil || err.Error() != "sklearn: pickle refers to os.system, which is not allowed" {
		t.Fatalf("err = %v", err)
	}
	if !errors.Is(err, pickle.ErrRefused) {
		t.Errorf("not ErrRefused: %v", err)
	}
	// An allowed-looking module with a class outside the list.
	_, err = Load([]byte("\x80\x02csklearn.svm._classes\nSVC\n)\x81}b."))
	if err == nil || !strings.Contains(err.Error(), "sklearn.svm._classes.SVC") {
		t.Errorf("SVC: %v", err)
	}
}

func TestDetect(t *testing.T) {
	b := mustRead(t, "pipeline_scaler_logreg", "model.pkl")
	if !Detect(b) {
		t.Error("pickle not detected")
	}
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(b)
	w.Close()
	if !Detect(z.Bytes()) {
		t.Error("zlib joblib not detected")
	}
	if _, err := Load(z.Bytes()); err != nil {
		t.Errorf("zlib: %v", err)
	}
	for _, s := range []string{"", "x", "\x80", "\x80\x06", "{\"learner\":1}", "tree\nversion=v4"} {
		if Detect([]byte(s)) {
			t.Errorf("Detect(%q) = true", s)
		}
	}
}

// TestUnsupportedOutputs checks that impossible outputs are errors.
func TestUnsupportedOutputs(t *testing.T) {
	b := mustRead(t, "decision_tree_classifier", "model.pkl")
	if _, err := LoadWith(b, Options{Outputs: []Output{DecisionFunction}}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("decision function of a tree: %v", err)
	}
	if _, err := LoadWith(b, Options{Outputs: []Output{Predict, Predict}}); err == nil {
		t.Error("duplicate output accepted")
	}
	m, err := LoadWith(b, Options{Outputs: []Output{Leaves, Predict}, Names: []string{"l"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Graph.Outputs[0].Name != "l" || m.Graph.Outputs[1].Name != "label" {
		t.Errorf("outputs %s, %s", m.Graph.Outputs[0].Name, m.Graph.Outputs[1].Name)
	}
}

// TestStructure checks the converted ensembles' shape against the pickles.
func TestStructure(t *testing.T) {
	for _, c := range []struct {
		dir     string
		trees   int
		targets int
		agg     ensemble.Aggregate
		prec    ensemble.Precision
		post    ensemble.Post
	}{
		{"decision_tree_classifier", 1, 3, ensemble.Sum, ensemble.Float32Input, ensemble.None},
		{"random_forest_classifier_str", 12, 3, ensemble.Average, ensemble.Float32Input, ensemble.None},
		{"gradient_boosting_classifier_binary", 100, 1, ensemble.Sum, ensemble.Float32Input, ensemble.Logistic},
		{"gradient_boosting_classifier_multiclass", 45, 3, ensemble.Sum, ensemble.Float32Input, ensemble.Softmax},
		{"hist_gradient_boosting_classifier_nan", 100, 1, ensemble.Sum, ensemble.Float64, ensemble.Logistic},
		{"hist_gradient_boosting_regressor_poisson", 20, 1, ensemble.Sum, ensemble.Float64, ensemble.Exp},
		{"isolation_forest", 30, 1, ensemble.Sum, ensemble.Float32Input, ensemble.None},
	} {
		v, err := Unpickle(mustRead(t, c.dir, "model.pkl"), Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		m, err := convertEstimator(v, 0, &budget{left: defaultBudget})
		if err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		e := m.ens
		if len(e.Trees) != c.trees || e.NumTargets != c.targets || e.Aggregate != c.agg || e.Precision != c.prec || e.Post != c.post {
			t.Errorf("%s: %d trees, %d targets, aggregate %d, precision %d, post %v", c.dir, len(e.Trees), e.NumTargets, e.Aggregate, e.Precision, e.Post)
		}
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", c.dir, err)
		}
	}
}

func mustRead(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := readFixture(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTruncated loads every prefix of small pickles: errors, never panics.
func TestTruncated(t *testing.T) {
	for _, f := range [][2]string{{"pipeline_scaler_logreg", "model.pkl"}, {"pipeline_scaler_logreg", "model.joblib"},
		{"logistic_regression_multinomial", "model_p2.pkl"}} {
		b := mustRead(t, f[0], f[1])
		for n := 0; n < len(b); n++ {
			if _, err := Load(b[:n]); err == nil {
				t.Fatalf("%s/%s truncated to %d bytes loads", f[0], f[1], n)
			}
		}
	}
}

// TestMutated flips bytes of real pickles at random: Load must not panic.
func TestMutated(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, f := range [][2]string{{"pipeline_scaler_logreg", "model.pkl"}, {"decision_tree_classifier", "model.joblib"},
		{"hist_gradient_boosting_classifier_categorical", "model.pkl"}, {"decision_tree_regressor", "model_p2.pkl"}, {"random_forest_classifier_str", "model_zlib.joblib"}} {
		b := mustRead(t, f[0], f[1])
		for it := 0; it < 300; it++ {
			c := bytes.Clone(b)
			for k := 0; k < 1+rng.IntN(4); k++ {
				c[rng.IntN(len(c))] = byte(rng.IntN(256))
			}
			Load(c)
		}
	}
}

func FuzzLoad(f *testing.F) {
	for _, s := range [][2]string{{"pipeline_scaler_logreg", "model.pkl"}, {"pipeline_scaler_logreg", "model_p2.pkl"},
		{"logistic_regression_multinomial", "model.joblib"}} {
		b, err := readFixture(s[0], s[1])
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("\x80\x02cos\nsystem\n(S'ls'\ntR."))
	f.Fuzz(func(t *testing.T, b []byte) {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				panic(fmt.Sprintf("Load of %d bytes takes more than 3 s", len(b)))
			}
		}()
		m, err := LoadWith(b, Options{MaxDecompressed: 1 << 24, Limits: pickle.Limits{MaxMemo: 1 << 16, MaxStack: 1 << 18}})
		if err == nil && (m == nil || m.Graph == nil || len(m.Graph.Outputs) == 0) {
			t.Fatal("nil model without error")
		}
	})
}
