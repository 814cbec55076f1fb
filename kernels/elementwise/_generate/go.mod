module github.com/sinter-ml/sinter/kernels/elementwise/_generate

go 1.26.0
