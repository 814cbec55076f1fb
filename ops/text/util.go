package text

import "github.com/sinter-ml/sinter/tensor"

func input(in []*tensor.Tensor, i int) *tensor.Tensor {
	if i < len(in) {
		return in[i]
	}
	return nil
}
