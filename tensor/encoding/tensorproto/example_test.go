package tensorproto_test

import (
	"fmt"
	"log"

	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/tensorproto"
)

func ExampleUnmarshal() {
	b := tensorproto.Marshal(tensor.FromFloat32([]float32{1, 2, 3, 4}, 2, 2), "x")
	t, err := tensorproto.Unmarshal(b) // t's storage aliases b
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(t, t.Float32s())
	// Output: tensor(float32[2,2]) [1 2 3 4]
}
