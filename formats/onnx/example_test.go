package onnx_test

import (
	"fmt"
	"log"

	"github.com/sinter-ml/sinter/formats/onnx"
)

func ExampleOpen() {
	f, err := onnx.Open("testdata/external/model.onnx")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close() // the tensors below are invalid after Close

	g := f.Model.Graph
	for _, n := range g.Nodes {
		fmt.Println(n.OpType, n.Inputs, "->", n.Outputs)
	}
	w := g.Initializer("W").Tensor
	fmt.Println(w, w.Float32s()[:4])
	// Output:
	// MatMul [W x] -> [y]
	// tensor(float32[3,4]) [0 1 2 3]
}
