package runtime_test

import (
	"fmt"
	"log"

	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
)

// Open a model, feed it a batch of two rows and read the output. The MLP
// ends in a Softmax, so each output row sums to one.
func ExampleOpen() {
	sess, err := runtime.Open("../testdata/models/mlp.onnx")
	if err != nil {
		log.Fatal(err)
	}
	defer sess.Close()

	x := tensor.FromFloat32([]float32{
		0.1, 0.2, 0.3, 0.4,
		-1, 0, 1, 2,
	}, 2, 4)
	outs, err := sess.Run([]*tensor.Tensor{x})
	if err != nil {
		log.Fatal(err)
	}
	y := outs[0]
	fmt.Println(sess.Outputs()[0].Name, y.DType(), y.Shape())
	for r := 0; r < 2; r++ {
		var sum float32
		for _, p := range y.Float32s()[r*3 : r*3+3] {
			sum += p
		}
		fmt.Printf("row %d sums to %.4f\n", r, sum)
	}
	// Output:
	// y float32 [2,3]
	// row 0 sums to 1.0000
	// row 1 sums to 1.0000
}

// A serving loop reuses its output tensors: after the first call, which
// records the memory plan for this input shape, RunInto writes the result
// into outs[0] and allocates nothing.
func ExampleSession_RunInto() {
	sess, err := runtime.Open("../testdata/models/mlp.onnx")
	if err != nil {
		log.Fatal(err)
	}
	defer sess.Close()

	outs := make([]*tensor.Tensor, len(sess.Outputs())) // nil: allocated by the first call
	for _, row := range [][]float32{{0.1, 0.2, 0.3, 0.4}, {-1, 0, 1, 2}} {
		x := tensor.FromFloat32(row, 1, 4)
		if err := sess.RunInto([]*tensor.Tensor{x}, outs); err != nil {
			log.Fatal(err)
		}
		fmt.Println(outs[0].Shape())
	}
	// Output:
	// [1,3]
	// [1,3]
}
