package text

import (
	"fmt"

	"github.com/sinter-ml/sinter/ops"
	"github.com/sinter-ml/sinter/tensor"
)

type trie[K comparable] struct {
	id   int // 1-based n-gram id; 0 for a prefix that is no n-gram of its own
	kids map[K]*trie[K]
}

func (t *trie[K]) child(k K) *trie[K] {
	if t.kids == nil {
		t.kids = map[K]*trie[K]{}
	}
	c := t.kids[k]
	if c == nil {
		c = &trie[K]{}
		t.kids[k] = c
	}
	return c
}

// tfidf is a bound TfIdfVectorizer-9.
type tfidf struct {
	mode             string
	minGram, maxGram int
	maxSkip          int
	indexes          []int64
	outSize          int
	weights          []float32
	strPool          *trie[string]
	intPool          *trie[int64]
	strings          bool
}

// buildTrie loads the n-grams of the pool whose length is within
// [minGram, maxGram]; ids count every n-gram of the pool, 1-based.
func buildTrie[K comparable](pool []K, counts []int64, minGram, maxGram int) (*trie[K], int, error) {
	root := &trie[K]{}
	id := 1
	for i, c := range counts {
		end := int64(len(pool))
		if i+1 < len(counts) {
			end = counts[i+1]
		}
		if c < 0 || c > end || end > int64(len(pool)) {
			return nil, 0, fmt.Errorf("ngram_counts %v do not fit a pool of %d", counts, len(pool))
		}
		size := i + 1
		n := int(end-c) / size
		if size < minGram || size > maxGram {
			id += n
			continue
		}
		p := int(c)
		for g := 0; g < n; g++ {
			node := root
			for k := 0; k < size; k++ {
				node = node.child(pool[p])
				p++
			}
			node.id = id
			id++
		}
	}
	return root, id - 1, nil
}

func bindTfIdf(n *ops.Node) (ops.Kernel, error) {
	t := &tfidf{}
	var err error
	if t.mode, err = n.String("mode", ""); err != nil {
		return nil, err
	}
	switch t.mode {
	case "TF", "IDF", "TFIDF":
	default:
		return nil, fmt.Errorf("TfIdfVectorizer: unsupported mode %q", t.mode)
	}
	ints := func(name string) (int, error) {
		if !n.Has(name) {
			return 0, fmt.Errorf("TfIdfVectorizer: attribute %s is required", name)
		}
		v, err := n.Int(name, 0)
		if err != nil {
			return 0, err
		}
		if v < 0 || v > 1<<20 {
			return 0, fmt.Errorf("TfIdfVectorizer: invalid %s %d", name, v)
		}
		return int(v), nil
	}
	if t.minGram, err = ints("min_gram_length"); err != nil {
		return nil, err
	}
	if t.maxGram, err = ints("max_gram_length"); err != nil {
		return nil, err
	}
	if t.maxSkip, err = ints("max_skip_count"); err != nil {
		return nil, err
	}
	if t.minGram < 1 || t.maxGram < t.minGram {
		return nil, fmt.Errorf("TfIdfVectorizer: need 1 <= min_gram_length <= max_gram_length, got %d, %d", t.minGram, t.maxGram)
	}
	counts, err := n.Ints("ngram_counts")
	if err != nil {
		return nil, err
	}
	if t.indexes, err = n.Ints("ngram_indexes"); err != nil {
		return nil, err
	}
	if len(t.indexes) == 0 {
		return nil, fmt.Errorf("TfIdfVectorizer: ngram_indexes is required")
	}
	maxIdx := int64(-1)
	for _, v := range t.indexes {
		if v < 0 || v >= tensor.MaxElements {
			return nil, fmt.Errorf("TfIdfVectorizer: invalid ngram index %d", v)
		}
		maxIdx = max(maxIdx, v)
	}
	t.outSize = int(maxIdx) + 1
	if t.weights, err = n.Floats("weights"); err != nil {
		return nil, err
	}
	if len(t.weights) > 0 && len(t.weights) < t.outSize {
		return nil, fmt.Errorf("TfIdfVectorizer: %d weights for %d outputs", len(t.weights), t.outSize)
	}
	pi, err := n.Ints("pool_int64s")
	if err != nil {
		return nil, err
	}
	ps, err := n.Strings("pool_strings")
	if err != nil {
		return nil, err
	}
	var total int
	switch {
	case len(ps) > 0 && len(pi) > 0:
		return nil, fmt.Errorf("TfIdfVectorizer: only one of pool_strings and pool_int64s may be set")
	case len(ps) > 0:
		t.strings = true
		t.strPool, total, err = buildTrie(ps, counts, t.minGram, t.maxGram)
	default:
		t.intPool, total, err = buildTrie(pi, counts, t.minGram, t.maxGram)
	}
	if err != nil {
		return nil, fmt.Errorf("TfIdfVectorizer: %w", err)
	}
	if total > len(t.indexes) {
		return nil, fmt.Errorf("TfIdfVectorizer: %d n-grams in the pool but %d ngram_indexes", total, len(t.indexes))
	}
	return t.run, nil
}

func (t *tfidf) run(in []*tensor.Tensor) ([]*tensor.Tensor, error) {
	x := input(in, 0)
	if x == nil {
		return nil, fmt.Errorf("TfIdfVectorizer: input is missing")
	}
	s := x.Shape()
	var rows, cols int
	var outShape tensor.Shape
	switch len(s) {
	case 0:
		rows, cols, outShape = 1, 1, tensor.Shape{t.outSize}
	case 1:
		rows, cols, outShape = 1, s[0], tensor.Shape{t.outSize}
	case 2:
		rows, cols, outShape = s[0], s[1], tensor.Shape{s[0], t.outSize}
	default:
		return nil, fmt.Errorf("TfIdfVectorizer: input shape %v must be [C] or [N, C]", s)
	}
	if err := outShape.Check(); err != nil {
		return nil, err
	}
	freq := make([]int64, rows*t.outSize)
	switch {
	case t.strings:
		if x.DType() != tensor.String {
			return nil, fmt.Errorf("TfIdfVectorizer: pool_strings needs a string input, got %v", x.DType())
		}
		countRows(t, t.strPool, x.Strings(), rows, cols, freq)
	default:
		var vals []int64
		switch x.DType() {
		case tensor.Int64, tensor.Int32:
			v, err := ops.Int64s(x)
			if err != nil {
				return nil, err
			}
			vals = v
		default:
			return nil, fmt.Errorf("TfIdfVectorizer: pool_int64s needs an int32 or int64 input, got %v", x.DType())
		}
		countRows(t, t.intPool, vals, rows, cols, freq)
	}
	out := tensor.New(tensor.Float32, outShape...)
	y := out.Float32s()
	for p, f := range freq {
		col := p % t.outSize
		switch t.mode {
		case "TF":
			y[p] = float32(f)
		case "IDF":
			if f > 0 {
				y[p] = 1
				if len(t.weights) > 0 {
					y[p] = t.weights[col]
				}
			}
		case "TFIDF":
			y[p] = float32(f)
			if len(t.weights) > 0 {
				y[p] = t.weights[col] * float32(f)
			}
		}
	}
	return []*tensor.Tensor{out}, nil
}

// countRows counts, for each row, the pool n-grams found with every skip
// distance 1 … max_skip_count+1 (unigrams are counted once).
func countRows[K comparable](t *tfidf, root *trie[K], x []K, rows, cols int, freq []int64) {
	if len(root.kids) == 0 {
		return
	}
	for r := 0; r < rows; r++ {
		row := x[r*cols : (r+1)*cols]
		f := freq[r*t.outSize : (r+1)*t.outSize]
		startSize := t.minGram
		for skip := 1; skip <= t.maxSkip+1; skip++ {
			for start := 0; start < cols; start++ {
				if start+skip*(startSize-1) >= cols {
					break
				}
				node := root
				item := start
				for size := 1; size <= t.maxGram && item < cols && len(node.kids) > 0; size++ {
					next := node.kids[row[item]]
					if next == nil {
						break
					}
					if size >= startSize && next.id != 0 {
						f[t.indexes[next.id-1]]++
					}
					node = next
					item += skip
				}
			}
			if startSize == 1 {
				startSize = 2
				if startSize > t.maxGram {
					break
				}
			}
		}
	}
}
