package onnx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/sinter-ml/sinter/ir"
)

// File is a model loaded by Open. Its tensors alias memory mappings of the
// model file and its external data files.
type File struct {
	Model *ir.Model

	unmaps []func() error
}

// Open maps the model file at path into memory and decodes it; initializer
// and constant tensors alias the mapping instead of being copied. External
// data files are resolved relative to the model's directory (or the
// WithBaseDir directory) and mapped too.
//
// Mappings are private and writable (copy-on-write): writing to a tensor
// never changes the file and never faults. On systems without mmap support
// here the files are read into memory instead.
//
// The caller must call Close when done with the model.
func Open(path string, opts ...Option) (*File, error) {
	d := newDecoder(opts)
	dir := d.cfg.baseDir
	if dir == "" {
		dir = filepath.Dir(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("onnx: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("onnx: %s: %w: not a regular file", path, ErrInvalid)
	}
	data, unmap, err := mapFile(f, st.Size())
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("onnx: %s: %w", path, err)
	}
	src := &mmapSource{dir: dir}
	d.src = src
	m, err := d.decode(data)
	src.close()
	if err == nil {
		regions := [][]byte{data}
		for _, b := range src.files {
			regions = append(regions, b)
		}
		markMapped(m.Graph, regions, 0)
	}
	file := &File{Model: m, unmaps: append([]func() error{unmap}, src.unmaps...)}
	if err != nil {
		file.Close()
		return nil, err
	}
	return file, nil
}

// markMapped marks the initializers of g (and of its subgraphs) whose
// storage lies in one of the mapped regions, so that the compiler may hand
// their pages back once it has prepared copies (tensor.Evict).
func markMapped(g *ir.Graph, regions [][]byte, depth int) {
	if g == nil || depth > 64 {
		return
	}
	for _, in := range g.Initializers {
		if in.Tensor != nil && within(in.Tensor.Bytes(), regions) {
			in.Tensor.MarkMapped()
		}
	}
	for _, n := range g.Nodes {
		for _, a := range n.Attrs {
			markMapped(a.G, regions, depth+1)
			for _, sg := range a.Graphs {
				markMapped(sg, regions, depth+1)
			}
		}
	}
}

// within reports whether b lies inside one of regions.
func within(b []byte, regions [][]byte) bool {
	if len(b) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(&b[0]))
	for _, r := range regions {
		if len(r) == 0 {
			continue
		}
		lo := uintptr(unsafe.Pointer(&r[0]))
		if p >= lo && p+uintptr(len(b)) <= lo+uintptr(len(r)) {
			return true
		}
	}
	return false
}

// Close releases the file's memory mappings. Every tensor of Model (its
// initializers and tensor attributes) is invalid afterwards and must not be
// used: reading it may crash the program. Names, attributes other than
// tensors, and types stay valid. Close is idempotent.
func (f *File) Close() error {
	var errs []error
	for _, unmap := range f.unmaps {
		if err := unmap(); err != nil {
			errs = append(errs, err)
		}
	}
	f.unmaps = nil
	return errors.Join(errs...)
}
