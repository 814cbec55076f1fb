package image

import (
	"fmt"
	"math"
	"sort"

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
		v, err := ops.Int64s(t)
		if err != nil {
			return nil, fmt.Errorf("max_output_boxes_per_class: %w", err)
		}
		maxOut = max(v[0], 0)
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
	bd, err := tensor.ToFloat64(boxesT)
	if err != nil {
		return nil, err
	}
	sd, err := tensor.ToFloat64(scoresT)
	if err != nil {
		return nil, err
	}
	boxes := make([]box, nb*nbox)
	for i := range boxes {
		v := bd[i*4 : i*4+4]
		if center {
			hw, hh := v[2]/2, v[3]/2
			boxes[i] = box{v[0] - hw, v[1] - hh, v[0] + hw, v[1] + hh}
		} else {
			boxes[i] = box{math.Min(v[1], v[3]), math.Min(v[0], v[2]), math.Max(v[1], v[3]), math.Max(v[0], v[2])}
		}
	}
	var result []int64
	cand := make([]int, 0, nbox)
	var selected []int
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
			sort.SliceStable(cand, func(i, j int) bool { return scores[cand[i]] > scores[cand[j]] })
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
	out := tensor.New(tensor.Int64, len(result)/3, 3)
	copy(out.Int64s(), result)
	return out, nil
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
