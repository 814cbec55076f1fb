// Package kernels names the compute tier Sinter's kernels run on and lets
// callers force a lower one. The kernels themselves live in the
// subpackages: gemm (SGEMM with fused epilogues and pre-packed weights),
// conv (convolutions lowered to gemm), elementwise (vector math, softmax,
// norms, reductions), pool (max and average pooling) and parallel (the
// worker pool).
//
// The tier is read from the CPU once at start-up; the environment variable
// SINTER_CPU=generic|avx2|avx512|neon lowers it for the whole process, and
// Force lowers it at run time (a build with the purego tag is always
// generic).
package kernels

import (
	"fmt"

	"github.com/sinter-ml/sinter/internal/cpu"
	"github.com/sinter-ml/sinter/kernels/gemm"
)

// Tier returns the tier in force: "generic", "avx2", "avx512" or "neon".
func Tier() string { return cpu.Current().String() }

// Best returns the highest tier this machine and build support.
func Best() string { return cpu.Best().String() }

// Name describes the tier, the SGEMM micro-kernel and the machine, for
// `sinter version` and `sinter inspect`, e.g.
// "avx512, sgemm avx512-12x32 (AMD EPYC; L1d 32K L2 1024K L3 32768K)".
func Name() string {
	s := cpu.Name()
	if err := cpu.EnvError(); err != nil {
		s += fmt.Sprintf(" [%s ignored: %v]", cpu.EnvVar, err)
	}
	return fmt.Sprintf("%s; sgemm %s", s, gemm.KernelName())
}

// Force switches every kernel to the named tier (see Tier), which must be
// supported here; it returns an error otherwise. Pre-packed weights keep the
// layout of the kernel they were packed for and stay valid.
func Force(tier string) error {
	t, err := cpu.ParseTier(tier)
	if err != nil {
		return err
	}
	return cpu.SetTier(t)
}

// Reset restores the best tier.
func Reset() { cpu.Reset() }
