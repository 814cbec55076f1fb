//go:build arm64 && !purego

package gemm

import "github.com/sinter-ml/sinter/internal/cpu"

// asmKernels lists every assembly kernel family (tests run them all).
var asmKernels = []*kernel{
	{name: "neon-8x12", tier: cpu.NEON, mr: neon8x12MR, nr: neon8x12NR},
}

func init() {
	copy(asmKernels[0].rows[:], neon8x12Rows[:])
	kernels[cpu.NEON] = asmKernels[0]
}
