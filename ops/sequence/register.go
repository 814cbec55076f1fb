// Package sequence implements ONNX operators of the sequence family:
// tensor sequences (Sequence*, SplitToSequence, ConcatFromSequence,
// SequenceMap) and optionals (Optional, OptionalHasElement,
// OptionalGetElement).
//
// A sequence flows between kernels as *ops.Sequence; an optional holding a
// value as that value itself; an empty optional as ops.None.
package sequence

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	for _, op := range []struct {
		name  string
		since int64
		bind  ops.ValueBindFunc
	}{
		{"SequenceEmpty", 11, bindSequenceEmpty},
		{"SequenceConstruct", 11, bindSequenceConstruct},
		{"SequenceInsert", 11, bindSequenceInsert},
		{"SequenceAt", 11, bindSequenceAt},
		{"SequenceErase", 11, bindSequenceErase},
		{"SequenceLength", 11, bindSequenceLength},
		{"SplitToSequence", 11, bindSplitToSequence},
		{"ConcatFromSequence", 11, bindConcatFromSequence},
		{"SequenceMap", 17, bindSequenceMap},
		{"Optional", 15, bindOptional},
		{"OptionalHasElement", 15, bindOptionalHasElement},
		{"OptionalGetElement", 15, bindOptionalGetElement},
	} {
		r.RegisterValue("", op.name, op.since, op.bind)
	}
	// 18 accepts a plain tensor or sequence (and, for OptionalHasElement, an
	// omitted input), which the kernels above already do.
	r.RegisterValue("", "OptionalHasElement", 18, bindOptionalHasElement)
	r.RegisterValue("", "OptionalGetElement", 18, bindOptionalGetElement)
}
