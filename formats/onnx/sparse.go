package onnx

import (
	"fmt"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/tensorproto"
	"google.golang.org/protobuf/encoding/protowire"
)

// SparseTensorProto field numbers.
const (
	spValues  = 1
	spIndices = 2
	spDims    = 3
)

// sparse decodes a SparseTensorProto and densifies it. ONNX stores sparse
// tensors in COO form: values is a 1-D tensor of the NNZ non-default values,
// indices an int64 tensor of either NNZ linear indices ([NNZ]) or NNZ
// coordinates ([NNZ, rank]), dims the dense shape. The result is named after
// values, as ONNX names sparse initializers. Unlisted elements are zero (the
// empty string for string tensors).
func (d *decoder) sparse(b []byte) (*ir.Initializer, error) {
	var (
		values, indices *tensorproto.Proto
		dims            []int64
	)
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			return nil, err
		}
		b = r
		switch f.num {
		case spValues, spIndices:
			if err := f.want(protowire.BytesType); err != nil {
				return nil, err
			}
			p, err := d.tensor(f.b)
			if err != nil {
				what := map[protowire.Number]string{spValues: "values", spIndices: "indices"}[f.num]
				return nil, fmt.Errorf("%s %q: %w", what, peekString(f.b, 8), err)
			}
			if f.num == spValues {
				values = p
			} else {
				indices = p
			}
		case spDims:
			if dims, err = f.appendVarints(dims); err != nil {
				return nil, err
			}
		}
	}
	if values == nil {
		return nil, fmt.Errorf("%w: sparse tensor without values", ErrInvalid)
	}
	name := values.Name
	t, err := d.densify(values.Tensor, indices, dims)
	if err != nil {
		return nil, fmt.Errorf("sparse tensor %q: %w", name, err)
	}
	return &ir.Initializer{Name: name, Tensor: t, Doc: values.Doc}, nil
}

func (d *decoder) densify(vals *tensor.Tensor, indices *tensorproto.Proto, dims []int64) (*tensor.Tensor, error) {
	shape := make(tensor.Shape, len(dims))
	for i, v := range dims {
		if v < 0 || v > tensor.MaxElements {
			return nil, fmt.Errorf("%w: dims %v", ErrInvalid, dims)
		}
		shape[i] = int(v)
	}
	if err := shape.Check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if vals.Rank() != 1 {
		return nil, fmt.Errorf("%w: values have shape %v, want [NNZ]", ErrInvalid, vals.Shape())
	}
	nnz := vals.Shape()[0]
	var idx []int64
	coords := false
	if indices == nil {
		if nnz != 0 {
			return nil, fmt.Errorf("%w: %d values without indices", ErrInvalid, nnz)
		}
	} else {
		it := indices.Tensor
		if it.DType() != tensor.Int64 {
			return nil, fmt.Errorf("%w: indices are %v, want int64", ErrInvalid, it.DType())
		}
		is := it.Shape()
		switch {
		case len(is) == 1 && is[0] == nnz:
		case len(is) == 2 && is[0] == nnz && is[1] == len(shape):
			coords = true
		default:
			return nil, fmt.Errorf("%w: indices have shape %v, want [%d] or [%d,%d]", ErrInvalid, is, nnz, nnz, len(shape))
		}
		idx = it.Int64s()
	}

	numel := shape.NumElements()
	elemBytes := int64(vals.DType().Size())
	if vals.DType() == tensor.String {
		elemBytes = 16 // a string header
	}
	need := int64(numel) * elemBytes
	if need > d.sparseBudget {
		return nil, fmt.Errorf("%w: dense form %v%v needs %d bytes, over the sparse budget (%d bytes left; see WithMaxSparseBytes)",
			ErrUnsupported, vals.DType(), shape, need, d.sparseBudget)
	}
	d.sparseBudget -= need

	out := tensor.New(vals.DType(), shape...)
	size := vals.DType().Size()
	for i := 0; i < nnz; i++ {
		var lin int64
		if coords {
			for k, n := range shape {
				c := idx[i*len(shape)+k]
				if c < 0 || c >= int64(n) {
					return nil, fmt.Errorf("%w: index %d: coordinate %d out of range [0,%d)", ErrInvalid, i, c, n)
				}
				lin = lin*int64(n) + c
			}
		} else {
			lin = idx[i]
			if lin < 0 || lin >= int64(numel) {
				return nil, fmt.Errorf("%w: index %d: %d out of range [0,%d)", ErrInvalid, i, lin, numel)
			}
		}
		if vals.DType() == tensor.String {
			out.Strings()[lin] = vals.Strings()[i]
		} else {
			copy(out.Bytes()[int(lin)*size:], vals.Bytes()[i*size:(i+1)*size])
		}
	}
	return out, nil
}
