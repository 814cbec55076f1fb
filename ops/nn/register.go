// Package nn implements ONNX operators of the nn family: convolutions,
// pools, normalizations, matrix products, quantization, Einsum and Det.
package nn

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	reg := func(op string, sinces []int64, bind ops.BindFunc) { r.RegisterVersions("", op, sinces, bind) }

	reg("Conv", []int64{1, 11}, bindConv)
	reg("ConvTranspose", []int64{1, 11}, bindConvTranspose)
	reg("ConvInteger", []int64{10}, bindConvInteger)
	reg("QLinearConv", []int64{10}, bindQLinearConv)

	reg("MaxPool", []int64{1, 8, 10, 11, 12}, bindMaxPool)
	// AveragePool-19 added dilations, LpPool-18 ceil_mode (and dilations).
	reg("AveragePool", []int64{1, 7, 10, 11, 19}, bindAveragePool)
	reg("LpPool", []int64{1, 2, 11, 18}, bindLpPool)
	reg("GlobalAveragePool", []int64{1}, bindGlobalPool(globalAvg))
	reg("GlobalMaxPool", []int64{1}, bindGlobalPool(globalMax))
	reg("GlobalLpPool", []int64{1, 2}, bindGlobalPool(globalLp))
	reg("MaxUnpool", []int64{9, 11}, bindMaxUnpool)

	reg("BatchNormalization", []int64{1, 6, 7, 9, 14, 15}, bindBatchNorm)
	reg("InstanceNormalization", []int64{1, 6}, bindInstanceNorm)
	reg("LayerNormalization", []int64{17}, bindLayerNorm)
	reg("LRN", []int64{1, 13}, bindLRN)
	reg("MeanVarianceNormalization", []int64{9, 13}, bindMVN)

	reg("Gemm", []int64{1, 6, 7, 9, 11, 13}, bindGemm)
	reg("MatMul", []int64{1, 9, 13}, bindMatMul)
	reg("MatMulInteger", []int64{10}, bindMatMulInteger)
	reg("QLinearMatMul", []int64{10}, bindQLinearMatMul)

	reg("QuantizeLinear", []int64{10, 13}, bindQuantizeLinear)
	reg("DequantizeLinear", []int64{10, 13}, bindDequantizeLinear)
	reg("DynamicQuantizeLinear", []int64{11}, bindDynamicQuantizeLinear)

	reg("Einsum", []int64{12}, bindEinsum)
	reg("Det", []int64{11}, bindDet)

	registerOpset18Plus(r)

	// Sinter's internal operators, created by the compiler's fusion passes.
	r.ClaimOpset("sinter", 1)
	r.Register("sinter", "FusedConv", 1, bindFusedConv)
	r.Register("sinter", "FusedGemm", 1, bindFusedGemm)
	r.Register("sinter", "FusedMatMul", 1, bindFusedMatMul)
	r.Register("sinter", "Gelu", 1, bindSinterGelu)
	// LayerNormalization for models importing opsets before 17, where the
	// compiler recognises it written out (same attributes as ONNX's).
	r.Register("sinter", "LayerNormalization", 1, bindLayerNorm)
	r.Register("sinter", "Attention", 1, bindAttention)
}
