package lightgbm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Limits that bound what a hostile file can make Parse do. Real models are
// far below them.
const (
	// maxClasses bounds num_class and num_tree_per_iteration.
	maxClasses = 1 << 16
	// maxFeatures bounds max_feature_idx+1.
	maxFeatures = 1 << 24
)

// Detect reports whether b looks like a LightGBM text model: its first line
// is "tree" and a header line such as "version=v4" or "num_class=" follows.
// It reads at most the first 4 KiB.
func Detect(b []byte) bool {
	if len(b) > 4096 {
		b = b[:4096]
	}
	rest, ok := bytes.CutPrefix(b, []byte("tree\n"))
	if !ok {
		if rest, ok = bytes.CutPrefix(b, []byte("tree\r\n")); !ok {
			return false
		}
	}
	return bytes.HasPrefix(rest, []byte("version=v")) ||
		bytes.HasPrefix(rest, []byte("num_class=")) ||
		bytes.Contains(rest, []byte("\nnum_class=")) ||
		bytes.Contains(rest, []byte("\nmax_feature_idx="))
}

// lines walks a text line by line. A line ends at '\n'; a '\r' before it is
// dropped.
type lines struct {
	s    string
	pos  int // offset of the next line
	num  int // 1-based number of the line last returned
	last int // offset of the line last returned
}

// next returns the next line and false at the end of the text.
func (l *lines) next() (string, bool) {
	if l.pos >= len(l.s) {
		return "", false
	}
	l.last = l.pos
	l.num++
	rest := l.s[l.pos:]
	i := strings.IndexByte(rest, '\n')
	var line string
	if i < 0 {
		line = rest
		l.pos = len(l.s)
	} else {
		line = rest[:i]
		l.pos += i + 1
	}
	return strings.TrimSuffix(line, "\r"), true
}

// peek returns the next line without consuming it.
func (l *lines) peek() (string, bool) {
	save := *l
	line, ok := l.next()
	*l = save
	return line, ok
}

// parser carries the state of one Parse call.
type parser struct {
	l lines
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: line %d: %s", ErrInvalid, p.l.num, fmt.Sprintf(format, args...))
}

// Parse reads a LightGBM text model. It checks the model's structure
// completely (array lengths, child links forming one tree per block,
// feature indices, categorical bitsets, linear leaves, tree_sizes) so that
// every Tree of a returned Model can be walked without bounds failures.
func Parse(b []byte) (*Model, error) {
	p := &parser{l: lines{s: string(b)}}
	m, err := p.parse()
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (p *parser) parse() (*Model, error) {
	first, ok := p.l.next()
	if !ok {
		return nil, fmt.Errorf("%w: empty file", ErrInvalid)
	}
	if first != "tree" {
		return nil, p.errorf("first line is %.40q, not \"tree\"", first)
	}
	m := &Model{}
	if err := p.header(m); err != nil {
		return nil, err
	}
	if err := p.trees(m); err != nil {
		return nil, err
	}
	if err := p.trailer(m); err != nil {
		return nil, err
	}
	if err := m.check(); err != nil {
		return nil, err
	}
	return m, nil
}

// header reads the key=value lines before the first tree.
func (p *parser) header(m *Model) error {
	seen := map[string]bool{}
	var numClass, numTPI, labelIdx, maxFeat, names, infos string
	var haveTPI bool
	for {
		line, ok := p.l.peek()
		if !ok {
			return p.errorf("file ends in the header")
		}
		if strings.HasPrefix(line, "Tree=") || line == "end of trees" {
			break
		}
		p.l.next()
		if line == "" {
			continue
		}
		key, val, hasVal := strings.Cut(line, "=")
		if seen[key] {
			return p.errorf("header key %.40q repeated", key)
		}
		if len(seen) > 64 {
			return p.errorf("too many header lines")
		}
		seen[key] = true
		if !hasVal {
			if key != "average_output" {
				return p.errorf("header line %.40q has no '='", key)
			}
			m.AverageOutput = true
			continue
		}
		switch key {
		case "version":
			switch val {
			case "v2", "v3", "v4":
				m.Version = val
			default:
				return fmt.Errorf("%w: model version %.20q (known: v2, v3, v4)", ErrUnsupported, val)
			}
		case "num_class":
			numClass = val
		case "num_tree_per_iteration":
			numTPI, haveTPI = val, true
		case "label_index":
			labelIdx = val
		case "max_feature_idx":
			maxFeat = val
		case "objective":
			o, err := parseObjective(val)
			if err != nil {
				return fmt.Errorf("line %d: %w", p.l.num, err)
			}
			m.Objective = o
		case "feature_names":
			names = val
		case "feature_infos":
			infos = val
		case "monotone_constraints":
			n := countFields(val)
			mc := make([]int, 0, n)
			for f := range fields(val) {
				v, err := strconv.Atoi(f)
				if err != nil || v < -1 || v > 1 {
					return p.errorf("monotone_constraints: bad value %.20q", f)
				}
				mc = append(mc, v)
			}
			m.MonotoneConstraints = mc
		case "tree_sizes":
			n := countFields(val)
			ts := make([]int, 0, n)
			for f := range fields(val) {
				v, err := strconv.Atoi(f)
				if err != nil || v < 0 || v > len(p.l.s) {
					return p.errorf("tree_sizes: bad size %.20q", f)
				}
				ts = append(ts, v)
			}
			m.TreeSizes = ts
		default:
			// Other keys (written by versions we know nothing about beyond
			// the version check) carry no prediction semantics.
		}
	}
	var err error
	if m.NumClass, err = headerInt("num_class", numClass, 1, maxClasses); err != nil {
		return err
	}
	m.NumTreePerIteration = m.NumClass
	if haveTPI {
		if m.NumTreePerIteration, err = headerInt("num_tree_per_iteration", numTPI, 1, maxClasses); err != nil {
			return err
		}
	}
	if m.LabelIndex, err = headerInt("label_index", labelIdx, -1, math.MaxInt32); err != nil {
		return err
	}
	if m.MaxFeatureIdx, err = headerInt("max_feature_idx", maxFeat, 0, maxFeatures-1); err != nil {
		return err
	}
	if !seen["feature_names"] {
		return fmt.Errorf("%w: header has no feature_names", ErrInvalid)
	}
	m.FeatureNames = make([]string, 0, min(countFields(names), m.NumFeatures()))
	for f := range fields(names) {
		if len(m.FeatureNames) == m.NumFeatures() {
			return fmt.Errorf("%w: more feature_names than max_feature_idx+1 = %d", ErrInvalid, m.NumFeatures())
		}
		m.FeatureNames = append(m.FeatureNames, strings.Clone(f))
	}
	if len(m.FeatureNames) != m.NumFeatures() {
		return fmt.Errorf("%w: %d feature_names for max_feature_idx+1 = %d features", ErrInvalid, len(m.FeatureNames), m.NumFeatures())
	}
	if seen["feature_infos"] {
		if m.FeatureInfos, err = parseFeatureInfos(infos, m.NumFeatures()); err != nil {
			return err
		}
	}
	if m.MonotoneConstraints != nil && len(m.MonotoneConstraints) != m.NumFeatures() {
		return fmt.Errorf("%w: %d monotone_constraints for %d features", ErrInvalid, len(m.MonotoneConstraints), m.NumFeatures())
	}
	return nil
}

func headerInt(key, val string, lo, hi int) (int, error) {
	if val == "" {
		return 0, fmt.Errorf("%w: header has no %s", ErrInvalid, key)
	}
	v, err := strconv.Atoi(val)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%w: header %s=%.20q (want an integer in [%d, %d])", ErrInvalid, key, val, lo, hi)
	}
	return v, nil
}

func parseFeatureInfos(s string, n int) ([]FeatureInfo, error) {
	infos := make([]FeatureInfo, 0, min(countFields(s), n))
	for f := range fields(s) {
		if len(infos) == n {
			return nil, fmt.Errorf("%w: more feature_infos than %d features", ErrInvalid, n)
		}
		var fi FeatureInfo
		switch {
		case f == "none":
			fi.Kind = FeatureUnused
		case strings.HasPrefix(f, "[") && strings.HasSuffix(f, "]"):
			lo, hi, ok := strings.Cut(f[1:len(f)-1], ":")
			var err1, err2 error
			fi.Kind = FeatureNumerical
			fi.Min, err1 = strconv.ParseFloat(lo, 64)
			fi.Max, err2 = strconv.ParseFloat(hi, 64)
			if !ok || err1 != nil || err2 != nil {
				return nil, fmt.Errorf("%w: feature_infos entry %d: %.40q", ErrInvalid, len(infos), f)
			}
		default:
			fi.Kind = FeatureCategorical
			fi.Categories = make([]int, 0, strings.Count(f, ":")+1)
			for c := range strings.SplitSeq(f, ":") {
				v, err := strconv.Atoi(c)
				if err != nil || v < -1 || v > math.MaxInt32 {
					return nil, fmt.Errorf("%w: feature_infos entry %d: category %.20q", ErrInvalid, len(infos), c)
				}
				fi.Categories = append(fi.Categories, v)
			}
		}
		infos = append(infos, fi)
	}
	if len(infos) != n {
		return nil, fmt.Errorf("%w: %d feature_infos for %d features", ErrInvalid, len(infos), n)
	}
	return infos, nil
}

// trees reads the Tree= blocks and the "end of trees" line.
func (p *parser) trees(m *Model) error {
	var starts []int
	for {
		line, ok := p.l.next()
		if !ok {
			return p.errorf("file ends before \"end of trees\" (%d trees read)", len(m.Trees))
		}
		if line == "" {
			continue
		}
		if line == "end of trees" {
			starts = append(starts, p.l.last)
			break
		}
		idx, ok := strings.CutPrefix(line, "Tree=")
		if !ok {
			return p.errorf("expected \"Tree=%d\" or \"end of trees\", found %.40q", len(m.Trees), line)
		}
		if idx != strconv.Itoa(len(m.Trees)) {
			return p.errorf("tree %.20q out of sequence (expected %d)", idx, len(m.Trees))
		}
		starts = append(starts, p.l.last)
		t, err := p.tree(m, len(m.Trees))
		if err != nil {
			return err
		}
		m.Trees = append(m.Trees, t)
	}
	if m.TreeSizes != nil {
		if len(m.TreeSizes) != len(m.Trees) {
			return fmt.Errorf("%w: tree_sizes lists %d trees, the file has %d", ErrInvalid, len(m.TreeSizes), len(m.Trees))
		}
		// LightGBM seeks to tree i at the sum of the sizes before it, so
		// every size but the last must be exact; the last one it never
		// uses for seeking (some writers get it wrong), so only its range
		// is checked.
		for i, sz := range m.TreeSizes[:max(len(m.TreeSizes)-1, 0)] {
			if got := starts[i+1] - starts[i]; got != sz {
				return fmt.Errorf("%w: tree %d is %d bytes, tree_sizes says %d", ErrInvalid, i, got, sz)
			}
		}
	}
	return nil
}

// Keys of a Tree= block.
const (
	kNumLeaves = iota
	kNumCat
	kSplitFeature
	kSplitGain
	kThreshold
	kDecisionType
	kLeftChild
	kRightChild
	kLeafValue
	kLeafWeight
	kLeafCount
	kInternalValue
	kInternalWeight
	kInternalCount
	kCatBoundaries
	kCatThreshold
	kIsLinear
	kLeafConst
	kNumFeatures
	kLeafFeatures
	kLeafCoeff
	kShrinkage
	numTreeKeys
)

var treeKeys = map[string]int{
	"num_leaves": kNumLeaves, "num_cat": kNumCat, "split_feature": kSplitFeature,
	"split_gain": kSplitGain, "threshold": kThreshold, "decision_type": kDecisionType,
	"left_child": kLeftChild, "right_child": kRightChild, "leaf_value": kLeafValue,
	"leaf_weight": kLeafWeight, "leaf_count": kLeafCount, "internal_value": kInternalValue,
	"internal_weight": kInternalWeight, "internal_count": kInternalCount,
	"cat_boundaries": kCatBoundaries, "cat_threshold": kCatThreshold, "is_linear": kIsLinear,
	"leaf_const": kLeafConst, "num_features": kNumFeatures, "leaf_features": kLeafFeatures,
	"leaf_coeff": kLeafCoeff, "shrinkage": kShrinkage,
}

// tree reads the key=value lines of one Tree= block up to its blank line
// and checks the result.
func (p *parser) tree(m *Model, index int) (*Tree, error) {
	var vals [numTreeKeys]string
	var have [numTreeKeys]bool
	for {
		line, ok := p.l.next()
		if !ok {
			return nil, p.errorf("tree %d: file ends inside the tree", index)
		}
		if line == "" {
			break
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, p.errorf("tree %d: line %.40q has no '='", index, line)
		}
		k, known := treeKeys[key]
		if !known {
			continue
		}
		if have[k] {
			return nil, p.errorf("tree %d: key %s repeated", index, key)
		}
		vals[k], have[k] = val, true
	}
	tp := treeParser{index: index, vals: &vals, have: &have}
	t, err := tp.build()
	if err != nil {
		return nil, err
	}
	if err := t.check(m.NumFeatures()); err != nil {
		return nil, fmt.Errorf("%w: tree %d: %s", ErrInvalid, index, err)
	}
	return t, nil
}

type treeParser struct {
	index int
	vals  *[numTreeKeys]string
	have  *[numTreeKeys]bool
	err   error
}

var treeKeyNames = func() [numTreeKeys]string {
	var n [numTreeKeys]string
	for k, v := range treeKeys {
		n[v] = k
	}
	return n
}()

func (tp *treeParser) fail(k int, format string, args ...any) {
	if tp.err == nil {
		tp.err = fmt.Errorf("%w: tree %d: %s: %s", ErrInvalid, tp.index, treeKeyNames[k], fmt.Sprintf(format, args...))
	}
}

// scalar parses a required (or defaulted) integer field.
func (tp *treeParser) int(k int, lo, hi int, def int, required bool) int {
	if !tp.have[k] {
		if required {
			tp.fail(k, "missing")
		}
		return def
	}
	v, err := strconv.Atoi(tp.vals[k])
	if err != nil || v < lo || v > hi {
		tp.fail(k, "%.20q is not an integer in [%d, %d]", tp.vals[k], lo, hi)
		return def
	}
	return v
}

// count checks that field k holds n values; absent optional fields give
// false, and so do empty ones (some writers leave the statistics of
// single-leaf trees empty).
func (tp *treeParser) count(k int, n int, required bool) bool {
	if !tp.have[k] {
		if required {
			tp.fail(k, "missing")
		}
		return false
	}
	c := countFields(tp.vals[k])
	if c == 0 && !required && n > 0 {
		return false
	}
	if c != n {
		tp.fail(k, "%d values, want %d", c, n)
		return false
	}
	return true
}

func (tp *treeParser) floats(k int, n int, required bool) []float64 {
	if tp.err != nil || !tp.count(k, n, required) {
		return nil
	}
	out := make([]float64, 0, n)
	for f := range fields(tp.vals[k]) {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			tp.fail(k, "value %d %.30q is not a number", len(out), f)
			return nil
		}
		out = append(out, v)
	}
	return out
}

func (tp *treeParser) ints(k int, n int, required bool, lo, hi int64) []int64 {
	if tp.err != nil || !tp.count(k, n, required) {
		return nil
	}
	out := make([]int64, 0, n)
	for f := range fields(tp.vals[k]) {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil || v < lo || v > hi {
			tp.fail(k, "value %d %.30q is not an integer in [%d, %d]", len(out), f, lo, hi)
			return nil
		}
		out = append(out, v)
	}
	return out
}

func (tp *treeParser) int32s(k int, n int, required bool, lo, hi int64) []int32 {
	v := tp.ints(k, n, required, lo, hi)
	if v == nil {
		return nil
	}
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out
}

func (tp *treeParser) build() (*Tree, error) {
	t := &Tree{Index: tp.index}
	// A field holds at most one value a byte, so these bounds only stop
	// arithmetic overflow; the length checks against the actual fields do
	// the rest.
	t.NumLeaves = tp.int(kNumLeaves, 1, math.MaxInt32, 0, true)
	t.NumCat = tp.int(kNumCat, 0, math.MaxInt32, 0, true)
	t.Shrinkage = 1
	if tp.have[kShrinkage] {
		v, err := strconv.ParseFloat(tp.vals[kShrinkage], 64)
		if err != nil {
			tp.fail(kShrinkage, "%.30q is not a number", tp.vals[kShrinkage])
		}
		t.Shrinkage = v
	}
	t.IsLinear = tp.int(kIsLinear, 0, 1, 0, false) == 1
	if tp.err != nil {
		return nil, tp.err
	}
	nl, ni := t.NumLeaves, t.NumLeaves-1
	t.LeafValue = tp.floats(kLeafValue, nl, true)
	t.LeafWeight = tp.floats(kLeafWeight, nl, false)
	t.LeafCount = tp.ints(kLeafCount, nl, false, math.MinInt64, math.MaxInt64)
	t.SplitFeature = tp.int32s(kSplitFeature, ni, ni > 0, 0, math.MaxInt32)
	t.SplitGain = tp.floats(kSplitGain, ni, false)
	t.Threshold = tp.floats(kThreshold, ni, ni > 0)
	if dt := tp.ints(kDecisionType, ni, tp.have[kDecisionType], 0, 127); dt != nil {
		t.DecisionType = make([]uint8, len(dt))
		for i, v := range dt {
			t.DecisionType[i] = uint8(v)
		}
	} else if tp.err == nil {
		// Files from before decision_type existed: numerical, NaN→0,
		// default right.
		t.DecisionType = make([]uint8, ni)
	}
	t.LeftChild = tp.int32s(kLeftChild, ni, ni > 0, math.MinInt32, math.MaxInt32)
	t.RightChild = tp.int32s(kRightChild, ni, ni > 0, math.MinInt32, math.MaxInt32)
	t.InternalValue = tp.floats(kInternalValue, ni, false)
	t.InternalWeight = tp.floats(kInternalWeight, ni, false)
	t.InternalCount = tp.ints(kInternalCount, ni, false, math.MinInt64, math.MaxInt64)
	if ni == 0 {
		// Single-leaf trees write the per-node keys with no values.
		t.SplitFeature, t.Threshold, t.LeftChild, t.RightChild = nil, nil, nil, nil
		t.DecisionType, t.SplitGain = nil, nil
		t.InternalValue, t.InternalWeight, t.InternalCount = nil, nil, nil
	}
	if t.NumCat > 0 {
		t.CatBoundaries = tp.int32s(kCatBoundaries, t.NumCat+1, true, 0, math.MaxInt32)
		if tp.err == nil {
			t.CatThreshold = make([]uint32, 0, countFields(tp.vals[kCatThreshold]))
			if !tp.have[kCatThreshold] {
				tp.fail(kCatThreshold, "missing")
			}
			for f := range fields(tp.vals[kCatThreshold]) {
				v, err := strconv.ParseUint(f, 10, 32)
				if err != nil {
					tp.fail(kCatThreshold, "value %d %.30q is not a 32-bit word", len(t.CatThreshold), f)
					break
				}
				t.CatThreshold = append(t.CatThreshold, uint32(v))
			}
		}
	}
	if t.IsLinear {
		tp.linear(t)
	}
	if tp.err != nil {
		return nil, tp.err
	}
	return t, nil
}

// linear reads leaf_const, num_features, leaf_features and leaf_coeff.
func (tp *treeParser) linear(t *Tree) {
	t.LeafConst = tp.floats(kLeafConst, t.NumLeaves, true)
	nf := tp.ints(kNumFeatures, t.NumLeaves, true, 0, maxFeatures)
	if tp.err != nil {
		return
	}
	total := 0
	for _, n := range nf {
		total += int(n)
		if total > len(tp.vals[kLeafFeatures]) {
			tp.fail(kNumFeatures, "more features than leaf_features holds")
			return
		}
	}
	feats := tp.int32s(kLeafFeatures, total, total > 0, 0, math.MaxInt32)
	coeffs := tp.floats(kLeafCoeff, total, total > 0)
	if tp.err != nil {
		return
	}
	t.LeafFeatures = make([][]int32, t.NumLeaves)
	t.LeafCoeff = make([][]float64, t.NumLeaves)
	off := 0
	for l, n := range nf {
		if n > 0 {
			t.LeafFeatures[l] = feats[off : off+int(n) : off+int(n)]
			t.LeafCoeff[l] = coeffs[off : off+int(n) : off+int(n)]
		}
		off += int(n)
	}
}

// check validates a tree's structure: indices in range and the child links
// forming one binary tree rooted at node 0 covering every node and leaf.
func (t *Tree) check(numFeatures int) error {
	nl, ni := t.NumLeaves, t.NumLeaves-1
	for n := range ni {
		if f := int(t.SplitFeature[n]); f >= numFeatures {
			return fmt.Errorf("node %d splits on feature %d of %d", n, f, numFeatures)
		}
		dt := t.DecisionType[n]
		if dt > 15 {
			return fmt.Errorf("node %d: decision_type %d has unknown bits", n, dt)
		}
		if t.Missing(n) > MissingNaN {
			return fmt.Errorf("node %d: decision_type %d has missing type 3", n, dt)
		}
		if t.IsCategorical(n) {
			th := t.Threshold[n]
			if th != math.Trunc(th) || th < 0 || th >= float64(t.NumCat) {
				return fmt.Errorf("node %d: categorical threshold %v is not a split index in [0, %d)", n, th, t.NumCat)
			}
		}
	}
	if t.NumCat > 0 {
		cb := t.CatBoundaries
		if cb[0] != 0 || int(cb[t.NumCat]) != len(t.CatThreshold) {
			return fmt.Errorf("cat_boundaries run from %d to %d over %d cat_threshold words", cb[0], cb[t.NumCat], len(t.CatThreshold))
		}
		for k := range t.NumCat {
			if cb[k+1] < cb[k] {
				return fmt.Errorf("cat_boundaries decrease at %d", k)
			}
		}
	}
	// Each node but the root and each leaf must have exactly one parent,
	// and all must be reachable from the root.
	if ni > 0 {
		nodeSeen := make([]bool, ni)
		leafSeen := make([]bool, nl)
		nodeSeen[0] = true
		stack := []int32{0}
		reached := 1
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, c := range [2]int32{t.LeftChild[n], t.RightChild[n]} {
				if c >= 0 {
					if int(c) >= ni {
						return fmt.Errorf("node %d: child %d out of range [0, %d)", n, c, ni)
					}
					if nodeSeen[c] {
						return fmt.Errorf("node %d: child %d has two parents (or is the root)", n, c)
					}
					nodeSeen[c] = true
					reached++
					stack = append(stack, c)
				} else {
					l := ^c
					if int(l) >= nl {
						return fmt.Errorf("node %d: leaf %d out of range [0, %d)", n, l, nl)
					}
					if leafSeen[l] {
						return fmt.Errorf("node %d: leaf %d has two parents", n, l)
					}
					leafSeen[l] = true
					reached++
				}
			}
		}
		if reached != ni+nl {
			return fmt.Errorf("%d of %d nodes and leaves are unreachable from the root", ni+nl-reached, ni+nl)
		}
	}
	if t.IsLinear {
		for l, fs := range t.LeafFeatures {
			for _, f := range fs {
				if int(f) >= numFeatures {
					return fmt.Errorf("linear leaf %d uses feature %d of %d", l, f, numFeatures)
				}
			}
		}
	}
	return nil
}

// trailer reads what follows "end of trees": feature_importances,
// parameters and pandas_categorical, the sections LightGBM writes. Any
// other non-blank line is an error, so that a file cut inside these
// sections is reported rather than read as a shorter model.
func (p *parser) trailer(m *Model) error {
	for {
		line, ok := p.l.next()
		if !ok {
			return nil
		}
		switch {
		case line == "":
		case line == "feature_importances:":
			for {
				l, ok := p.l.peek()
				if !ok || l == "" || l == "parameters:" || strings.HasPrefix(l, "pandas_categorical:") {
					break
				}
				p.l.next()
				name, val, found := strings.Cut(l, "=")
				v, err := strconv.ParseFloat(val, 64)
				if !found || err != nil {
					return p.errorf("feature importance %.40q", l)
				}
				m.FeatureImportances = append(m.FeatureImportances, Importance{Name: strings.Clone(name), Value: v})
			}
		case line == "parameters:":
			for {
				l, ok := p.l.next()
				if !ok {
					return p.errorf("file ends before \"end of parameters\"")
				}
				if l == "end of parameters" {
					break
				}
				if l == "" {
					continue
				}
				kv, ok := strings.CutPrefix(l, "[")
				kv, ok2 := strings.CutSuffix(kv, "]")
				k, v, ok3 := strings.Cut(kv, ": ")
				if !ok || !ok2 || !ok3 {
					return p.errorf("parameter line %.40q is not \"[key: value]\"", l)
				}
				m.Parameters = append(m.Parameters, Parameter{Key: strings.Clone(k), Value: strings.Clone(v)})
			}
		case strings.HasPrefix(line, "pandas_categorical:"):
			js := strings.TrimPrefix(line, "pandas_categorical:")
			if !json.Valid([]byte(js)) {
				return p.errorf("pandas_categorical is not JSON")
			}
			m.PandasCategorical = strings.Clone(js)
		default:
			return p.errorf("unexpected line %.40q after the trees", line)
		}
	}
}

// check validates model-wide consistency once the trees are read.
func (m *Model) check() error {
	if m.Objective.Name != "" {
		if m.Objective.multiOutput() {
			if m.Objective.NumClass != m.NumClass {
				return fmt.Errorf("%w: objective %q disagrees with num_class=%d", ErrInvalid, m.Objective, m.NumClass)
			}
		} else if m.NumClass != 1 {
			return fmt.Errorf("%w: single-output objective %q with num_class=%d", ErrInvalid, m.Objective, m.NumClass)
		}
	}
	if m.NumTreePerIteration != m.NumClass {
		// LightGBM sets num_tree_per_iteration to num_class for every
		// objective it ships.
		return fmt.Errorf("%w: num_tree_per_iteration=%d with num_class=%d", ErrUnsupported, m.NumTreePerIteration, m.NumClass)
	}
	if len(m.Trees)%m.NumTreePerIteration != 0 {
		return fmt.Errorf("%w: %d trees is not a whole number of iterations of %d trees", ErrInvalid, len(m.Trees), m.NumTreePerIteration)
	}
	return nil
}

// fields yields the space-separated fields of s (runs of spaces or tabs
// separate; leaf_features and leaf_coeff use double spaces between leaves).
func fields(s string) func(yield func(string) bool) {
	return func(yield func(string) bool) {
		i := 0
		for i < len(s) {
			for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
				i++
			}
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' {
				j++
			}
			if j > i && !yield(s[i:j]) {
				return
			}
			i = j
		}
	}
}

// countFields counts the fields fields(s) yields.
func countFields(s string) int {
	n := 0
	in := false
	for i := 0; i < len(s); i++ {
		sp := s[i] == ' ' || s[i] == '\t'
		if !sp && !in {
			n++
		}
		in = !sp
	}
	return n
}
