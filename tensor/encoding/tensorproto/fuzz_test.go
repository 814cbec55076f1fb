package tensorproto

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode checks that no input makes Decode panic or over-allocate, and
// that whatever decodes survives a Marshal/Decode round trip unchanged.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.pb")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			return
		}
		if (p.Tensor == nil) == (p.External == nil) {
			t.Fatalf("exactly one of Tensor and External must be set: %+v", p)
		}
		if p.Tensor == nil {
			return
		}
		if p.Tensor.DType() != p.DType || !p.Tensor.Shape().Equal(p.Shape()) {
			t.Fatalf("tensor %v disagrees with proto %v %v", p.Tensor, p.DType, p.Dims)
		}
		again, err := Decode(Append(nil, p.Tensor, p.Name, p.Doc))
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if again.Name != p.Name || again.Doc != p.Doc || !equalTensors(again.Tensor, p.Tensor) {
			t.Fatalf("round trip differs")
		}
	})
}
