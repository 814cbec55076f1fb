package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/sinter-ml/sinter/batch"
	"github.com/sinter-ml/sinter/runtime"
	"github.com/sinter-ml/sinter/tensor"
)

// Serve a model from many goroutines: concurrent Predict calls are batched
// together behind the scenes.
func ExampleEngine() {
	cfg := runtime.DefaultConfig()
	cfg.BatchTimeout = 2 * time.Millisecond
	e, err := runtime.NewEngine(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	if err := e.LoadModel("../testdata/models/mlp.onnx"); err != nil {
		log.Fatal(err)
	}

	x := tensor.FromFloat32([]float32{0.1, 0.2, 0.3, 0.4}, 1, 4)
	res, err := e.Predict(context.Background(), x)
	if err != nil {
		log.Fatal(err)
	}
	y := res.Output("y")
	var sum float32
	for _, p := range y.Float32s() {
		sum += p
	}
	fmt.Println(y.Shape(), fmt.Sprintf("%.3f", sum), e.State())
	// Output: [1,3] 1.000 ready
}

// Enqueue returns a Future at once; a priority orders it in the queue and a
// timeout bounds how long it may stay queued.
func ExampleEngine_Enqueue() {
	e, err := runtime.NewEngine(runtime.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	if err := e.LoadModel("../testdata/models/mlp.onnx"); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	x := tensor.FromFloat32([]float32{1, 2, 3, 4}, 1, 4)
	f := e.Enqueue(ctx, x, batch.PriorityHigh, 50*time.Millisecond)
	res, err := f.Wait(ctx)
	switch {
	case errors.Is(err, runtime.ErrTimeout):
		fmt.Println("still queued after 50ms")
	case err != nil:
		log.Fatal(err)
	default:
		fmt.Println(res.Outputs[0].Shape())
	}
	// Output: [1,3]
}

// PredictBatch submits many inputs and returns one outcome for each.
func ExampleEngine_PredictBatch() {
	e, err := runtime.NewEngine(runtime.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	if err := e.LoadModel("../testdata/models/mlp.onnx"); err != nil {
		log.Fatal(err)
	}
	inputs := []*tensor.Tensor{
		tensor.FromFloat32([]float32{1, 2, 3, 4}, 1, 4),
		tensor.FromFloat32([]float32{1, 2, 3}, 1, 3), // wrong width
	}
	for i, o := range e.PredictBatch(context.Background(), inputs, time.Second) {
		if o.Err != nil {
			fmt.Println(i, errors.Is(o.Err, runtime.ErrInvalidInput))
			continue
		}
		fmt.Println(i, o.Result.Output("y").Shape())
	}
	// Output:
	// 0 [1,3]
	// 1 true
}

// Validate runs the model on synthetic inputs of its declared shapes.
func ExampleEngine_Validate() {
	e, err := runtime.NewEngine(runtime.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	defer e.Shutdown(context.Background())
	if err := e.LoadModel("../testdata/models/mlp.onnx"); err != nil {
		log.Fatal(err)
	}
	rep := e.Validate()
	for _, o := range rep.Outputs {
		fmt.Println(rep.OK, o.Name, o.DType, o.Shape, o.Finite)
	}
	// Output: true y float32 [1,3] true
}
