package image

import (
	"fmt"
	"math"
	"slices"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

func bindNMS(n *ops.Node) (ops.Kernel, error) {
	cpb, err := n.Int("center_point_box", 0)
	if err != nil {
		return nil, err
	}
	if cpb != 0 && cpb != 1 {
		return nil, fmt.Errorf("NonMaxSuppression: center_point_box must be 0 or 1, got %d", cpb)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		out, err := nms(in, cpb == 1)
		if err != nil {
			return nil, fmt.Errorf("NonMaxSuppression: %w", err)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

type box struct{ x1, y1, x2, y2 float64 }

func nms(in []*tensor.Tensor, center bool) (*tensor.Tensor, error) {
	boxesT, scoresT := ops.Input(in, 0), ops.Input(in, 1)
	if boxesT == nil || scoresT == nil {
		return nil, fmt.Errorf("boxes and scores are required")
	}
	if !boxesT.DType().IsFloat() || !scoresT.DType().IsFloat() {
		return nil, fmt.Errorf("boxes and scores must be float, got %v and %v", boxesT.DType(), scoresT.DType())
	}
	bs, ss := boxesT.Shape(), scoresT.Shape()
	if len(bs) != 3 || bs[2] != 4 {
		return nil, fmt.Errorf("boxes must have shape [batches, boxes, 4], got %v", bs)
	}
	if len(ss) != 3 || ss[0] != bs[0] || ss[2] != bs[1] {
		return nil, fmt.Errorf("scores shape %v does not match boxes %v", ss, bs)
	}
	maxOut := int64(0)
	if t := ops.Input(in, 2); t != nil && t.Len() > 0 {
		var v int64
		switch t.DType() {
		case tensor.Int64:
			v = t.Int64s()[0]
		case tensor.Int32:
			v = int64(t.Int32s()[0])
		default:
			return nil, fmt.Errorf("max_output_boxes_per_class: expected an int32 or int64 tensor, got %v", t.DType())
		}
		maxOut = max(v, 0)
	}
	iouThr := 0.0
	if t := ops.Input(in, 3); t != nil && t.Len() > 0 {
		v, err := ops.ScalarFloat(t, "iou_threshold")
		if err != nil {
			return nil, err
		}
		if v < 0 || v > 1 {
			return nil, fmt.Errorf("iou_threshold %v must be in [0, 1]", v)
		}
		iouThr = v
	}
	useScoreThr := false
	scoreThr := 0.0
	if t := ops.Input(in, 4); t != nil && t.Len() > 0 {
		v, err := ops.ScalarFloat(t, "score_threshold")
		if err != nil {
			return nil, err
		}
		useScoreThr, scoreThr = true, v
	}
	nb, nc, nbox := bs[0], ss[1], bs[1]
	if maxOut == 0 || nb*nc*nbox == 0 {
		return tensor.New(tensor.Int64, 0, 3), nil
	}
	w := nmsScratches.Get()
	defer nmsScratches.Put(w)
	bd := growTo(&w.bd, boxesT.Len())
	if err := tensor.LoadFloat64(bd, boxesT); err != nil {
		return nil, err
	}
	sd := growTo(&w.sd, scoresT.Len())
	if err := tensor.LoadFloat64(sd, scoresT); err != nil {
		return nil, err
	}
	boxes := growTo(&w.boxes, nb*nbox)
	for i := range boxes {
		v := bd[i*4 : i*4+4]
		if center {
			hw, hh := v[2]/2, v[3]/2
			boxes[i] = box{v[0] - hw, v[1] - hh, v[0] + hw, v[1] + hh}
		} else {
			boxes[i] = box{math.Min(v[1], v[3]), math.Min(v[0], v[2]), math.Max(v[1], v[3]), math.Max(v[0], v[2])}
		}
	}
	result := w.result[:0]
	cand := growTo(&w.cand, nbox)[:0]
	selected := w.selected[:0]
	for b := 0; b < nb; b++ {
		bb := boxes[b*nbox : (b+1)*nbox]
		for c := 0; c < nc; c++ {
			scores := sd[(b*nc+c)*nbox : (b*nc+c+1)*nbox]
			cand = cand[:0]
			for i, s := range scores {
				if !useScoreThr || s > scoreThr {
					cand = append(cand, i)
				}
			}
			// Highest score first; ties keep the lower box index first.
			slices.SortStableFunc(cand, func(i, j int) int {
				switch {
				case scores[i] > scores[j]:
					return -1
				case scores[j] > scores[i]:
					return 1
				}
				return 0
			})
			selected = selected[:0]
			for _, i := range cand {
				if int64(len(selected)) >= maxOut {
					break
				}
				keep := true
				for _, s := range selected {
					if suppress(bb[i], bb[s], iouThr) {
						keep = false
						break
					}
				}
				if keep {
					selected = append(selected, i)
					result = append(result, int64(b), int64(c), int64(i))
				}
			}
		}
	}
	w.result, w.selected = result, selected
	out := tensor.New(tensor.Int64, len(result)/3, 3)
	copy(out.Int64s(), result)
	return out, nil
}

// nmsScratch is NonMaxSuppression's working memory, reused through
// nmsScratches so that a run allocates only its output.
type nmsScratch struct {
	bd, sd         []float64
	boxes          []box
	cand, selected []int
	result         []int64
}

var nmsScratches freelist.List[nmsScratch]

// growTo sets *s to n elements (contents arbitrary), reusing its storage.
func growTo[T any](s *[]T, n int) []T {
	if cap(*s) < n {
		*s = make([]T, n)
	}
	*s = (*s)[:n]
	return *s
}

// suppress reports whether the IOU of a and b exceeds thr.
func suppress(a, b box, thr float64) bool {
	ix1, ix2 := math.Max(a.x1, b.x1), math.Min(a.x2, b.x2)
	if ix2 <= ix1 {
		return false
	}
	iy1, iy2 := math.Max(a.y1, b.y1), math.Min(a.y2, b.y2)
	if iy2 <= iy1 {
		return false
	}
	inter := (ix2 - ix1) * (iy2 - iy1)
	areaA := (a.x2 - a.x1) * (a.y2 - a.y1)
	areaB := (b.x2 - b.x1) * (b.y2 - b.y1)
	union := areaA + areaB - inter
	if inter <= 0 || areaA <= 0 || areaB <= 0 || union <= 0 {
		return false
	}
	return inter/union > thr
}
