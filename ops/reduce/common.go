package reduce

import (
	"fmt"

	"github.com/sinter-ml/sinter/internal/freelist"
	"github.com/sinter-ml/sinter/kernels/parallel"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// widen decodes a float16 or bfloat16 tensor into a fresh []float32
// (scratch.widen reuses memory).
func widen(t *tensor.Tensor) []float32 {
	out := make([]float32, t.Len())
	switch t.DType() {
	case tensor.Float16:
		for i, v := range tensor.Data[tensor.Float16Bits](t) {
			out[i] = v.Float32()
		}
	case tensor.BFloat16:
		for i, v := range tensor.Data[tensor.BFloat16Bits](t) {
			out[i] = v.Float32()
		}
	}
	return out
}

// needInputs checks that the first n inputs are present.
func needInputs(in []*tensor.Tensor, n int) error {
	if len(in) < n {
		return fmt.Errorf("expected at least %d inputs, got %d", n, len(in))
	}
	for i := 0; i < n; i++ {
		if in[i] == nil {
			return fmt.Errorf("input %d is missing", i)
		}
	}
	return nil
}

// extents splits shape around axis into the product of the dims before it,
// the dim itself and the product of the dims after it.
func extents(shape tensor.Shape, axis int) (outer, mid, inner int) {
	outer, mid, inner = 1, shape[axis], 1
	for _, d := range shape[:axis] {
		outer *= d
	}
	for _, d := range shape[axis+1:] {
		inner *= d
	}
	return
}

// keepdimsFlag reads the keepdims attribute (default 1).
func keepdimsFlag(n *ops.Node) (bool, error) {
	k, err := n.Int("keepdims", 1)
	return k != 0, err
}

// copyInto copies x's elements into y, which has x's type and length.
func copyInto(y, x *tensor.Tensor) {
	if x.DType() == tensor.String {
		copy(y.Strings(), x.Strings())
		return
	}
	copy(y.Bytes(), x.Bytes())
}

// scratch is per-run working memory, reused through scratches so that
// steady-state runs allocate nothing.
type scratch struct {
	f64 []float64
	lse []lse
	idx []int
	f32 [2][]float32 // see half and widen
	// The integer reductions: Mean's sums, and the input widened for
	// those computed in float64.
	sumI []int64
	sumU []uint64
	in64 []float64
}

// half returns slot k's float32 buffer (k < 2) with n elements, contents
// arbitrary: the working memory of the float16 and bfloat16 paths.
func (s *scratch) half(k, n int) []float32 {
	s.f32[k] = growSlice(s.f32[k], n)
	return s.f32[k]
}

// widen decodes a float16 or bfloat16 tensor into slot k's buffer.
func (s *scratch) widen(k int, t *tensor.Tensor) []float32 {
	b := s.half(k, t.Len())
	tensor.LoadHalf(b, t)
	return b
}

var scratches freelist.List[scratch]

func growSlice[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// rowsPerTask is the number of float32 elements one pool task handles
// when rows are split over the pool: below it a hand-off costs more than
// it saves.
const rowsPerTask = 1 << 14

// rowJob applies one function to every row of a [rows, width] float32
// matrix, split over a pool. Jobs are reused through rowJobs; a job is
// handed to the pool as a parallel.Task, so splitting allocates nothing.
type rowJob struct {
	do    func(j *rowJob, lo, hi int) // rows [lo, hi)
	x, y  []float32
	width int
	rows  int
	k     kind
	mode  smMode
}

var rowJobs freelist.List[rowJob]

// Range does rows [lo, hi).
func (j *rowJob) Range(lo, hi int) { j.do(j, lo, hi) }

// runRows calls do over every row of x (rows × width), writing y, on pool
// when there is enough work to share (nil: on the caller).
func runRows(pool *parallel.Pool, do func(j *rowJob, lo, hi int), x, y []float32, rows, width int, k kind, mode smMode) {
	j := rowJobs.Get()
	j.do, j.x, j.y, j.width, j.rows, j.k, j.mode = do, x, y, width, rows, k, mode
	pool.RunRanges(rows, rowsPerTask/max(width, 1), j)
	j.do, j.x, j.y = nil, nil, nil
	rowJobs.Put(j)
}
