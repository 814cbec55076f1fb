module github.com/sinter-ml/sinter/kernels/gemm/_generate

go 1.26.0
