package text

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// The string operators of opset 20: StringConcat, RegexFullMatch and
// StringSplit.

func needStrings(op string, in []*tensor.Tensor, k int) error {
	for i := 0; i < k; i++ {
		t := input(in, i)
		if t == nil {
			return fmt.Errorf("%s: input %d is missing", op, i)
		}
		if t.DType() != tensor.String {
			return fmt.Errorf("%s: input %d is %v, want string", op, i, t.DType())
		}
	}
	return nil
}

// bindStringConcat binds StringConcat-20: elementwise X + Y with
// multidirectional broadcasting.
func bindStringConcat(n *ops.Node) (ops.Kernel, error) {
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := needStrings("StringConcat", in, 2); err != nil {
			return nil, err
		}
		x, y := in[0], in[1]
		os, err := ops.BroadcastShape(x.Shape(), y.Shape())
		if err != nil {
			return nil, fmt.Errorf("StringConcat: %w", err)
		}
		if err := os.Check(); err != nil {
			return nil, fmt.Errorf("StringConcat: %w", err)
		}
		out := tensor.New(tensor.String, os...)
		ops.Binary(x.Strings(), x.Shape(), y.Strings(), y.Shape(), out.Strings(), os,
			func(a, b string) string { return a + b })
		return []*tensor.Tensor{out}, nil
	}, nil
}

// bindRegexFullMatch binds RegexFullMatch-20: whether each string matches
// pattern in full. ONNX specifies RE2 syntax; Go's regexp implements the
// same syntax and linear-time semantics (it lacks only RE2's \C, which
// Compile rejects).
func bindRegexFullMatch(n *ops.Node) (ops.Kernel, error) {
	p, err := n.String("pattern", "")
	if err != nil {
		return nil, fmt.Errorf("RegexFullMatch: %w", err)
	}
	if !n.Has("pattern") {
		return nil, fmt.Errorf("RegexFullMatch: attribute pattern is required")
	}
	re, err := regexp.Compile(`\A(?:` + p + `)\z`)
	if err != nil {
		return nil, fmt.Errorf("RegexFullMatch: invalid pattern %q: %w", p, err)
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := needStrings("RegexFullMatch", in, 1); err != nil {
			return nil, err
		}
		x := in[0]
		out := tensor.New(tensor.Bool, x.Shape()...)
		o := out.Bools()
		for i, s := range x.Strings() {
			if !utf8.ValidString(s) {
				return nil, fmt.Errorf("RegexFullMatch: element %d is not valid UTF-8", i)
			}
			o[i] = re.MatchString(s)
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}

// bindStringSplit binds StringSplit-20. With a non-empty delimiter each
// string is split at every occurrence of it; without one, at runs of
// whitespace, ignoring leading and trailing whitespace (like Python's
// str.split). maxsplit bounds the number of splits, the remainder forming
// the last substring. An empty string has no substrings. Output Y has one more axis than X, as long as the
// most substrings any string gave, padded with ""; Z counts each string's
// substrings.
func bindStringSplit(n *ops.Node) (ops.Kernel, error) {
	delim, err := n.String("delimiter", "")
	if err != nil {
		return nil, fmt.Errorf("StringSplit: %w", err)
	}
	maxsplit := int64(-1)
	if n.Has("maxsplit") {
		if maxsplit, err = n.Int("maxsplit", 0); err != nil {
			return nil, fmt.Errorf("StringSplit: %w", err)
		}
		if maxsplit < 0 {
			return nil, fmt.Errorf("StringSplit: maxsplit %d is negative", maxsplit)
		}
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		if err := needStrings("StringSplit", in, 1); err != nil {
			return nil, err
		}
		x := in[0]
		parts := make([][]string, x.Len())
		width := 0
		for i, s := range x.Strings() {
			if s == "" {
				// No substrings at all, as ONNX Runtime has it (not Python's
				// single empty one).
			} else if delim != "" {
				if maxsplit < 0 {
					parts[i] = strings.Split(s, delim)
				} else {
					parts[i] = strings.SplitN(s, delim, int(min(maxsplit, int64(len(s))))+1)
				}
			} else {
				parts[i] = splitSpace(s, maxsplit)
			}
			width = max(width, len(parts[i]))
		}
		ys := append(x.Shape().Clone(), width)
		if err := ys.Check(); err != nil {
			return nil, fmt.Errorf("StringSplit: %w", err)
		}
		y := tensor.New(tensor.String, ys...)
		z := tensor.New(tensor.Int64, x.Shape()...)
		yv, zv := y.Strings(), z.Int64s()
		for i, p := range parts {
			copy(yv[i*width:], p)
			zv[i] = int64(len(p))
		}
		return []*tensor.Tensor{y, z}, nil
	}, nil
}

// splitSpace splits s at runs of white space as Python's str.split() does,
// making at most maxsplit splits when maxsplit ≥ 0.
func splitSpace(s string, maxsplit int64) []string {
	var out []string
	for {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		if s == "" {
			return out
		}
		if maxsplit >= 0 && int64(len(out)) == maxsplit {
			// The remainder, without its trailing white space (as ONNX
			// Runtime does; Python would keep it).
			return append(out, strings.TrimRightFunc(s, unicode.IsSpace))
		}
		end := strings.IndexFunc(s, unicode.IsSpace)
		if end < 0 {
			return append(out, s)
		}
		out = append(out, s[:end])
		s = s[end:]
	}
}
