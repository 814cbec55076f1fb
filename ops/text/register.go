// Package text implements ONNX operators of the text family:
// StringNormalizer, TfIdfVectorizer, StringConcat, RegexFullMatch and
// StringSplit.
package text

import "github.com/sinter-ml/sinter/ops"

// Register adds this family's operators to r.
func Register(r *ops.Registry) {
	r.Register("", "StringNormalizer", 10, bindStringNormalizer)
	r.Register("", "TfIdfVectorizer", 9, bindTfIdf)
	r.Register("", "StringConcat", 20, bindStringConcat)
	r.Register("", "RegexFullMatch", 20, bindRegexFullMatch)
	r.Register("", "StringSplit", 20, bindStringSplit)
}
