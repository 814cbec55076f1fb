package text

import (
	"fmt"
	"strings"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

// bindStringNormalizer binds StringNormalizer-10. Case changes and
// case-insensitive matching use Unicode simple case mapping, which is the
// en_US behaviour; other locales are rejected.
func bindStringNormalizer(n *ops.Node) (ops.Kernel, error) {
	action, err := n.String("case_change_action", "NONE")
	if err != nil {
		return nil, err
	}
	var change func(string) string
	switch action {
	case "NONE":
	case "LOWER":
		change = strings.ToLower
	case "UPPER":
		change = strings.ToUpper
	default:
		return nil, fmt.Errorf("StringNormalizer: unsupported case_change_action %q", action)
	}
	cs, err := n.Int("is_case_sensitive", 0)
	if err != nil {
		return nil, err
	}
	locale, err := n.String("locale", "")
	if err != nil {
		return nil, err
	}
	switch locale {
	case "", "en_US", "en-US", "en_US.UTF-8", "en_US.utf8", "C", "POSIX":
	default:
		return nil, fmt.Errorf("StringNormalizer: locale %q is not supported (only en_US)", locale)
	}
	words, err := n.Strings("stopwords")
	if err != nil {
		return nil, err
	}
	stop := make(map[string]bool, len(words))
	for _, w := range words {
		if cs == 0 {
			w = strings.ToLower(w)
		}
		stop[w] = true
	}
	return func(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := input(in, 0)
		if x == nil || x.DType() != tensor.String {
			return nil, fmt.Errorf("StringNormalizer: input must be a string tensor")
		}
		s := x.Shape()
		twoD := false
		switch {
		case len(s) == 1:
		case len(s) == 2 && s[0] == 1:
			twoD = true
		default:
			return nil, fmt.Errorf("StringNormalizer: input shape %v must be [C] or [1, C]", s)
		}
		var kept []string
		for _, v := range x.Strings() {
			key := v
			if cs == 0 {
				key = strings.ToLower(v)
			}
			if stop[key] {
				continue
			}
			if change != nil {
				v = change(v)
			}
			kept = append(kept, v)
		}
		if len(kept) == 0 {
			kept = []string{""}
		}
		var out *tensor.Tensor
		if twoD {
			out = tensor.FromStrings(kept, 1, len(kept))
		} else {
			out = tensor.FromStrings(kept, len(kept))
		}
		return []*tensor.Tensor{out}, nil
	}, nil
}
