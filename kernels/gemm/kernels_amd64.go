//go:build amd64 && !purego

package gemm

import (
	"os"

	"github.com/sinter-ml/sinter/internal/cpu"
)

func newKernel(name string, tier cpu.Tier, mr, nr int, rows []rowKernel, wide wideKernel) *kernel {
	k := &kernel{name: name, tier: tier, mr: mr, nr: nr, wide: wide}
	copy(k.rows[:], rows)
	return k
}

// asmKernels lists every assembly kernel family (tests run them all). On the
// development machine all AVX-512 shapes reach the same FMA ceiling; 12×32
// needs the fewest loads per FMA among the broadcast forms.
var asmKernels = []*kernel{
	newKernel("avx512-12x32", cpu.AVX512, avx512x32MR, avx512x32NR, avx512x32Rows[:], sgemm_avx512x32_wide),
	newKernel("avx512-6x32", cpu.AVX512, avx512x32sMR, avx512x32sNR, avx512x32sRows[:], sgemm_avx512x32s_wide),
	newKernel("avx512-6x64", cpu.AVX512, avx512x64MR, avx512x64NR, avx512x64Rows[:], sgemm_avx512x64_wide),
	newKernel("avx2-6x16", cpu.AVX2, avx2x16MR, avx2x16NR, avx2x16Rows[:], sgemm_avx2x16_wide),
}

// KernelEnv names an environment variable that picks the AVX-512 kernel
// family by name (for measurements), e.g. SINTER_GEMM_KERNEL=avx512-6x64.
const KernelEnv = "SINTER_GEMM_KERNEL"

func init() {
	kernels[cpu.AVX512] = asmKernels[0]
	kernels[cpu.AVX2] = asmKernels[len(asmKernels)-1]
	if name := os.Getenv(KernelEnv); name != "" {
		for _, k := range asmKernels {
			if k.name == name && k.tier == cpu.AVX512 {
				kernels[cpu.AVX512] = k
			}
		}
	}
}
