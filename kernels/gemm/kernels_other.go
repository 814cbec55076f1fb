//go:build !(amd64 || arm64) || purego

package gemm

// asmKernels is empty: this build uses the pure-Go kernel only.
var asmKernels []*kernel
