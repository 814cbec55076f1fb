package main

import (
	"math"
	"path/filepath"
	"testing"
)

// TestConvertTreeModel converts an XGBoost model to ONNX-ML, runs the
// converted file, and compares with XGBoost's own predictions (the
// fixture's expected.npy, made by testdata/xgboost/gen.py). ONNX Runtime's
// agreement with such exports is checked in formats/onnxml.
func TestConvertTreeModel(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "xgboost", "binary_logistic")
	out := t.TempDir()
	onnxPath := filepath.Join(out, "model.onnx")
	if code, _, stderr := sinter(t, "convert", filepath.Join(dir, "model.json"), onnxPath); code != 0 {
		t.Fatalf("convert: exit %d: %s", code, stderr)
	}
	if code, _, stderr := sinter(t, "run", onnxPath, "-i", filepath.Join(dir, "input.npy"), "-o", out); code != 0 {
		t.Fatalf("run converted: exit %d: %s", code, stderr)
	}
	got := readNPY(t, filepath.Join(out, "prediction.npy")).Float32s()
	want := readNPY(t, filepath.Join(dir, "expected.npy")).Float32s()
	if len(got) != len(want) {
		t.Fatalf("%d predictions, want %d", len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-6*math.Abs(float64(want[i]))+1e-7 {
			t.Fatalf("row %d: %v, XGBoost %v", i, got[i], want[i])
		}
	}
	if code, _, _ := sinter(t, "convert", filepath.Join(dir, "model.json")); code != 2 {
		t.Errorf("convert without OUT: exit %d, want 2", code)
	}
}
