// Package shape implements ONNX operators of the shape family: operators
// that create, reshape, reorder, select or combine tensor elements.
//
// Most of them only move elements, so they are written once over the
// element's storage width (see kind) and work for every dtype, string and
// bool included.
//
// Every operator whose output shapes follow from its inputs' shapes and
// small inputs' values offers the planned form (ops.Planned): Reshape,
// Flatten, Squeeze and Unsqueeze as views of their input (unless it is
// known to hold strings), the others writing into outputs the executor
// provides. Their Infer and Run allocate nothing for inputs of rank up to
// 8. Compress's output size follows from its condition, which its Infer
// reads. NonZero and Unique, whose output sizes depend on the values of
// their data, and Constant, which the compiler evaluates once, have only
// the allocating kernel.
package shape

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	reg := func(op string, sinces []int64, bind ops.BindFunc) {
		r.RegisterVersions("", op, sinces, bind)
	}
	// Versions 19, 20 and 21 of Constant, ConstantOfShape, Shape, Size,
	// Reshape, Flatten, Squeeze, Unsqueeze and Transpose only added types:
	// float8 (19, 20), bfloat16 for ConstantOfShape's value (20) and the
	// 4-bit integers (21). Sinter cannot hold float8 or 4-bit tensors, so
	// those versions refuse such inputs (guard); such constants already fail
	// to decode.
	reg("Constant", []int64{1, 9, 11, 12, 13, 19, 21}, bindConstant)
	reg("ConstantOfShape", []int64{9, 20, 21}, bindConstantOfShape)
	reg("Shape", []int64{1, 13, 15}, bindShape)
	reg("Shape", []int64{19, 21}, ops.RefuseUnstorable(bindShape))
	reg("Size", []int64{1, 13}, bindSize)
	reg("Size", []int64{19, 21}, ops.RefuseUnstorable(bindSize))
	reg("Reshape", []int64{1, 5, 13, 14}, bindReshape)
	reg("Reshape", []int64{19, 21}, ops.RefuseUnstorable(bindReshape))
	reg("Flatten", []int64{1, 9, 11, 13}, bindFlatten)
	reg("Flatten", []int64{21}, ops.RefuseUnstorable(bindFlatten))
	reg("Squeeze", []int64{1, 11, 13}, bindSqueeze)
	reg("Squeeze", []int64{21}, ops.RefuseUnstorable(bindSqueeze))
	reg("Unsqueeze", []int64{1, 11, 13}, bindUnsqueeze)
	reg("Unsqueeze", []int64{21}, ops.RefuseUnstorable(bindUnsqueeze))
	reg("Transpose", []int64{1, 13}, bindTranspose)
	reg("Transpose", []int64{21}, ops.RefuseUnstorable(bindTranspose))
	reg("Concat", []int64{1, 4, 11, 13}, bindConcat)
	// 18 added num_outputs.
	reg("Split", []int64{1, 2, 11, 13, 18}, bindSplit)
	reg("Slice", []int64{1, 10, 11, 13}, bindSlice)
	reg("Gather", []int64{1, 11, 13}, bindGather)
	reg("GatherElements", []int64{11, 13}, bindGatherElements)
	reg("GatherND", []int64{11, 12, 13}, bindGatherND)
	reg("Scatter", []int64{9, 11}, bindScatterElements("Scatter"))
	// 18 added the max and min reductions.
	reg("ScatterElements", []int64{11, 13, 16, 18}, bindScatterElements("ScatterElements"))
	reg("ScatterND", []int64{11, 13, 16, 18}, bindScatterND)
	reg("Expand", []int64{8, 13}, bindExpand)
	reg("Tile", []int64{1, 6, 13}, bindTile)
	// 18 added the axes input, 19 the wrap mode, 21 the 4-bit types.
	reg("Pad", []int64{1, 2, 11, 13, 18, 19}, bindPad)
	reg("Pad", []int64{21}, ops.RefuseUnstorable(bindPad))
	reg("CenterCropPad", []int64{18}, bindCenterCropPad)
	reg("Range", []int64{11}, bindRange)
	reg("OneHot", []int64{9, 11}, bindOneHot)
	reg("NonZero", []int64{9, 13}, bindNonZero)
	reg("TopK", []int64{1, 10, 11}, bindTopK)
	reg("CumSum", []int64{11, 14}, bindCumSum)
	reg("Unique", []int64{11}, bindUnique)
	reg("Compress", []int64{9, 11}, bindCompress)
	reg("DepthToSpace", []int64{1, 11, 13}, bindDepthToSpace)
	reg("SpaceToDepth", []int64{1, 13}, bindSpaceToDepth)
	reg("Trilu", []int64{14}, bindTrilu)
	reg("ReverseSequence", []int64{10}, bindReverseSequence)
	reg("EyeLike", []int64{9}, bindEyeLike)
}
