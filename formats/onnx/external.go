package onnx

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unsafe"
)

// source supplies the bytes of external tensor data.
type source interface {
	// region returns length bytes at offset of the file at location
	// (relative to the model's directory), or everything from offset to
	// the end of the file when length is -1.
	region(location string, offset, length int64) ([]byte, error)
}

// checkLocation validates an external_data location and returns it as an OS
// path. Locations must be relative paths that stay inside the model's
// directory: absolute paths and any ".." element are refused outright.
// Symbolic links that leave the directory are refused when the file is
// opened, through os.Root.
func checkLocation(loc string) (string, error) {
	if loc == "" {
		return "", fmt.Errorf("%w: empty external data location", ErrInvalid)
	}
	if strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, `\`) || filepath.IsAbs(loc) || filepath.VolumeName(loc) != "" ||
		(len(loc) >= 2 && loc[1] == ':') {
		return "", fmt.Errorf("%w: external data location %q is absolute", ErrInvalid, loc)
	}
	for _, elem := range strings.FieldsFunc(loc, func(r rune) bool { return r == '/' || r == '\\' }) {
		if elem == ".." {
			return "", fmt.Errorf("%w: external data location %q leaves the model directory", ErrInvalid, loc)
		}
	}
	p := filepath.FromSlash(loc)
	if !filepath.IsLocal(p) {
		return "", fmt.Errorf("%w: external data location %q is not a local path", ErrInvalid, loc)
	}
	return p, nil
}

// bounds checks an external data region against the file size and returns
// its offset and length.
func bounds(size, offset, length int64) (int64, int64, error) {
	if offset < 0 || offset > size {
		return 0, 0, fmt.Errorf("%w: offset %d outside a file of %d bytes", ErrInvalid, offset, size)
	}
	if length == -1 {
		return offset, size - offset, nil
	}
	if length < 0 || length > size-offset {
		return 0, 0, fmt.Errorf("%w: %d bytes at offset %d run past the end of a file of %d bytes", ErrInvalid, length, offset, size)
	}
	return offset, length, nil
}

// openIn opens a regular file under root.
func openIn(root *os.Root, name string) (*os.File, int64, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("%w: %q is not a regular file", ErrInvalid, name)
	}
	return f, st.Size(), nil
}

// readSource reads each external region into fresh memory; it serves
// Decode, whose caller owns no mapping that could be released later.
type readSource struct {
	dir  string
	root *os.Root
}

func (s *readSource) region(loc string, offset, length int64) ([]byte, error) {
	name, err := checkLocation(loc)
	if err != nil {
		return nil, err
	}
	if s.root == nil {
		if s.root, err = os.OpenRoot(s.dir); err != nil {
			return nil, err
		}
	}
	f, size, err := openIn(s.root, name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	off, n, err := bounds(size, offset, length)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", loc, err)
	}
	buf := alignedBytes(n)
	if _, err := f.ReadAt(buf, off); err != nil {
		return nil, err
	}
	return buf, nil
}

func (s *readSource) close() {
	if s.root != nil {
		s.root.Close()
	}
}

// mmapSource maps each external file once and serves regions as slices of
// the mapping; the mappings are released by File.Close.
type mmapSource struct {
	dir    string
	root   *os.Root
	files  map[string][]byte
	unmaps []func() error
}

func (s *mmapSource) region(loc string, offset, length int64) ([]byte, error) {
	name, err := checkLocation(loc)
	if err != nil {
		return nil, err
	}
	data, ok := s.files[name]
	if !ok {
		if s.root == nil {
			if s.root, err = os.OpenRoot(s.dir); err != nil {
				return nil, err
			}
		}
		f, size, err := openIn(s.root, name)
		if err != nil {
			return nil, err
		}
		var unmap func() error
		data, unmap, err = mapFile(f, size)
		f.Close()
		if err != nil {
			return nil, err
		}
		s.unmaps = append(s.unmaps, unmap)
		if s.files == nil {
			s.files = map[string][]byte{}
		}
		s.files[name] = data
	}
	off, n, err := bounds(int64(len(data)), offset, length)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", loc, err)
	}
	return data[off : off+n : off+n], nil
}

func (s *mmapSource) close() {
	if s.root != nil {
		s.root.Close()
	}
}

// alignedBytes allocates n zero bytes on an 8-byte boundary, so tensors
// aliasing them are naturally aligned.
func alignedBytes(n int64) []byte {
	if n == 0 {
		return []byte{}
	}
	words := make([]uint64, (n+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), n)
}
