package npy_test

import (
	"fmt"

	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

func Example() {
	b, err := npy.Marshal(tensor.From([]float32{1, 2, 3, 4, 5, 6}, 2, 3))
	if err != nil {
		panic(err)
	}
	t, err := npy.Decode(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(b), t, t.Float32s())
	// Output: 152 tensor(float32[2,3]) [1 2 3 4 5 6]
}
