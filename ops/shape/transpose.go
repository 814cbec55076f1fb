package shape

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// The operators here read their input through a strided layout (see
// kind.strided): the output is contiguous and each output axis walks the
// input with some stride, zero along repeated axes.

func bindTranspose(n *ops.Node) (ops.Kernel, error) {
	perm, err := n.Ints("perm")
	if err != nil {
		return nil, fmt.Errorf("Transpose: %w", err)
	}
	// A perm attribute is normalised once; whether it fits the input's
	// rank is checked per run.
	var p []int
	var permErr error
	if perm != nil {
		r := len(perm)
		p = make([]int, r)
		seen := make([]bool, r)
		for i, a := range perm {
			ax, err := ops.NormAxis(a, r)
			if err != nil || seen[ax] {
				permErr = fmt.Errorf("Transpose: perm %v is not a permutation of %d axes", perm, r)
				break
			}
			seen[ax] = true
			p[i] = ax
		}
	}
	// axisOf is the input axis that output axis i reads, for rank r.
	axisOf := func(i, r int) int {
		if p == nil {
			return r - 1 - i
		}
		return p[i]
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, err := need("Transpose", in, 0)
			if err != nil {
				return err
			}
			r := x.Rank()
			if p != nil {
				if len(p) != r {
					return fmt.Errorf("Transpose: perm %v does not match rank %d", perm, r)
				}
				if permErr != nil {
					return permErr
				}
			}
			o := &out[0]
			o.DType, o.Shape = x.DType(), o.Shape[:0]
			for i := range r {
				o.Shape = append(o.Shape, x.Shape()[axisOf(i, r)])
			}
			return nil
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, y := in[0], out[0]
			k, err := moveKind("Transpose", y, x)
			if err != nil {
				return err
			}
			r := x.Rank()
			var xsBuf, stBuf [stackRank]int
			xst := stridesInto(scratch(xsBuf[:], r), x.Shape())
			st := scratch(stBuf[:], r)
			for i := range r {
				st[i] = xst[axisOf(i, r)]
			}
			k.strided(y, x, y.Shape(), st, 0)
			return nil
		},
	})
}

// blockAttr reads the blocksize attribute of DepthToSpace and SpaceToDepth.
func blockAttr(op string, n *ops.Node) (int, error) {
	bs, err := n.Int("blocksize", 0)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	if bs <= 0 || bs > 1<<20 {
		return 0, fmt.Errorf("%s: blocksize %d must be positive", op, bs)
	}
	return int(bs), nil
}

// nchw returns the dims of a 4-D input.
func nchw(op string, x *tensor.Tensor) (N, C, H, W int, err error) {
	if x.Rank() != 4 {
		return 0, 0, 0, 0, fmt.Errorf("%s: input must be 4-D, got %v", op, x.Shape())
	}
	s := x.Shape()
	return s[0], s[1], s[2], s[3], nil
}

func bindDepthToSpace(n *ops.Node) (ops.Kernel, error) {
	b, err := blockAttr("DepthToSpace", n)
	if err != nil {
		return nil, err
	}
	mode, err := n.String("mode", "DCR")
	if err != nil {
		return nil, fmt.Errorf("DepthToSpace: %w", err)
	}
	if mode != "DCR" && mode != "CRD" {
		return nil, fmt.Errorf("DepthToSpace: unknown mode %q", mode)
	}
	dims := func(x *tensor.Tensor) (N, c, H, W int, err error) {
		N, C, H, W, err := nchw("DepthToSpace", x)
		if err != nil {
			return 0, 0, 0, 0, err
		}
		if C%(b*b) != 0 {
			return 0, 0, 0, 0, fmt.Errorf("DepthToSpace: channels %d not divisible by blocksize² %d", C, b*b)
		}
		return N, C / (b * b), H, W, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, err := need("DepthToSpace", in, 0)
			if err != nil {
				return err
			}
			N, c, H, W, err := dims(x)
			if err != nil {
				return err
			}
			out[0].DType = x.DType()
			out[0].Shape = append(out[0].Shape[:0], N, c, H*b, W*b)
			return checkShape("DepthToSpace", out[0].Shape)
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, y := in[0], out[0]
			N, c, H, W, err := dims(x)
			if err != nil {
				return err
			}
			k, err := moveKind("DepthToSpace", y, x)
			if err != nil {
				return err
			}
			// The output, viewed as [N, c, H, b, W, b], reads the input
			// viewed as [N, b, b, c, H, W] (DCR) or [N, c, b, b, H, W] (CRD).
			var s [6]int
			var st [6]int
			if mode == "DCR" {
				stridesInto(s[:], tensor.Shape{N, b, b, c, H, W})
				st = [6]int{s[0], s[3], s[4], s[1], s[5], s[2]}
			} else {
				stridesInto(s[:], tensor.Shape{N, c, b, b, H, W})
				st = [6]int{s[0], s[1], s[4], s[2], s[5], s[3]}
			}
			k.strided(y, x, []int{N, c, H, b, W, b}, st[:], 0)
			return nil
		},
	})
}

func bindSpaceToDepth(n *ops.Node) (ops.Kernel, error) {
	b, err := blockAttr("SpaceToDepth", n)
	if err != nil {
		return nil, err
	}
	dims := func(x *tensor.Tensor) (N, C, h, w int, err error) {
		N, C, H, W, err := nchw("SpaceToDepth", x)
		if err != nil {
			return 0, 0, 0, 0, err
		}
		if H%b != 0 || W%b != 0 {
			return 0, 0, 0, 0, fmt.Errorf("SpaceToDepth: spatial dims %dx%d not divisible by blocksize %d", H, W, b)
		}
		return N, C, H / b, W / b, nil
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, err := need("SpaceToDepth", in, 0)
			if err != nil {
				return err
			}
			N, C, h, w, err := dims(x)
			if err != nil {
				return err
			}
			out[0].DType = x.DType()
			out[0].Shape = append(out[0].Shape[:0], N, C*b*b, h, w)
			return checkShape("SpaceToDepth", out[0].Shape)
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, y := in[0], out[0]
			N, C, h, w, err := dims(x)
			if err != nil {
				return err
			}
			k, err := moveKind("SpaceToDepth", y, x)
			if err != nil {
				return err
			}
			// The output, viewed as [N, b, b, C, h, w], reads the input
			// viewed as [N, C, h, b, w, b].
			var s [6]int
			stridesInto(s[:], tensor.Shape{N, C, h, b, w, b})
			st := [6]int{s[0], s[3], s[5], s[1], s[2], s[4]}
			k.strided(y, x, []int{N, b, b, C, h, w}, st[:], 0)
			return nil
		},
	})
}

// broadcastStrides writes into dst (len(out) entries), for a tensor of
// shape in broadcast to out, the stride in in's storage of each axis of
// out: 0 along broadcast axes.
func broadcastStrides(dst []int, in, out tensor.Shape) []int {
	clear(dst)
	s := 1
	for i := len(in) - 1; i >= 0; i-- {
		j := len(out) - len(in) + i
		if in[i] != 1 {
			dst[j] = s
		}
		s *= in[i]
	}
	return dst
}

func bindExpand(n *ops.Node) (ops.Kernel, error) {
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, err := need("Expand", in, 0)
			if err != nil {
				return err
			}
			st, err := need("Expand", in, 1)
			if err != nil {
				return err
			}
			req, err := intList("Expand", "shape", st)
			if err != nil {
				return err
			}
			for i := range req.Len() {
				if d := req.At(i); d < 0 || d > tensor.MaxElements {
					return fmt.Errorf("Expand: %w: dim %d", tensor.ErrShape, d)
				}
			}
			xs := x.Shape()
			r := max(len(xs), req.Len())
			o := &out[0]
			o.DType, o.Shape = x.DType(), o.Shape[:0]
			for i := range r {
				a, b := 1, 1
				if k := i - (r - len(xs)); k >= 0 {
					a = xs[k]
				}
				if k := i - (r - req.Len()); k >= 0 {
					b = int(req.At(k))
				}
				switch {
				case b == a || b == 1:
					o.Shape = append(o.Shape, a)
				case a == 1:
					o.Shape = append(o.Shape, b)
				default:
					return fmt.Errorf("Expand: shapes %v and %v are not broadcastable", xs, req)
				}
			}
			return checkShape("Expand", o.Shape)
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, y := in[0], out[0]
			k, err := moveKind("Expand", y, x)
			if err != nil {
				return err
			}
			var stBuf [stackRank]int
			st := broadcastStrides(scratch(stBuf[:], y.Rank()), x.Shape(), y.Shape())
			k.strided(y, x, y.Shape(), st, 0)
			return nil
		},
	})
}

func bindTile(n *ops.Node) (ops.Kernel, error) {
	v1 := n.Opset < 6
	// repeats holds the repeat counts read from the inputs: one per axis,
	// or (Tile-1) tiles for one axis and 1 for the others.
	type repeats struct {
		v1     bool
		axis   int
		tiles  int64
		values ints
	}
	read := func(in []*tensor.Tensor) (*tensor.Tensor, repeats, error) {
		x, err := need("Tile", in, 0)
		if err != nil {
			return nil, repeats{}, err
		}
		rt, err := need("Tile", in, 1)
		if err != nil {
			return nil, repeats{}, err
		}
		r := x.Rank()
		if v1 {
			// Tile-1: tiles and axis are scalars; repeat along one axis.
			at, err := need("Tile", in, 2)
			if err != nil {
				return nil, repeats{}, err
			}
			t, err := intScalar("Tile", "tiles", rt)
			if err != nil {
				return nil, repeats{}, err
			}
			a, err := intScalar("Tile", "axis", at)
			if err != nil {
				return nil, repeats{}, err
			}
			ax, err := ops.NormAxis(a, r)
			if err != nil {
				return nil, repeats{}, fmt.Errorf("Tile: %w", err)
			}
			return x, repeats{v1: true, axis: ax, tiles: t}, nil
		}
		reps, err := intList("Tile", "repeats", rt)
		if err != nil {
			return nil, repeats{}, err
		}
		if reps.Len() != r {
			return nil, repeats{}, fmt.Errorf("Tile: %d repeats for rank %d", reps.Len(), r)
		}
		return x, repeats{values: reps}, nil
	}
	// at is the repeat count of axis i.
	at := func(p repeats, i int) int64 {
		switch {
		case !p.v1:
			return p.values.At(i)
		case i == p.axis:
			return p.tiles
		}
		return 1
	}
	return n.Plan(&ops.Planned{
		Infer: func(in []*tensor.Tensor, out []ops.OutSpec) error {
			x, reps, err := read(in)
			if err != nil {
				return err
			}
			o := &out[0]
			o.DType, o.Shape = x.DType(), o.Shape[:0]
			for i, d := range x.Shape() {
				rep := at(reps, i)
				if rep < 0 {
					return fmt.Errorf("Tile: negative repeat %d", rep)
				}
				if rep > tensor.MaxElements || d != 0 && rep > tensor.MaxElements/int64(d) {
					return fmt.Errorf("Tile: repeat %d too large", rep)
				}
				o.Shape = append(o.Shape, int(rep)*d)
			}
			return checkShape("Tile", o.Shape)
		},
		Run: func(in, out []*tensor.Tensor) error {
			x, reps, err := read(in)
			if err != nil {
				return err
			}
			y := out[0]
			k, err := moveKind("Tile", y, x)
			if err != nil {
				return err
			}
			// View the output as [r0, d0, r1, d1, …] reading the input with
			// a zero stride along each repeat axis.
			r := x.Rank()
			var xsBuf [stackRank]int
			var shBuf, stBuf [2 * stackRank]int
			xst := stridesInto(scratch(xsBuf[:], r), x.Shape())
			sh, st := shBuf[:0], stBuf[:0]
			for i, d := range x.Shape() {
				sh = append(sh, int(at(reps, i)), d)
				st = append(st, 0, xst[i])
			}
			k.strided(y, x, sh, st, 0)
			return nil
		},
	})
}
