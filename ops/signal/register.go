// Package signal implements ONNX operators of the signal family: DFT, STFT,
// the window generators and MelWeightMatrix.
package signal

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	r.Register("", "DFT", 17, bindDFT)
	// 20 moved the axis to an input.
	r.Register("", "DFT", 20, bindDFT20)
	r.Register("", "STFT", 17, bindSTFT)
	r.Register("", "HannWindow", 17, bindWindow("HannWindow", []float64{0.5, 0.5}))
	r.Register("", "HammingWindow", 17, bindWindow("HammingWindow", []float64{25.0 / 46, 21.0 / 46}))
	r.Register("", "BlackmanWindow", 17, bindWindow("BlackmanWindow", []float64{0.42, 0.5, 0.08}))
	r.Register("", "MelWeightMatrix", 17, bindMelWeightMatrix)
}
