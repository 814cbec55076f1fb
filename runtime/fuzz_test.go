package runtime_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sinter-ml/sinter/runtime"
)

// FuzzOpenBytes feeds arbitrary bytes through the whole load path —
// decoding, function inlining, topological ordering and every operator's
// attribute binding — which must answer with an error, never a panic.
func FuzzOpenBytes(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"../testdata/models/*.onnx", "../formats/onnx/testdata/*.onnx"} {
		m, _ := filepath.Glob(pattern)
		seeds = append(seeds, m...)
	}
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := runtime.OpenBytes(b)
		if err == nil {
			s.Close()
		}
	})
}
