package xgboost_test

import (
	"fmt"

	"github.com/sinter-ml/sinter/compiler"
	"github.com/sinter-ml/sinter/formats/xgboost"
	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/all"
	"github.com/sinter-ml/sinter/tensor"
)

// Load an XGBoost model (any encoding), compile it and score one row. The
// values printed are XGBoost 1.7.4's own for this row (see
// testdata/xgboost/binary_logistic/expected*.npy).
func Example() {
	m, err := xgboost.ReadFile("../../testdata/xgboost/binary_logistic/model.ubj")
	if err != nil {
		panic(err)
	}
	im, err := m.IRModel(xgboost.OutputPrediction, xgboost.OutputMargin, xgboost.OutputLeaf)
	if err != nil {
		panic(err)
	}
	prog, err := compiler.Compile(im, all.Registry())
	if err != nil {
		panic(err)
	}
	x := tensor.FromFloat32([]float32{-1, -1.0583378, 0.5234896, -1.2354113, 1.1850718, 0.8571146}, 1, m.NumFeature)
	out, err := prog.Run([]ops.Value{x}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Format, m.Objective, len(m.Trees), "trees")
	fmt.Printf("%s %.7g\n", prog.OutputNames()[0], out[0].(*tensor.Tensor).Float32s()[0])
	fmt.Printf("%s %.8g\n", prog.OutputNames()[1], out[1].(*tensor.Tensor).Float32s()[0])
	fmt.Println(prog.OutputNames()[2], out[2].(*tensor.Tensor).Int64s())
	// Output:
	// ubjson binary:logistic 8 trees
	// prediction 0.1738345
	// margin -1.5586916
	// leaf [8 12 8 12 10 12 8 7]
}
