package peers

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/npy"
)

// vsORT compares with ORT's outputs, saved by `node models/ort.js --save`
// as out/ref/<case>.out<i>.npy; without them there is nothing to compare.
var vsORT = Compare{"ort", func(c Case, _ []*tensor.Tensor) ([]Output, error) {
	var outs []Output
	for i := 0; ; i++ {
		b, err := os.ReadFile(filepath.Join(Dir(), "ref", fmt.Sprintf("%s.out%d.npy", c.Name, i)))
		if os.IsNotExist(err) {
			break
		}
		if err != nil {
			return nil, err
		}
		t, err := npy.Decode(b)
		if err != nil {
			return nil, err
		}
		o, err := FromTensor(t)
		if err != nil {
			return nil, err
		}
		outs = append(outs, o)
	}
	return outs, nil
}}

// BenchmarkModels/<case>: Sinter, one thread.
func BenchmarkModels(b *testing.B) { Bench(b, "sinter", 1, LoadSinter, vsORT) }
