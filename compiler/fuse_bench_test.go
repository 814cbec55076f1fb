package compiler_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

// BenchmarkZoo times whole models of testdata/zoo on their own inputs,
// optimised (the default) and unoptimised, at 1 and 2 threads:
//
//	go test ./compiler -run '^$' -bench 'Zoo/(resnet|bert)' -benchmem
func BenchmarkZoo(b *testing.B) {
	const dir = "../testdata/zoo"
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		b.Skip("no zoo manifest:", err)
	}
	var manifest struct {
		Cases []struct {
			Name   string   `json:"name"`
			Model  string   `json:"model"`
			Inputs []string `json:"inputs"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		b.Fatal(err)
	}
	for _, c := range manifest.Cases {
		b.Run(c.Name, func(b *testing.B) {
			var in []*tensor.Tensor
			for _, name := range c.Inputs {
				f, err := os.Open(filepath.Join(dir, name))
				if err != nil {
					b.Fatal(err)
				}
				t, err := npy.Read(f)
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				in = append(in, t)
			}
			for _, opt := range []bool{true, false} {
				for _, threads := range []int{1, 2} {
					name := fmt.Sprintf("t%d", threads)
					if !opt {
						name += "/noopt"
					}
					b.Run(name, func(b *testing.B) {
						s, err := runtime.Open(filepath.Join(dir, c.Model), runtime.WithThreads(threads), runtime.WithOptimization(opt))
						if err != nil {
							b.Fatal(err)
						}
						defer s.Close()
						if _, err := s.Run(in); err != nil {
							b.Skip("case does not run:", err)
						}
						b.ResetTimer()
						for range b.N {
							if _, err := s.Run(in); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			}
		})
	}
}
