package onnx

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode checks that no input makes Decode panic or allocate beyond a
// small multiple of its size, and that whatever decodes re-encodes to an
// equal model.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.onnx")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b, WithMaxSparseBytes(1<<20))
		if err != nil {
			return
		}
		enc, err := Encode(m)
		if err != nil {
			t.Fatalf("encode of decoded model: %v", err)
		}
		again, err := Decode(enc, WithMaxSparseBytes(1<<21))
		if err != nil {
			t.Fatalf("decode of encoded model: %v", err)
		}
		if d := diff(m, again); d != "" {
			t.Fatalf("round trip differs at %s", d)
		}
	})
}
