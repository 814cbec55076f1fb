// Package all assembles Sinter's default operator registry from every op family.
package all

import (
	"sync"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/ops/control"
	"github.com/sinter-ml/sinter/ops/elementwise"
	"github.com/sinter-ml/sinter/ops/image"
	"github.com/sinter-ml/sinter/ops/ml"
	"github.com/sinter-ml/sinter/ops/nn"
	"github.com/sinter-ml/sinter/ops/random"
	"github.com/sinter-ml/sinter/ops/reduce"
	"github.com/sinter-ml/sinter/ops/rnn"
	"github.com/sinter-ml/sinter/ops/sequence"
	"github.com/sinter-ml/sinter/ops/shape"
	"github.com/sinter-ml/sinter/ops/signal"
	"github.com/sinter-ml/sinter/ops/text"
)

// MaxOpset is the newest ai.onnx opset version Sinter claims.
const MaxOpset = 21

var (
	once sync.Once
	reg  *ops.Registry
)

// Registry returns the default registry: every operator Sinter implements.
// It is built once and must not be modified.
func Registry() *ops.Registry {
	once.Do(func() {
		r := ops.NewRegistry()
		r.ClaimOpset("", MaxOpset)
		r.ClaimOpset("ai.onnx.preview.training", 1)
		for _, register := range []func(*ops.Registry){
			control.Register, elementwise.Register, image.Register, ml.Register, nn.Register, random.Register, reduce.Register,
			rnn.Register, sequence.Register, shape.Register, signal.Register, text.Register,
		} {
			register(r)
		}
		reg = r
	})
	return reg
}
