// Package onnx converts between ONNX model files (ModelProto) and Sinter's
// graph representation, ir.Model.
//
// Decoding reads the protobuf wire format directly (protowire, no generated
// code) so that tensor data in raw_data aliases the input: Open mmaps the
// model file and its initializers point into the mapping, so a weight is
// never held twice. Names, doc strings and attribute strings are copied and
// stay valid after File.Close; tensors do not.
//
// Every decoder here treats its input as hostile: malformed wire data, counts
// and dims that the bytes cannot back, and nesting deeper than MaxDepth are
// errors, never panics, and allocation is bounded by the input size (the one
// exception, densifying sparse tensors, has its own budget; see
// WithMaxSparseBytes).
package onnx

import (
	"errors"
	"fmt"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/tensorproto"
	"google.golang.org/protobuf/encoding/protowire"
)

// ErrInvalid reports a malformed model: bad protobuf encoding or a structure
// ONNX does not allow. Errors from the tensor codec wrap
// tensorproto.ErrInvalid instead.
var ErrInvalid = errors.New("invalid model")

// ErrUnsupported reports a well-formed model using something Sinter cannot
// load.
var ErrUnsupported = errors.New("unsupported")

// MaxDepth bounds the nesting of subgraphs (If/Loop/Scan bodies) and of
// TypeProtos, so that hostile input cannot exhaust the stack.
const MaxDepth = 64

// DefaultMaxSparseBytes is the default budget for densifying sparse tensors.
const DefaultMaxSparseBytes = 1 << 30

// Option configures Decode and Open.
type Option func(*config)

type config struct {
	baseDir        string
	maxSparseBytes int64
}

// WithBaseDir lets Decode resolve external tensor data against dir (the
// directory of the model file). Without it, Decode rejects models with
// external data. Open sets it to the model file's directory.
func WithBaseDir(dir string) Option { return func(c *config) { c.baseDir = dir } }

// WithMaxSparseBytes sets the total number of bytes that densifying sparse
// initializers and sparse attribute tensors may allocate (default
// DefaultMaxSparseBytes). A sparse tensor is legitimately much smaller than
// its dense form, so this is the one allocation not bounded by the input.
func WithMaxSparseBytes(n int64) Option { return func(c *config) { c.maxSparseBytes = n } }

// Decode parses a serialized ModelProto. Numeric tensors whose data is in
// raw_data alias data, which must outlive the model and not be modified.
// External tensor data is read from files under the WithBaseDir directory.
//
// # Errors
//
// Errors start with "onnx:" and name the place at fault, e.g.
// `onnx: graph "main": node 3 (Conv "conv1"): attribute "pads": ...`. They
// wrap ErrInvalid, ErrUnsupported or the tensorproto sentinels.
func Decode(data []byte, opts ...Option) (*ir.Model, error) {
	d := newDecoder(opts)
	if d.cfg.baseDir != "" {
		src := &readSource{dir: d.cfg.baseDir}
		defer src.close()
		d.src = src
	}
	return d.decode(data)
}

func newDecoder(opts []Option) *decoder {
	d := &decoder{cfg: config{maxSparseBytes: DefaultMaxSparseBytes}}
	for _, o := range opts {
		o(&d.cfg)
	}
	d.sparseBudget = d.cfg.maxSparseBytes
	return d
}

// decoder holds the state of one Decode or Open call.
type decoder struct {
	cfg config
	// src resolves external data; nil means external data is an error.
	src          source
	sparseBudget int64
}

func (d *decoder) decode(data []byte) (*ir.Model, error) {
	m, err := d.model(data)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return m, nil
}

// ModelProto field numbers.
const (
	mIRVersion       = 1
	mProducerName    = 2
	mProducerVersion = 3
	mDomain          = 4
	mModelVersion    = 5
	mDoc             = 6
	mGraph           = 7
	mOpsetImport     = 8
	mMetadataProps   = 14
	mFunctions       = 25
)

func (d *decoder) model(b []byte) (*ir.Model, error) {
	m := &ir.Model{Opsets: map[string]int64{}}
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			return nil, err
		}
		b = r
		switch f.num {
		case mIRVersion:
			m.IRVersion, err = f.int64()
		case mProducerName:
			m.ProducerName, err = f.str()
		case mProducerVersion:
			m.ProducerVersion, err = f.str()
		case mDomain:
			m.Domain, err = f.str()
		case mModelVersion:
			m.ModelVersion, err = f.int64()
		case mDoc:
			m.Doc, err = f.str()
		case mGraph:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			if m.Graph != nil {
				return nil, fmt.Errorf("%w: more than one graph", ErrInvalid)
			}
			m.Graph, err = d.graph(f.b, 0)
		case mOpsetImport:
			err = d.opset(&f, m.Opsets)
		case mMetadataProps:
			var kv tensorproto.KeyValue
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			if kv, err = tensorproto.DecodeKeyValue(f.b); err != nil {
				err = fmt.Errorf("metadata_props: %w", err)
				break
			}
			m.Metadata = append(m.Metadata, ir.KeyValue{Key: kv.Key, Value: kv.Value})
		case mFunctions:
			var fn *ir.Function
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			if fn, err = d.function(f.b); err != nil {
				err = fmt.Errorf("function %q: %w", peekString(f.b, fnName), err)
				break
			}
			m.Functions = append(m.Functions, fn)
		}
		if err != nil {
			return nil, err
		}
	}
	if m.Graph == nil {
		return nil, fmt.Errorf("%w: model has no graph", ErrInvalid)
	}
	return m, nil
}

// opset decodes an OperatorSetIdProto (domain = 1, version = 2) into opsets.
func (d *decoder) opset(f *field, opsets map[string]int64) error {
	if err := f.want(protowire.BytesType); err != nil {
		return err
	}
	var domain string
	var version int64
	for b := f.b; len(b) > 0; {
		g, r, err := next(b)
		if err != nil {
			return fmt.Errorf("opset_import: %w", err)
		}
		b = r
		switch g.num {
		case 1:
			domain, err = g.str()
		case 2:
			version, err = g.int64()
		}
		if err != nil {
			return fmt.Errorf("opset_import: %w", err)
		}
	}
	domain = ir.NormalizeDomain(domain)
	if old, ok := opsets[domain]; ok && old != version {
		return fmt.Errorf("%w: opset_import: domain %q imported at versions %d and %d", ErrInvalid, domain, old, version)
	}
	opsets[domain] = version
	return nil
}

// GraphProto field numbers.
const (
	gNode              = 1
	gName              = 2
	gInitializer       = 5
	gDoc               = 10
	gInput             = 11
	gOutput            = 12
	gValueInfo         = 13
	gSparseInitializer = 15
)

func (d *decoder) graph(b []byte, depth int) (*ir.Graph, error) {
	g, err := d.graphBody(b, depth)
	if err != nil {
		return nil, fmt.Errorf("graph %q: %w", peekString(b, gName), err)
	}
	return g, nil
}

func (d *decoder) graphBody(b []byte, depth int) (*ir.Graph, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: subgraphs nested more than %d deep", ErrInvalid, MaxDepth)
	}
	g := &ir.Graph{}
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			return nil, err
		}
		b = r
		switch f.num {
		case gName:
			g.Name, err = f.str()
		case gDoc:
			g.Doc, err = f.str()
		case gNode:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			var n *ir.Node
			if n, err = d.node(f.b, depth); err != nil {
				err = fmt.Errorf("node %d (%s): %w", len(g.Nodes), nodeLabel(f.b), err)
				break
			}
			g.Nodes = append(g.Nodes, n)
		case gInitializer:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			var p *tensorproto.Proto
			if p, err = d.tensor(f.b); err != nil {
				err = fmt.Errorf("initializer %q: %w", peekString(f.b, 8), err)
				break
			}
			g.Initializers = append(g.Initializers, &ir.Initializer{Name: p.Name, Tensor: p.Tensor, Doc: p.Doc})
		case gSparseInitializer:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			var in *ir.Initializer
			if in, err = d.sparse(f.b); err != nil {
				err = fmt.Errorf("sparse_initializer %d: %w", len(g.Initializers), err)
				break
			}
			g.Initializers = append(g.Initializers, in)
		case gInput, gOutput, gValueInfo:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			var vi *ir.ValueInfo
			if vi, err = d.valueInfo(f.b); err != nil {
				kind := map[protowire.Number]string{gInput: "input", gOutput: "output", gValueInfo: "value_info"}[f.num]
				err = fmt.Errorf("%s %q: %w", kind, peekString(f.b, 1), err)
				break
			}
			switch f.num {
			case gInput:
				g.Inputs = append(g.Inputs, vi)
			case gOutput:
				g.Outputs = append(g.Outputs, vi)
			default:
				g.ValueInfo = append(g.ValueInfo, vi)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return g, nil
}

// nodeLabel describes a NodeProto for an error message: its op type and name
// when it has one.
func nodeLabel(b []byte) string {
	op, name := peekString(b, nOpType), peekString(b, nName)
	if name == "" {
		return op
	}
	return fmt.Sprintf("%s %q", op, name)
}

// NodeProto field numbers.
const (
	nInput     = 1
	nOutput    = 2
	nName      = 3
	nOpType    = 4
	nAttribute = 5
	nDoc       = 6
	nDomain    = 7
)

func (d *decoder) node(b []byte, depth int) (*ir.Node, error) {
	n := &ir.Node{}
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			return nil, err
		}
		b = r
		var s string
		switch f.num {
		case nInput:
			if s, err = f.str(); err == nil {
				n.Inputs = append(n.Inputs, s)
			}
		case nOutput:
			if s, err = f.str(); err == nil {
				n.Outputs = append(n.Outputs, s)
			}
		case nName:
			n.Name, err = f.str()
		case nOpType:
			n.OpType, err = f.str()
		case nDomain:
			if s, err = f.str(); err == nil {
				n.Domain = ir.NormalizeDomain(s)
			}
		case nDoc:
			n.Doc, err = f.str()
		case nAttribute:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			var a *ir.Attribute
			if a, err = d.attribute(f.b, depth); err != nil {
				err = fmt.Errorf("attribute %q: %w", peekString(f.b, aName), err)
				break
			}
			n.Attrs = append(n.Attrs, a)
		}
		if err != nil {
			return nil, err
		}
	}
	return n, nil
}

// AttributeProto field numbers.
const (
	aName          = 1
	aF             = 2
	aI             = 3
	aS             = 4
	aT             = 5
	aG             = 6
	aFloats        = 7
	aInts          = 8
	aStrings       = 9
	aTensors       = 10
	aGraphs        = 11
	aDoc           = 13
	aTP            = 14
	aTypeProtos    = 15
	aType          = 20
	aRefAttrName   = 21
	aSparseTensor  = 22
	aSparseTensors = 23
)

// attrFieldType maps a value field of AttributeProto to the attribute type it
// carries, to infer the type of IR version 1 attributes (which lack one).
var attrFieldType = map[protowire.Number]ir.AttrType{
	aF: ir.AttrFloat, aI: ir.AttrInt, aS: ir.AttrString, aT: ir.AttrTensor, aG: ir.AttrGraph,
	aFloats: ir.AttrFloats, aInts: ir.AttrInts, aStrings: ir.AttrStrings, aTensors: ir.AttrTensors,
	aGraphs: ir.AttrGraphs, aTP: ir.AttrTypeProto, aTypeProtos: ir.AttrTypeProtos,
	aSparseTensor: ir.AttrSparseTensor, aSparseTensors: ir.AttrSparseTensors,
}

func (d *decoder) attribute(b []byte, depth int) (*ir.Attribute, error) {
	a := &ir.Attribute{}
	var (
		haveType  bool
		inferred  ir.AttrType
		haveValue = map[ir.AttrType]bool{}
		// Sparse values are densified into T and Tensors, but only when the
		// type says so; they are held apart until the type is known.
		sparseT  *tensor.Tensor
		sparseTs []*tensor.Tensor
	)
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			return nil, err
		}
		b = r
		if t, ok := attrFieldType[f.num]; ok {
			haveValue[t] = true
			inferred = t
		}
		switch f.num {
		case aName:
			a.Name, err = f.str()
		case aRefAttrName:
			a.RefAttrName, err = f.str()
		case aDoc:
			a.Doc, err = f.str()
		case aType:
			var v int32
			if v, err = f.int32(); err != nil {
				break
			}
			if v < 0 || v > int32(ir.AttrTypeProtos) {
				err = fmt.Errorf("%w: attribute type %d", ErrUnsupported, v)
				break
			}
			a.Type, haveType = ir.AttrType(v), true
		case aF:
			if err = f.want(protowire.Fixed32Type); err == nil {
				a.F = float32frombits(f.v)
			}
		case aI:
			a.I, err = f.int64()
		case aS:
			if err = f.want(protowire.BytesType); err == nil {
				a.S = append([]byte{}, f.b...)
			}
		case aT, aSparseTensor:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			var t *tensor.Tensor
			if t, err = d.attrTensor(f.num == aSparseTensor, f.b); err != nil {
				break
			}
			if f.num == aT {
				a.T = t
			} else {
				sparseT = t
			}
		case aTensors, aSparseTensors:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			var t *tensor.Tensor
			list := &a.Tensors
			if f.num == aSparseTensors {
				list = &sparseTs
			}
			if t, err = d.attrTensor(f.num == aSparseTensors, f.b); err != nil {
				err = fmt.Errorf("tensor %d: %w", len(*list), err)
				break
			}
			*list = append(*list, t)
		case aG:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			a.G, err = d.graph(f.b, depth+1)
		case aGraphs:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			var g *ir.Graph
			if g, err = d.graph(f.b, depth+1); err == nil {
				a.Graphs = append(a.Graphs, g)
			}
		case aTP:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			a.TP, err = d.typeProto(f.b, 0)
		case aTypeProtos:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			var t *ir.Type
			if t, err = d.typeProto(f.b, 0); err == nil {
				a.TypeProtos = append(a.TypeProtos, t)
			}
		case aFloats:
			a.Floats, err = f.appendFloats(a.Floats)
		case aInts:
			a.Ints, err = f.appendVarints(a.Ints)
		case aStrings:
			if err = f.want(protowire.BytesType); err == nil {
				a.Strings = append(a.Strings, append([]byte{}, f.b...))
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if !haveType {
		if a.RefAttrName == "" && len(haveValue) == 0 {
			return nil, fmt.Errorf("%w: attribute has neither a type nor a value", ErrInvalid)
		}
		a.Type = inferred
	}
	if a.Type == ir.AttrUndefined && a.RefAttrName == "" {
		return nil, fmt.Errorf("%w: attribute of undefined type", ErrInvalid)
	}
	switch a.Type {
	case ir.AttrSparseTensor:
		a.T = sparseT
	case ir.AttrSparseTensors:
		a.Tensors = sparseTs
	}
	a = onlyMeaningful(a)
	// A reference to a function attribute carries no value of its own.
	if a.RefAttrName == "" {
		switch a.Type {
		case ir.AttrTensor, ir.AttrSparseTensor:
			if a.T == nil {
				return nil, fmt.Errorf("%w: %v attribute without a tensor", ErrInvalid, a.Type)
			}
		case ir.AttrGraph:
			if a.G == nil {
				return nil, fmt.Errorf("%w: graph attribute without a graph", ErrInvalid)
			}
		case ir.AttrTypeProto:
			if a.TP == nil {
				return nil, fmt.Errorf("%w: type_proto attribute without a type", ErrInvalid)
			}
		}
	}
	return a, nil
}

// attrTensor decodes an attribute's TensorProto or, when sparse, densifies a
// SparseTensorProto.
func (d *decoder) attrTensor(sparse bool, b []byte) (*tensor.Tensor, error) {
	if sparse {
		in, err := d.sparse(b)
		if err != nil {
			return nil, err
		}
		return in.Tensor, nil
	}
	p, err := d.tensor(b)
	if err != nil {
		return nil, err
	}
	return p.Tensor, nil
}

// tensor decodes a TensorProto and resolves its external data, if any.
func (d *decoder) tensor(b []byte) (*tensorproto.Proto, error) {
	p, err := tensorproto.Decode(b)
	if err != nil {
		return nil, err
	}
	if p.External != nil {
		if err := d.external(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// external loads the data of a tensor stored outside the model file.
func (d *decoder) external(p *tensorproto.Proto) error {
	e := p.External
	if d.src == nil {
		return fmt.Errorf("%w: external data in %q needs a base directory (use Open or WithBaseDir)", ErrUnsupported, e.Location)
	}
	data, err := d.src.region(e.Location, e.Offset, e.Length)
	if err != nil {
		return fmt.Errorf("external data: %w", err)
	}
	if err := p.ResolveExternal(data); err != nil {
		return fmt.Errorf("external data in %q: %w", e.Location, err)
	}
	return nil
}

// ValueInfoProto field numbers.
const (
	vName = 1
	vType = 2
	vDoc  = 3
)

func (d *decoder) valueInfo(b []byte) (*ir.ValueInfo, error) {
	vi := &ir.ValueInfo{}
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			return nil, err
		}
		b = r
		switch f.num {
		case vName:
			vi.Name, err = f.str()
		case vDoc:
			vi.Doc, err = f.str()
		case vType:
			if err = f.want(protowire.BytesType); err == nil {
				vi.Type, err = d.typeProto(f.b, 0)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return vi, nil
}

// TypeProto field numbers.
const (
	tTensor       = 1
	tSequence     = 4
	tMap          = 5
	tOpaque       = 7
	tSparseTensor = 8
	tOptional     = 9
)

// typeProto decodes a TypeProto. Its value is a oneof: when several members
// are present the last wins, as in protobuf. Opaque types and types this
// version of ONNX does not know decode as KindUnknown.
func (d *decoder) typeProto(b []byte, depth int) (*ir.Type, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("%w: types nested more than %d deep", ErrInvalid, MaxDepth)
	}
	t := &ir.Type{}
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			return nil, err
		}
		b = r
		switch f.num {
		case tTensor, tSparseTensor, tSequence, tOptional, tMap, tOpaque:
			if err := f.want(protowire.BytesType); err != nil {
				return nil, err
			}
		default:
			continue
		}
		switch f.num {
		case tTensor, tSparseTensor:
			kind := ir.KindTensor
			if f.num == tSparseTensor {
				kind = ir.KindSparseTensor
			}
			t, err = d.tensorType(f.b, kind)
		case tSequence, tOptional:
			kind := ir.KindSequence
			if f.num == tOptional {
				kind = ir.KindOptional
			}
			t = &ir.Type{Kind: kind}
			err = d.innerType(f.b, 1, depth, &t.Inner)
		case tMap:
			t = &ir.Type{Kind: ir.KindMap}
			err = d.mapType(f.b, depth, t)
		case tOpaque:
			t = &ir.Type{}
		}
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// innerType decodes field num of message b as a nested TypeProto into *dst.
func (d *decoder) innerType(b []byte, num protowire.Number, depth int, dst **ir.Type) error {
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			return err
		}
		b = r
		if f.num != num {
			continue
		}
		if err := f.want(protowire.BytesType); err != nil {
			return err
		}
		if *dst, err = d.typeProto(f.b, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) mapType(b []byte, depth int, t *ir.Type) error {
	for rest := b; len(rest) > 0; {
		f, r, err := next(rest)
		if err != nil {
			return err
		}
		rest = r
		if f.num == 1 {
			if t.Elem, err = elemType(&f); err != nil {
				return err
			}
		}
	}
	return d.innerType(b, 2, depth, &t.Inner)
}

// elemType reads an elem_type/key_type field. Values beyond the DTypes
// Sinter stores (newer ONNX types such as float8) are kept as numbers so the
// model still loads if they are only declared.
func elemType(f *field) (tensor.DType, error) {
	v, err := f.int32()
	if err != nil {
		return 0, err
	}
	if v < 0 || v > 255 {
		return 0, fmt.Errorf("%w: element type %d", ErrUnsupported, v)
	}
	return tensor.DType(v), nil
}

// tensorType decodes TypeProto.Tensor or TypeProto.SparseTensor (elem_type =
// 1, shape = 2).
func (d *decoder) tensorType(b []byte, kind ir.TypeKind) (*ir.Type, error) {
	t := &ir.Type{Kind: kind}
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			return nil, err
		}
		b = r
		switch f.num {
		case 1:
			t.Elem, err = elemType(&f)
		case 2:
			if err = f.want(protowire.BytesType); err == nil {
				t.Shape, err = shapeProto(f.b)
				t.HasShape = true
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// shapeProto decodes a TensorShapeProto. A known shape is never nil, so a
// scalar (no dims) differs from an unknown rank. A negative dim_value is
// treated as unknown.
func shapeProto(b []byte) ([]ir.Dim, error) {
	dims := []ir.Dim{}
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			return nil, err
		}
		b = r
		if f.num != 1 {
			continue
		}
		if err := f.want(protowire.BytesType); err != nil {
			return nil, err
		}
		var dim ir.Dim
		for db := f.b; len(db) > 0; {
			g, r, err := next(db)
			if err != nil {
				return nil, err
			}
			db = r
			switch g.num {
			case 1:
				var v int64
				if v, err = g.int64(); err == nil {
					dim.Param = ""
					dim.Value, dim.Known = v, v >= 0
					if v < 0 {
						dim.Value = 0
					}
				}
			case 2:
				var s string
				if s, err = g.str(); err == nil {
					dim.Param, dim.Value, dim.Known = s, 0, false
				}
			case 3:
				dim.Denotation, err = g.str()
			}
			if err != nil {
				return nil, err
			}
		}
		dims = append(dims, dim)
	}
	return dims, nil
}

// FunctionProto field numbers.
const (
	fnName          = 1
	fnInput         = 4
	fnOutput        = 5
	fnAttribute     = 6
	fnNode          = 7
	fnDoc           = 8
	fnOpsetImport   = 9
	fnDomain        = 10
	fnAttributeProt = 11
)

// function decodes a FunctionProto. AttrNames lists the names of attributes
// without a default (field attribute), then those with one (field
// attribute_proto), each of the latter once.
func (d *decoder) function(b []byte) (*ir.Function, error) {
	fn := &ir.Function{Opsets: map[string]int64{}}
	for len(b) > 0 {
		f, r, err := next(b)
		if err != nil {
			return nil, err
		}
		b = r
		var s string
		switch f.num {
		case fnName:
			fn.Name, err = f.str()
		case fnDomain:
			if s, err = f.str(); err == nil {
				fn.Domain = ir.NormalizeDomain(s)
			}
		case fnDoc:
			fn.Doc, err = f.str()
		case fnInput:
			if s, err = f.str(); err == nil {
				fn.Inputs = append(fn.Inputs, s)
			}
		case fnOutput:
			if s, err = f.str(); err == nil {
				fn.Outputs = append(fn.Outputs, s)
			}
		case fnAttribute:
			if s, err = f.str(); err == nil {
				fn.AttrNames = append(fn.AttrNames, s)
			}
		case fnAttributeProt:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			var a *ir.Attribute
			if a, err = d.attribute(f.b, 0); err != nil {
				err = fmt.Errorf("attribute %q: %w", peekString(f.b, aName), err)
				break
			}
			fn.AttrDefaults = append(fn.AttrDefaults, a)
		case fnNode:
			if err = f.want(protowire.BytesType); err != nil {
				break
			}
			var n *ir.Node
			if n, err = d.node(f.b, 0); err != nil {
				err = fmt.Errorf("node %d (%s): %w", len(fn.Nodes), nodeLabel(f.b), err)
				break
			}
			fn.Nodes = append(fn.Nodes, n)
		case fnOpsetImport:
			err = d.opset(&f, fn.Opsets)
		}
		if err != nil {
			return nil, err
		}
	}
	// Canonical order: names without a default, then those with one.
	hasDefault := map[string]bool{}
	for _, a := range fn.AttrDefaults {
		hasDefault[a.Name] = true
	}
	names := fn.AttrNames[:0:0]
	for _, n := range fn.AttrNames {
		if !hasDefault[n] {
			names = append(names, n)
		}
	}
	for _, a := range fn.AttrDefaults {
		if hasDefault[a.Name] {
			names = append(names, a.Name)
			hasDefault[a.Name] = false
		}
	}
	if len(names) > 0 {
		fn.AttrNames = names
	}
	return fn, nil
}

// onlyMeaningful returns a copy of a keeping only the value field that
// matches its type (none for a reference to a function attribute), so that
// stray fields in the file do not linger in the IR.
func onlyMeaningful(a *ir.Attribute) *ir.Attribute {
	c := &ir.Attribute{Name: a.Name, Type: a.Type, RefAttrName: a.RefAttrName, Doc: a.Doc}
	if a.RefAttrName != "" {
		return c
	}
	switch a.Type {
	case ir.AttrFloat:
		c.F = a.F
	case ir.AttrInt:
		c.I = a.I
	case ir.AttrString:
		c.S = a.S
	case ir.AttrTensor, ir.AttrSparseTensor:
		c.T = a.T
	case ir.AttrGraph:
		c.G = a.G
	case ir.AttrFloats:
		c.Floats = a.Floats
	case ir.AttrInts:
		c.Ints = a.Ints
	case ir.AttrStrings:
		c.Strings = a.Strings
	case ir.AttrTensors, ir.AttrSparseTensors:
		c.Tensors = a.Tensors
	case ir.AttrGraphs:
		c.Graphs = a.Graphs
	case ir.AttrTypeProto:
		c.TP = a.TP
	case ir.AttrTypeProtos:
		c.TypeProtos = a.TypeProtos
	}
	return c
}
