package npy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode checks that Decode never panics, agrees with Read, and that
// whatever it accepts survives an Encode/Decode round trip. The seed corpus
// is every file testdata/gen.py wrote (all dtypes, versions 1–3, scalars,
// empty, big-endian, Fortran, object, malformed) plus a few hostile headers.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.npy"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files in testdata (run testdata/gen.py): %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, dict := range []string{
		"{'descr':'<f4','fortran_order':False,'shape':(1000000000000,)}",
		"{'descr':'<U0','fortran_order':False,'shape':(70000,)}",
		"{'descr':[('a','<f4')],'fortran_order':False,'shape':(1,)}",
		"{'descr':'>U2','fortran_order':True,'shape':(1,2,1),}",
	} {
		b := append([]byte(magic+"\x01\x00"), byte(len(dict)), byte(len(dict)>>8))
		f.Add(append(append(b, dict...), "0123456789abcdef"...))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Decode(b)
		streamed, rerr := Read(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error %q wraps neither ErrFormat nor ErrUnsupported", err)
			}
			return
		}
		if rerr != nil {
			t.Fatalf("Decode accepted what Read rejects: %v", rerr)
		}
		if !equalTensors(got, streamed) {
			t.Fatalf("Decode gave %v, Read gave %v", got, streamed)
		}
		enc, err := Marshal(got)
		if err != nil {
			if errors.Is(err, ErrUnsupported) {
				return // e.g. a byte-string array that is not UTF-8
			}
			t.Fatalf("Marshal: %v", err)
		}
		again, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Marshal(x)): %v", err)
		}
		if !equalTensors(got, again) {
			t.Fatalf("round trip changed %v into %v", got, again)
		}
	})
}
