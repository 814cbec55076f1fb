package conformance_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/internal/conformance"
	"github.com/sinter-ml/sinter/ops/all"
)

var update = flag.Bool("update", false, "rewrite the expectations file from this run")

const (
	expectFile = "../../testdata/conformance/expected.txt"
	readmeFile = "../../README.md"
)

// checkReadme holds the README's conformance table to this run (or rewrites
// it under -update), so the tally users read is the one the suite measures.
func checkReadme(t *testing.T, table string) {
	t.Helper()
	b, err := os.ReadFile(readmeFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, ok := conformance.ReplaceBlock(string(b), "conformance", table)
	if !ok {
		t.Fatalf("%s has no <!-- tally:conformance --> block", readmeFile)
	}
	if doc == string(b) {
		return
	}
	if *update {
		if err := os.WriteFile(readmeFile, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the conformance table in %s is stale; run with -update. This run:\n%s", readmeFile, table)
}

// TestConformance runs every ONNX backend case and holds the outcomes to the
// committed expectations: a case that passes where a failure is recorded, or
// fails where a pass is, fails the test — so the file stays true and only
// improves on purpose.
func TestConformance(t *testing.T) {
	root := conformance.Root()
	if _, err := os.Stat(filepath.Join(root, "node")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ONNX backend test data not found at %s (install libonnx-testdata or set ONNX_TESTDATA)", root)
		}
		t.Skipf("SKIPPING the ONNX conformance suite: no test data at %s (apt-get install libonnx-testdata, or set ONNX_TESTDATA)", root)
	}
	cases, err := conformance.Cases(root)
	if err != nil {
		t.Fatal(err)
	}
	reg := all.Registry()
	got := map[string]conformance.Outcome{}
	for _, c := range cases {
		// The optimised program is what users run; the unoptimised one is
		// the reference. Both must meet the same expectation.
		err := conformance.RunCase(c, reg, time.Minute)
		errRef := conformance.RunCase(c, reg, time.Minute, compiler.WithOptimization(false))
		if (err == nil) != (errRef == nil) {
			t.Errorf("%s: optimised and unoptimised programs disagree: %v / %v", c.ID(), err, errRef)
		}
		if err != nil {
			got[c.ID()] = conformance.Outcome{Reason: conformance.ReasonOf(err)}
		} else {
			got[c.ID()] = conformance.Outcome{Pass: true}
		}
	}
	pass, total := map[string]int{}, map[string]int{}
	for _, c := range cases {
		total[c.Suite]++
		if got[c.ID()].Pass {
			pass[c.Suite]++
		}
	}
	for _, s := range conformance.Suites {
		t.Logf("conformance %s: %d/%d pass", s, pass[s], total[s])
	}
	checkReadme(t, conformance.TallyTable(pass, total))
	if *update {
		// Keep the recorded reason of a case that still fails, so a run
		// whose message differs in detail (random ops) does not churn.
		if f, err := os.Open(expectFile); err == nil {
			old, _ := conformance.ParseExpectations(f)
			f.Close()
			for id, o := range got {
				if w, ok := old[id]; ok && !w.Pass && !o.Pass {
					got[id] = w
				}
			}
		}
		var buf bytes.Buffer
		if err := conformance.WriteExpectations(&buf, got); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(expectFile, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(expectFile)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	defer f.Close()
	want, err := conformance.ParseExpectations(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		w, ok := want[c.ID()]
		g := got[c.ID()]
		switch {
		case !ok:
			t.Errorf("%s: not in %s (outcome: pass=%v %s)", c.ID(), expectFile, g.Pass, g.Reason)
		case w.Pass && !g.Pass:
			t.Errorf("%s: REGRESSION, expected to pass, now fails: %s", c.ID(), g.Reason)
		case !w.Pass && g.Pass:
			t.Errorf("%s: now passes but is recorded as failing (%s): update %s", c.ID(), w.Reason, expectFile)
		}
		delete(want, c.ID())
	}
	for id := range want {
		t.Errorf("%s: listed in %s but not in the test data", id, expectFile)
	}
}
