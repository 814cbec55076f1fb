// Package text implements ONNX operators of the text family:
// StringNormalizer and TfIdfVectorizer.
package text

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	r.Register("", "StringNormalizer", 10, bindStringNormalizer)
	r.Register("", "TfIdfVectorizer", 9, bindTfIdf)
}
