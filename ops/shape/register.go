// Package shape implements ONNX operators of the shape family: operators
// that create, reshape, reorder, select or combine tensor elements.
//
// Most of them only move elements, so they are written once over the
// element's storage width (see mover) and work for every dtype, string and
// bool included.
package shape

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	reg := func(op string, sinces []int64, bind ops.BindFunc) {
		r.RegisterVersions("", op, sinces, bind)
	}
	reg("Constant", []int64{1, 9, 11, 12, 13}, bindConstant)
	reg("ConstantOfShape", []int64{9}, bindConstantOfShape)
	reg("Shape", []int64{1, 13, 15}, bindShape)
	reg("Size", []int64{1, 13}, bindSize)
	reg("Reshape", []int64{1, 5, 13, 14}, bindReshape)
	reg("Flatten", []int64{1, 9, 11, 13}, bindFlatten)
	reg("Squeeze", []int64{1, 11, 13}, bindSqueeze)
	reg("Unsqueeze", []int64{1, 11, 13}, bindUnsqueeze)
	reg("Transpose", []int64{1, 13}, bindTranspose)
	reg("Concat", []int64{1, 4, 11, 13}, bindConcat)
	reg("Split", []int64{1, 2, 11, 13}, bindSplit)
	reg("Slice", []int64{1, 10, 11, 13}, bindSlice)
	reg("Gather", []int64{1, 11, 13}, bindGather)
	reg("GatherElements", []int64{11, 13}, bindGatherElements)
	reg("GatherND", []int64{11, 12, 13}, bindGatherND)
	reg("Scatter", []int64{9, 11}, bindScatterElements("Scatter"))
	reg("ScatterElements", []int64{11, 13, 16}, bindScatterElements("ScatterElements"))
	reg("ScatterND", []int64{11, 13, 16}, bindScatterND)
	reg("Expand", []int64{8, 13}, bindExpand)
	reg("Tile", []int64{1, 6, 13}, bindTile)
	reg("Pad", []int64{1, 2, 11, 13}, bindPad)
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
