package control

import (
	"fmt"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/sequence"
	"github.com/sinter-ml/sinter/tensor"
)

// scanBody is what both Scan forms share: the body and the counts of state
// variables (N), scan inputs (M) and scan outputs (K).
type scanBody struct {
	n                *ops.Node
	body             ops.Subgraph
	numState         int
	numScanIn        int
	numScanOut       int
	inDirs           []int64 // M entries, 0 forward, 1 reverse
	numIn, numOutput int
}

// newScanBody reads the attributes common to all Scan versions. lead is
// the number of node inputs before the states (1 for Scan-8's
// sequence_lens, else 0); dirAttr names the input-directions attribute.
func newScanBody(n *ops.Node, lead int, dirAttr string) (*scanBody, error) {
	body, err := n.Subgraph("body")
	if err != nil {
		return nil, err
	}
	if !n.Has("num_scan_inputs") {
		return nil, fmt.Errorf("attribute num_scan_inputs is required")
	}
	m, err := n.Int("num_scan_inputs", 0)
	if err != nil {
		return nil, err
	}
	numIn := n.NumInputs()
	if m < 1 || m > int64(numIn-lead) {
		return nil, fmt.Errorf("num_scan_inputs is %d, but the node has %d state and scan inputs", m, numIn-lead)
	}
	s := &scanBody{n: n, body: body, numScanIn: int(m), numIn: numIn, numOutput: n.NumOutputs()}
	s.numState = numIn - lead - s.numScanIn
	if got := len(body.InputNames()); got != s.numState+s.numScanIn {
		return nil, fmt.Errorf("body has %d inputs, want %d states + %d scan inputs", got, s.numState, s.numScanIn)
	}
	bodyOut := len(body.OutputNames())
	if bodyOut < s.numState {
		return nil, fmt.Errorf("body has %d outputs, want at least %d states", bodyOut, s.numState)
	}
	s.numScanOut = bodyOut - s.numState
	if s.numOutput > bodyOut {
		return nil, fmt.Errorf("node has %d outputs, body has %d", s.numOutput, bodyOut)
	}
	if s.inDirs, err = flags(n, dirAttr, s.numScanIn, true); err != nil {
		return nil, err
	}
	return s, nil
}

// flags reads an optional ints attribute of want entries (zeros when
// absent); binary restricts entries to 0 and 1.
func flags(n *ops.Node, name string, want int, binary bool) ([]int64, error) {
	v, err := n.Ints(name)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return make([]int64, want), nil
	}
	if len(v) != want {
		return nil, fmt.Errorf("attribute %s has %d entries, want %d", name, len(v), want)
	}
	if binary {
		for _, d := range v {
			if d != 0 && d != 1 {
				return nil, fmt.Errorf("attribute %s entries must be 0 or 1, got %v", name, v)
			}
		}
	}
	return v, nil
}

// iterate runs the body count times from the given states. elem(t, j)
// yields scan input j's element for iteration t (already accounting for
// direction). It returns the final states and, per scan output, the
// per-iteration tensors in iteration order.
func (s *scanBody) iterate(states []ops.Value, count int, elem func(t, j int) (*tensor.Tensor, error), hidden []ops.Value) ([]ops.Value, [][]*tensor.Tensor, error) {
	cur := make([]ops.Value, s.numState)
	copy(cur, states)
	outs := make([][]*tensor.Tensor, s.numScanOut)
	args := make([]ops.Value, s.numState+s.numScanIn)
	for t := 0; t < count; t++ {
		copy(args, cur)
		for j := 0; j < s.numScanIn; j++ {
			e, err := elem(t, j)
			if err != nil {
				return nil, nil, fmt.Errorf("scan input %d: %w", j, err)
			}
			args[s.numState+j] = e
		}
		res, err := s.body.Run(args, hidden)
		if err != nil {
			return nil, nil, fmt.Errorf("iteration %d: %w", t, err)
		}
		if len(res) != s.numState+s.numScanOut {
			return nil, nil, fmt.Errorf("iteration %d: body returned %d values, want %d", t, len(res), s.numState+s.numScanOut)
		}
		copy(cur, res[:s.numState])
		for k := range outs {
			o, err := asTensorAt(res[s.numState+k], "scan output", k)
			if err != nil {
				return nil, nil, fmt.Errorf("iteration %d: %w", t, err)
			}
			if prev := outs[k]; len(prev) > 0 {
				if o.DType() != prev[0].DType() || !o.Shape().Equal(prev[0].Shape()) {
					return nil, nil, fmt.Errorf("iteration %d: scan output %d is %v, earlier iterations gave %v", t, k, o, prev[0])
				}
			}
			outs[k] = append(outs[k], o)
		}
	}
	return cur, outs, nil
}

// Scan (9, 11, 16): iterate over scan inputs along scan_input_axes (in
// scan_input_directions), carrying N states; stack each scan output along
// scan_output_axes (appending or prepending per scan_output_directions).
func bindScan9(n *ops.Node) (ops.ValueKernel, error) {
	s, err := newScanBody(n, 0, "scan_input_directions")
	if err != nil {
		return nil, fmt.Errorf("Scan: %w", err)
	}
	inAxes, err := flags(n, "scan_input_axes", s.numScanIn, false)
	if err != nil {
		return nil, fmt.Errorf("Scan: %w", err)
	}
	outAxes, err := flags(n, "scan_output_axes", s.numScanOut, false)
	if err != nil {
		return nil, fmt.Errorf("Scan: %w", err)
	}
	outDirs, err := flags(n, "scan_output_directions", s.numScanOut, true)
	if err != nil {
		return nil, fmt.Errorf("Scan: %w", err)
	}
	return func(in []ops.Value) ([]ops.Value, error) {
		if len(in) < s.numIn {
			return nil, fmt.Errorf("Scan: got %d inputs, want %d", len(in), s.numIn)
		}
		hidden := in[s.numIn:]
		states := in[:s.numState]
		scanIn := make([]*tensor.Tensor, s.numScanIn)
		axes := make([]int, s.numScanIn)
		count := -1
		for j := range scanIn {
			t, err := asTensorAt(in[s.numState+j], "Scan scan input", j)
			if err != nil {
				return nil, err
			}
			ax, err := ops.NormAxis(inAxes[j], t.Rank())
			if err != nil {
				return nil, fmt.Errorf("Scan scan input %d: %w", j, err)
			}
			l := t.Shape()[ax]
			if count >= 0 && l != count {
				return nil, fmt.Errorf("Scan: scan input %d has %d elements along axis %d, earlier inputs have %d", j, l, ax, count)
			}
			count = l
			scanIn[j], axes[j] = t, ax
		}
		elem := func(t, j int) (*tensor.Tensor, error) {
			if s.inDirs[j] == 1 {
				t = count - 1 - t
			}
			return sequence.IndexAxis(scanIn[j], axes[j], t)
		}
		final, outs, err := s.iterate(states, count, elem, hidden)
		if err != nil {
			return nil, fmt.Errorf("Scan: %w", err)
		}
		res := make([]ops.Value, s.numOutput)
		for j := range res {
			if j < s.numState {
				res[j] = final[j]
				continue
			}
			if !n.HasOutput(j) {
				continue
			}
			k := j - s.numState
			list := outs[k]
			var out *tensor.Tensor
			if len(list) == 0 {
				typ := graphOutputType(n, "body", j)
				_, dims := staticDims(typ)
				ax, err := ops.NormAxis(outAxes[k], len(dims)+1)
				if err != nil {
					return nil, fmt.Errorf("Scan scan output %d: %w", k, err)
				}
				if out, err = emptyFromType(typ, ax); err != nil {
					return nil, fmt.Errorf("Scan scan output %d: %w", k, err)
				}
			} else {
				ax, err := ops.NormAxis(outAxes[k], list[0].Rank()+1)
				if err != nil {
					return nil, fmt.Errorf("Scan scan output %d: %w", k, err)
				}
				if outDirs[k] == 1 {
					rev := make([]*tensor.Tensor, len(list))
					for i, t := range list {
						rev[len(list)-1-i] = t
					}
					list = rev
				}
				if out, err = sequence.Stack(list, ax); err != nil {
					return nil, fmt.Errorf("Scan scan output %d: %w", k, err)
				}
			}
			res[j] = out
		}
		return res, nil
	}, nil
}

// Scan-8: the batched form. Input 0 is the optional sequence_lens; every
// state and scan input has the batch on axis 0, and scan inputs are scanned
// along axis 1. Each batch entry is scanned independently for its own
// length; scan outputs are padded with zeros to the maximum length.
func bindScan8(n *ops.Node) (ops.ValueKernel, error) {
	s, err := newScanBody(n, 1, "directions")
	if err != nil {
		return nil, fmt.Errorf("Scan: %w", err)
	}
	return func(in []ops.Value) ([]ops.Value, error) {
		if len(in) < s.numIn {
			return nil, fmt.Errorf("Scan: got %d inputs, want %d", len(in), s.numIn)
		}
		hidden := in[s.numIn:]
		states := make([]*tensor.Tensor, s.numState)
		scanIn := make([]*tensor.Tensor, s.numScanIn)
		batch, maxLen := -1, -1
		for j := range scanIn {
			t, err := asTensorAt(in[1+s.numState+j], "Scan scan input", j)
			if err != nil {
				return nil, err
			}
			if t.Rank() < 2 {
				return nil, fmt.Errorf("Scan: scan input %d has shape %v, want [batch, sequence, …]", j, t.Shape())
			}
			b, l := t.Shape()[0], t.Shape()[1]
			if batch >= 0 && (b != batch || l != maxLen) {
				return nil, fmt.Errorf("Scan: scan input %d has shape %v, earlier inputs have batch %d and length %d", j, t.Shape(), batch, maxLen)
			}
			batch, maxLen = b, l
			scanIn[j] = t
		}
		for i := range states {
			t, err := asTensorAt(in[1+i], "Scan initial state", i)
			if err != nil {
				return nil, err
			}
			if t.Rank() < 1 || t.Shape()[0] != batch {
				return nil, fmt.Errorf("Scan: initial state %d has shape %v, want batch %d first", i, t.Shape(), batch)
			}
			states[i] = t
		}
		lens := make([]int, batch)
		for b := range lens {
			lens[b] = maxLen
		}
		if present(in[0]) {
			t, err := asTensor(in[0], "Scan sequence_lens")
			if err != nil {
				return nil, err
			}
			vals, err := ops.Int64s(t)
			if err != nil {
				return nil, fmt.Errorf("Scan sequence_lens: %w", err)
			}
			if t.Rank() != 1 || len(vals) != batch {
				return nil, fmt.Errorf("Scan: sequence_lens has shape %v, want [%d]", t.Shape(), batch)
			}
			for b, v := range vals {
				if v < 0 || v > int64(maxLen) {
					return nil, fmt.Errorf("Scan: sequence_lens[%d] = %d out of range [0, %d]", b, v, maxLen)
				}
				lens[b] = int(v)
			}
		}
		finals := make([][]*tensor.Tensor, s.numState)       // [state][batch]
		perBatch := make([][][]*tensor.Tensor, s.numScanOut) // [output][batch][iteration]
		for k := range perBatch {
			perBatch[k] = make([][]*tensor.Tensor, batch)
		}
		for b := 0; b < batch; b++ {
			st := make([]ops.Value, s.numState)
			for i, t := range states {
				v, err := sequence.IndexAxis(t, 0, b)
				if err != nil {
					return nil, fmt.Errorf("Scan: %w", err)
				}
				st[i] = v
			}
			rows := make([]*tensor.Tensor, s.numScanIn)
			for j, t := range scanIn {
				v, err := sequence.IndexAxis(t, 0, b)
				if err != nil {
					return nil, fmt.Errorf("Scan: %w", err)
				}
				rows[j] = v
			}
			count := lens[b]
			elem := func(t, j int) (*tensor.Tensor, error) {
				if s.inDirs[j] == 1 {
					t = count - 1 - t
				}
				return sequence.IndexAxis(rows[j], 0, t)
			}
			final, outs, err := s.iterate(st, count, elem, hidden)
			if err != nil {
				return nil, fmt.Errorf("Scan batch %d: %w", b, err)
			}
			for i, v := range final {
				t, err := asTensorAt(v, "Scan state", i)
				if err != nil {
					return nil, err
				}
				finals[i] = append(finals[i], t)
			}
			for k, list := range outs {
				perBatch[k][b] = list
			}
		}
		res := make([]ops.Value, s.numOutput)
		for j := range res {
			if !n.HasOutput(j) {
				continue
			}
			var out *tensor.Tensor
			var err error
			if j < s.numState {
				if batch == 0 {
					out, err = emptyFromType(graphOutputType(n, "body", j), 0)
				} else {
					out, err = sequence.Stack(finals[j], 0)
				}
				if err != nil {
					return nil, fmt.Errorf("Scan final state %d: %w", j, err)
				}
				res[j] = out
				continue
			}
			k := j - s.numState
			if out, err = padScanOutput(perBatch[k], maxLen, graphOutputType(n, "body", j)); err != nil {
				return nil, fmt.Errorf("Scan scan output %d: %w", k, err)
			}
			res[j] = out
		}
		return res, nil
	}, nil
}

// padScanOutput assembles Scan-8's [batch, maxLen, …] scan output from each
// batch entry's per-iteration tensors, zero-filling missing iterations.
func padScanOutput(lists [][]*tensor.Tensor, maxLen int, typ *ir.Type) (*tensor.Tensor, error) {
	var proto *tensor.Tensor
	for _, l := range lists {
		if len(l) > 0 {
			proto = l[0]
			break
		}
	}
	if proto == nil {
		dt, dims := staticDims(typ)
		return newTensor(dt, append(tensor.Shape{len(lists), maxLen}, dims...))
	}
	var zero *tensor.Tensor
	rows := make([]*tensor.Tensor, len(lists))
	for b, l := range lists {
		if len(l) < maxLen {
			if zero == nil {
				zero = tensor.New(proto.DType(), proto.Shape()...)
			}
			padded := make([]*tensor.Tensor, maxLen)
			copy(padded, l)
			for t := len(l); t < maxLen; t++ {
				padded[t] = zero
			}
			l = padded
		}
		row, err := sequence.Stack(l, 0)
		if err != nil {
			return nil, err
		}
		rows[b] = row
	}
	return sequence.Stack(rows, 0)
}
