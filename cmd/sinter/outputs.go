package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
	"github.com/sinter-ml/sinter/tensor/encoding/tensorproto"
)

// maxNameLen keeps file names well under common file-system limits.
const maxNameLen = 120

// outputFileNames turns graph output names into distinct, safe file names
// with extension ext: characters other than letters, digits, '.', '-' and
// '_' become '_', a leading '.' becomes '_' (no hidden files, no "..") and
// names that collide, ignoring case, get a numeric suffix.
func outputFileNames(names []string, ext string) []string {
	out := make([]string, len(names))
	taken := map[string]bool{}
	for i, name := range names {
		base := sanitize(name)
		if base == "" {
			base = "output_" + strconv.Itoa(i)
		}
		file := base + ext
		for n := 1; taken[strings.ToLower(file)]; n++ {
			file = base + "_" + strconv.Itoa(n) + ext
		}
		taken[strings.ToLower(file)] = true
		out[i] = file
	}
	return out
}

func sanitize(name string) string {
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= maxNameLen {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == '.' && b.Len() > 0:
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// writeOutputs writes each output to dir in format ("npy" or "pb") and
// returns the paths written.
func writeOutputs(dir, format string, names []string, outs []*tensor.Tensor) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	files := outputFileNames(names, "."+format)
	paths := make([]string, len(outs))
	for i, t := range outs {
		if t == nil {
			return nil, fmt.Errorf("output %q: model produced no value", names[i])
		}
		var b []byte
		var err error
		if format == "pb" {
			b = tensorproto.Marshal(t, names[i])
		} else if b, err = npy.Marshal(t); err != nil {
			return nil, fmt.Errorf("output %q: %w (try --format pb)", names[i], err)
		}
		paths[i] = filepath.Join(dir, files[i])
		if err := os.WriteFile(paths[i], b, 0o644); err != nil {
			return nil, err
		}
	}
	return paths, nil
}
