package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindTranspose(n *ops.Node) (ops.Kernel, error) {
	perm, err := n.Ints("perm")
	if err != nil {
		return nil, fmt.Errorf("Transpose: %w", err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Transpose", in, 0)
		if err != nil {
			return nil, err
		}
		r := x.Rank()
		p := make([]int, r)
		if perm == nil {
			for i := range p {
				p[i] = r - 1 - i
			}
		} else {
			if len(perm) != r {
				return nil, fmt.Errorf("Transpose: perm %v does not match rank %d", perm, r)
			}
			seen := make([]bool, r)
			for i, a := range perm {
				ax, err := ops.NormAxis(a, r)
				if err != nil || seen[ax] {
					return nil, fmt.Errorf("Transpose: perm %v is not a permutation of %d axes", perm, r)
				}
				seen[ax] = true
				p[i] = ax
			}
		}
		st := ops.Strides(x.Shape())
		shape := make(tensor.Shape, r)
		strides := make([]int, r)
		for i, a := range p {
			shape[i] = x.Shape()[a]
			strides[i] = st[a]
		}
		out, err := stridedCopy("Transpose", x, shape, strides, 0)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func bindDepthToSpace(n *ops.Node) (ops.Kernel, error) {
	bs, err := n.Int("blocksize", 0)
	if err != nil {
		return nil, fmt.Errorf("DepthToSpace: %w", err)
	}
	if bs <= 0 || bs > 1<<20 {
		return nil, fmt.Errorf("DepthToSpace: blocksize %d must be positive", bs)
	}
	mode, err := n.String("mode", "DCR")
	if err != nil {
		return nil, fmt.Errorf("DepthToSpace: %w", err)
	}
	if mode != "DCR" && mode != "CRD" {
		return nil, fmt.Errorf("DepthToSpace: unknown mode %q", mode)
	}
	b := int(bs)
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("DepthToSpace", in, 0)
		if err != nil {
			return nil, err
		}
		if x.Rank() != 4 {
			return nil, fmt.Errorf("DepthToSpace: input must be 4-D, got %v", x.Shape())
		}
		N, C, H, W := x.Shape()[0], x.Shape()[1], x.Shape()[2], x.Shape()[3]
		if C%(b*b) != 0 {
			return nil, fmt.Errorf("DepthToSpace: channels %d not divisible by blocksize² %d", C, b*b)
		}
		c := C / (b * b)
		var s []int
		var strides []int
		if mode == "DCR" {
			s = ops.Strides(tensor.Shape{N, b, b, c, H, W})
			strides = []int{s[0], s[3], s[4], s[1], s[5], s[2]}
		} else {
			s = ops.Strides(tensor.Shape{N, c, b, b, H, W})
			strides = []int{s[0], s[1], s[4], s[2], s[5], s[3]}
		}
		out, err := stridedCopy("DepthToSpace", x, tensor.Shape{N, c, H, b, W, b}, strides, 0)
		if err != nil {
			return nil, err
		}
		return view("DepthToSpace", out, tensor.Shape{N, c, H * b, W * b})
	}, nil
}

func bindSpaceToDepth(n *ops.Node) (ops.Kernel, error) {
	bs, err := n.Int("blocksize", 0)
	if err != nil {
		return nil, fmt.Errorf("SpaceToDepth: %w", err)
	}
	if bs <= 0 || bs > 1<<20 {
		return nil, fmt.Errorf("SpaceToDepth: blocksize %d must be positive", bs)
	}
	b := int(bs)
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("SpaceToDepth", in, 0)
		if err != nil {
			return nil, err
		}
		if x.Rank() != 4 {
			return nil, fmt.Errorf("SpaceToDepth: input must be 4-D, got %v", x.Shape())
		}
		N, C, H, W := x.Shape()[0], x.Shape()[1], x.Shape()[2], x.Shape()[3]
		if H%b != 0 || W%b != 0 {
			return nil, fmt.Errorf("SpaceToDepth: spatial dims %dx%d not divisible by blocksize %d", H, W, b)
		}
		h, w := H/b, W/b
		s := ops.Strides(tensor.Shape{N, C, h, b, w, b})
		strides := []int{s[0], s[3], s[5], s[1], s[2], s[4]}
		out, err := stridedCopy("SpaceToDepth", x, tensor.Shape{N, b, b, C, h, w}, strides, 0)
		if err != nil {
			return nil, err
		}
		return view("SpaceToDepth", out, tensor.Shape{N, C * b * b, h, w})
	}, nil
}

func bindExpand(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Expand", in, 0)
		if err != nil {
			return nil, err
		}
		st, err := need("Expand", in, 1)
		if err != nil {
			return nil, err
		}
		dims, err := intList("Expand", "shape", st)
		if err != nil {
			return nil, err
		}
		req, err := ops.ShapeFrom(dims)
		if err != nil {
			return nil, fmt.Errorf("Expand: %w", err)
		}
		os, err := ops.BroadcastShape(x.Shape(), req)
		if err != nil {
			return nil, fmt.Errorf("Expand: %w", err)
		}
		out, err := stridedCopy("Expand", x, os, ops.BroadcastStrides(x.Shape(), os), 0)
		if err != nil {
			return nil, err
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

func bindTile(n *ops.Node) (ops.Kernel, error) {
	v1 := n.Opset < 6
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x, err := need("Tile", in, 0)
		if err != nil {
			return nil, err
		}
		rt, err := need("Tile", in, 1)
		if err != nil {
			return nil, err
		}
		r := x.Rank()
		reps := make([]int64, r)
		if v1 {
			// Tile-1: tiles and axis are scalars; repeat along one axis.
			at, err := need("Tile", in, 2)
			if err != nil {
				return nil, err
			}
			t, err := intScalar("Tile", "tiles", rt)
			if err != nil {
				return nil, err
			}
			a, err := intScalar("Tile", "axis", at)
			if err != nil {
				return nil, err
			}
			ax, err := ops.NormAxis(a, r)
			if err != nil {
				return nil, fmt.Errorf("Tile: %w", err)
			}
			for i := range reps {
				reps[i] = 1
			}
			reps[ax] = t
		} else {
			if reps, err = intList("Tile", "repeats", rt); err != nil {
				return nil, err
			}
			if len(reps) != r {
				return nil, fmt.Errorf("Tile: %d repeats for rank %d", len(reps), r)
			}
		}
		// View the output as [r0, d0, r1, d1, …] reading the input with a
		// zero stride along each repeat axis.
		st := ops.Strides(x.Shape())
		shape := make(tensor.Shape, 0, 2*r)
		strides := make([]int, 0, 2*r)
		outShape := make([]int64, r)
		for i, rep := range reps {
			if rep < 0 {
				return nil, fmt.Errorf("Tile: negative repeat %d", rep)
			}
			if rep > tensor.MaxElements {
				return nil, fmt.Errorf("Tile: repeat %d too large", rep)
			}
			shape = append(shape, int(rep), x.Shape()[i])
			strides = append(strides, 0, st[i])
			outShape[i] = rep * int64(x.Shape()[i])
		}
		if _, err := checked("Tile", shape); err != nil {
			return nil, err
		}
		os, err := ops.ShapeFrom(outShape)
		if err != nil {
			return nil, fmt.Errorf("Tile: %w", err)
		}
		out, err := stridedCopy("Tile", x, shape, strides, 0)
		if err != nil {
			return nil, err
		}
		return view("Tile", out, os)
	}, nil
}
