package onnx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

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
	file := &File{Model: m, unmaps: append([]func() error{unmap}, src.unmaps...)}
	if err != nil {
		file.Close()
		return nil, err
	}
	return file, nil
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
