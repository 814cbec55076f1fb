package onnx

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/sinter-ml/sinter/ir"
	"github.com/sinter-ml/sinter/tensor"
	"github.com/sinter-ml/sinter/tensor/encoding/tensorproto"
	"google.golang.org/protobuf/encoding/protowire"
)

// Encode serializes m as an ONNX ModelProto. Fields are written in
// field-number order, as protobuf's serializers do; tensors are written in
// raw_data (string tensors in string_data), opset imports sorted by domain.
// Tensor attributes of type sparse_tensor(s) are written sparse again, with
// linear indices. Sparse initializers, densified by Decode, are written
// dense.
//
// Decode(Encode(m)) gives a model structurally equal to m for any m Decode
// produced.
//
// # Errors
//
// Encode fails on an IR that cannot be represented: a nil tensor, graph or
// node, or an attribute of unknown type.
func Encode(m *ir.Model) ([]byte, error) {
	b, err := appendModel(nil, m)
	if err != nil {
		return nil, fmt.Errorf("onnx: encode: %w", err)
	}
	return b, nil
}

// appendMsg appends field num holding the message that fn appends. The
// message is written in place and then shifted right to make room for its
// length prefix, so nested messages need no temporary buffers.
func appendMsg(b []byte, num protowire.Number, fn func([]byte) ([]byte, error)) ([]byte, error) {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	start := len(b)
	b, err := fn(b)
	if err != nil {
		return b, err
	}
	n := len(b) - start
	k := protowire.SizeVarint(uint64(n))
	b = append(b, make([]byte, k)...)
	copy(b[start+k:], b[start:start+n])
	protowire.AppendVarint(b[start:start], uint64(n))
	return b, nil
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

// appendStrings appends a repeated string field, keeping empty entries
// (empty input and output names are meaningful).
func appendStrings(b []byte, num protowire.Number, ss []string) []byte {
	for _, s := range ss {
		b = protowire.AppendTag(b, num, protowire.BytesType)
		b = protowire.AppendString(b, s)
	}
	return b
}

func appendInt(b []byte, num protowire.Number, v int64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

func appendModel(b []byte, m *ir.Model) ([]byte, error) {
	var err error
	b = appendInt(b, mIRVersion, m.IRVersion)
	b = appendString(b, mProducerName, m.ProducerName)
	b = appendString(b, mProducerVersion, m.ProducerVersion)
	b = appendString(b, mDomain, m.Domain)
	b = appendInt(b, mModelVersion, m.ModelVersion)
	b = appendString(b, mDoc, m.Doc)
	if m.Graph != nil {
		if b, err = appendMsg(b, mGraph, func(b []byte) ([]byte, error) { return appendGraph(b, m.Graph) }); err != nil {
			return nil, err
		}
	}
	b = appendOpsets(b, mOpsetImport, m.Opsets)
	for _, kv := range m.Metadata {
		b, _ = appendMsg(b, mMetadataProps, func(b []byte) ([]byte, error) {
			return appendKeyValue(b, kv.Key, kv.Value), nil
		})
	}
	for i, fn := range m.Functions {
		if fn == nil {
			return nil, fmt.Errorf("function %d is nil", i)
		}
		if b, err = appendMsg(b, mFunctions, func(b []byte) ([]byte, error) { return appendFunction(b, fn) }); err != nil {
			return nil, fmt.Errorf("function %q: %w", fn.Name, err)
		}
	}
	return b, nil
}

// appendKeyValue appends the fields of a StringStringEntryProto.
func appendKeyValue(b []byte, k, v string) []byte {
	b = appendString(b, 1, k)
	return appendString(b, 2, v)
}

// appendOpsets writes one OperatorSetIdProto per domain, sorted by domain for
// a deterministic encoding.
func appendOpsets(b []byte, num protowire.Number, opsets map[string]int64) []byte {
	domains := make([]string, 0, len(opsets))
	for d := range opsets {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	for _, d := range domains {
		b, _ = appendMsg(b, num, func(b []byte) ([]byte, error) {
			b = appendString(b, 1, d)
			b = protowire.AppendTag(b, 2, protowire.VarintType)
			return protowire.AppendVarint(b, uint64(opsets[d])), nil
		})
	}
	return b
}

func appendGraph(b []byte, g *ir.Graph) ([]byte, error) {
	var err error
	for i, n := range g.Nodes {
		if n == nil {
			return nil, fmt.Errorf("graph %q: node %d is nil", g.Name, i)
		}
		if b, err = appendMsg(b, gNode, func(b []byte) ([]byte, error) { return appendNode(b, n) }); err != nil {
			return nil, fmt.Errorf("graph %q: node %d (%s): %w", g.Name, i, n.OpType, err)
		}
	}
	b = appendString(b, gName, g.Name)
	for _, in := range g.Initializers {
		if in == nil || in.Tensor == nil {
			return nil, fmt.Errorf("graph %q: nil initializer", g.Name)
		}
		b, _ = appendMsg(b, gInitializer, func(b []byte) ([]byte, error) {
			return tensorproto.Append(b, in.Tensor, in.Name, in.Doc), nil
		})
	}
	b = appendString(b, gDoc, g.Doc)
	for _, list := range []struct {
		num protowire.Number
		vis []*ir.ValueInfo
	}{{gInput, g.Inputs}, {gOutput, g.Outputs}, {gValueInfo, g.ValueInfo}} {
		for _, vi := range list.vis {
			if vi == nil {
				return nil, fmt.Errorf("graph %q: nil value info", g.Name)
			}
			b, _ = appendMsg(b, list.num, func(b []byte) ([]byte, error) { return appendValueInfo(b, vi), nil })
		}
	}
	return b, nil
}

func appendNode(b []byte, n *ir.Node) ([]byte, error) {
	var err error
	b = appendStrings(b, nInput, n.Inputs)
	b = appendStrings(b, nOutput, n.Outputs)
	b = appendString(b, nName, n.Name)
	b = appendString(b, nOpType, n.OpType)
	for _, a := range n.Attrs {
		if a == nil {
			return nil, fmt.Errorf("nil attribute")
		}
		if b, err = appendMsg(b, nAttribute, func(b []byte) ([]byte, error) { return appendAttribute(b, a) }); err != nil {
			return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
		}
	}
	b = appendString(b, nDoc, n.Doc)
	b = appendString(b, nDomain, n.Domain)
	return b, nil
}

func appendAttribute(b []byte, a *ir.Attribute) ([]byte, error) {
	var err error
	b = appendString(b, aName, a.Name)
	if a.Type < ir.AttrUndefined || a.Type > ir.AttrTypeProtos {
		return nil, fmt.Errorf("attribute type %d", a.Type)
	}
	// A reference to a function attribute has a type but no value.
	ref := a.RefAttrName != ""
	if !ref {
		switch a.Type {
		case ir.AttrFloat:
			b = protowire.AppendTag(b, aF, protowire.Fixed32Type)
			b = protowire.AppendFixed32(b, float32bits(a.F))
		case ir.AttrInt:
			b = protowire.AppendTag(b, aI, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(a.I))
		case ir.AttrString:
			b = protowire.AppendTag(b, aS, protowire.BytesType)
			b = protowire.AppendBytes(b, a.S)
		case ir.AttrTensor:
			if a.T == nil {
				return nil, fmt.Errorf("tensor attribute without a tensor")
			}
			b, _ = appendMsg(b, aT, func(b []byte) ([]byte, error) { return tensorproto.Append(b, a.T, "", ""), nil })
		case ir.AttrGraph:
			if a.G == nil {
				return nil, fmt.Errorf("graph attribute without a graph")
			}
			if b, err = appendMsg(b, aG, func(b []byte) ([]byte, error) { return appendGraph(b, a.G) }); err != nil {
				return nil, err
			}
		case ir.AttrFloats:
			for _, v := range a.Floats {
				b = protowire.AppendTag(b, aFloats, protowire.Fixed32Type)
				b = protowire.AppendFixed32(b, float32bits(v))
			}
		case ir.AttrInts:
			for _, v := range a.Ints {
				b = protowire.AppendTag(b, aInts, protowire.VarintType)
				b = protowire.AppendVarint(b, uint64(v))
			}
		case ir.AttrStrings:
			for _, s := range a.Strings {
				b = protowire.AppendTag(b, aStrings, protowire.BytesType)
				b = protowire.AppendBytes(b, s)
			}
		case ir.AttrTensors:
			for _, t := range a.Tensors {
				if t == nil {
					return nil, fmt.Errorf("nil tensor in tensors attribute")
				}
				b, _ = appendMsg(b, aTensors, func(b []byte) ([]byte, error) { return tensorproto.Append(b, t, "", ""), nil })
			}
		case ir.AttrGraphs:
			for _, g := range a.Graphs {
				if g == nil {
					return nil, fmt.Errorf("nil graph in graphs attribute")
				}
				if b, err = appendMsg(b, aGraphs, func(b []byte) ([]byte, error) { return appendGraph(b, g) }); err != nil {
					return nil, err
				}
			}
		}
	}
	b = appendString(b, aDoc, a.Doc)
	if !ref {
		switch a.Type {
		case ir.AttrTypeProto:
			if a.TP == nil {
				return nil, fmt.Errorf("type_proto attribute without a type")
			}
			b, _ = appendMsg(b, aTP, func(b []byte) ([]byte, error) { return appendType(b, a.TP), nil })
		case ir.AttrTypeProtos:
			for _, t := range a.TypeProtos {
				if t == nil {
					return nil, fmt.Errorf("nil type in type_protos attribute")
				}
				b, _ = appendMsg(b, aTypeProtos, func(b []byte) ([]byte, error) { return appendType(b, t), nil })
			}
		}
	}
	b = appendInt(b, aType, int64(a.Type))
	b = appendString(b, aRefAttrName, a.RefAttrName)
	if !ref {
		switch a.Type {
		case ir.AttrSparseTensor:
			if a.T == nil {
				return nil, fmt.Errorf("sparse_tensor attribute without a tensor")
			}
			b, _ = appendMsg(b, aSparseTensor, func(b []byte) ([]byte, error) { return appendSparse(b, a.T), nil })
		case ir.AttrSparseTensors:
			for _, t := range a.Tensors {
				if t == nil {
					return nil, fmt.Errorf("nil tensor in sparse_tensors attribute")
				}
				b, _ = appendMsg(b, aSparseTensors, func(b []byte) ([]byte, error) { return appendSparse(b, t), nil })
			}
		}
	}
	return b, nil
}

// appendSparse writes a dense tensor as a SparseTensorProto: the elements
// that are not all-zero bytes (not "" for strings) as values, with linear
// indices.
func appendSparse(b []byte, t *tensor.Tensor) []byte {
	var idx []int64
	var vals *tensor.Tensor
	if t.DType() == tensor.String {
		var ss []string
		for i, s := range t.Strings() {
			if s != "" {
				idx = append(idx, int64(i))
				ss = append(ss, s)
			}
		}
		vals = tensor.FromStrings(ss, len(ss))
	} else {
		size := t.DType().Size()
		data := t.Bytes()
		zero := make([]byte, size)
		var nz []byte
		for i := 0; i < t.Len(); i++ {
			e := data[i*size : (i+1)*size]
			if !bytes.Equal(e, zero) {
				idx = append(idx, int64(i))
				nz = append(nz, e...)
			}
		}
		if nz == nil {
			nz = []byte{}
		}
		vals, _ = tensor.FromBytes(t.DType(), tensor.Shape{len(idx)}, nz)
	}
	if idx == nil {
		idx = []int64{}
	}
	b, _ = appendMsg(b, spValues, func(b []byte) ([]byte, error) { return tensorproto.Append(b, vals, "", ""), nil })
	b, _ = appendMsg(b, spIndices, func(b []byte) ([]byte, error) {
		return tensorproto.Append(b, tensor.From(idx, len(idx)), "", ""), nil
	})
	for _, d := range t.Shape() {
		b = protowire.AppendTag(b, spDims, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(d))
	}
	return b
}

func appendValueInfo(b []byte, vi *ir.ValueInfo) []byte {
	b = appendString(b, vName, vi.Name)
	if vi.Type != nil {
		b, _ = appendMsg(b, vType, func(b []byte) ([]byte, error) { return appendType(b, vi.Type), nil })
	}
	return appendString(b, vDoc, vi.Doc)
}

// appendType writes a TypeProto; KindUnknown writes an empty one.
func appendType(b []byte, t *ir.Type) []byte {
	inner := func(num protowire.Number) func([]byte) ([]byte, error) {
		return func(b []byte) ([]byte, error) {
			if t.Inner != nil {
				b, _ = appendMsg(b, num, func(b []byte) ([]byte, error) { return appendType(b, t.Inner), nil })
			}
			return b, nil
		}
	}
	switch t.Kind {
	case ir.KindTensor, ir.KindSparseTensor:
		num := protowire.Number(tTensor)
		if t.Kind == ir.KindSparseTensor {
			num = tSparseTensor
		}
		b, _ = appendMsg(b, num, func(b []byte) ([]byte, error) {
			b = protowire.AppendTag(b, 1, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(t.Elem))
			if t.HasShape {
				b, _ = appendMsg(b, 2, func(b []byte) ([]byte, error) { return appendShape(b, t.Shape), nil })
			}
			return b, nil
		})
	case ir.KindSequence:
		b, _ = appendMsg(b, tSequence, inner(1))
	case ir.KindOptional:
		b, _ = appendMsg(b, tOptional, inner(1))
	case ir.KindMap:
		b, _ = appendMsg(b, tMap, func(b []byte) ([]byte, error) {
			b = protowire.AppendTag(b, 1, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(t.Elem))
			return inner(2)(b)
		})
	}
	return b
}

func appendShape(b []byte, dims []ir.Dim) []byte {
	for _, d := range dims {
		b, _ = appendMsg(b, 1, func(b []byte) ([]byte, error) {
			if d.Known {
				b = protowire.AppendTag(b, 1, protowire.VarintType)
				b = protowire.AppendVarint(b, uint64(d.Value))
			} else {
				b = appendString(b, 2, d.Param)
			}
			return appendString(b, 3, d.Denotation), nil
		})
	}
	return b
}

func appendFunction(b []byte, fn *ir.Function) ([]byte, error) {
	var err error
	b = appendString(b, fnName, fn.Name)
	b = appendStrings(b, fnInput, fn.Inputs)
	b = appendStrings(b, fnOutput, fn.Outputs)
	// Names with a default travel only in attribute_proto (ONNX allows an
	// attribute in one of the two lists, not both).
	for _, name := range fn.AttrNames {
		hasDefault := false
		for _, a := range fn.AttrDefaults {
			if a != nil && a.Name == name {
				hasDefault = true
				break
			}
		}
		if !hasDefault {
			b = appendStrings(b, fnAttribute, []string{name})
		}
	}
	for i, n := range fn.Nodes {
		if n == nil {
			return nil, fmt.Errorf("node %d is nil", i)
		}
		if b, err = appendMsg(b, fnNode, func(b []byte) ([]byte, error) { return appendNode(b, n) }); err != nil {
			return nil, fmt.Errorf("node %d (%s): %w", i, n.OpType, err)
		}
	}
	b = appendString(b, fnDoc, fn.Doc)
	b = appendOpsets(b, fnOpsetImport, fn.Opsets)
	b = appendString(b, fnDomain, fn.Domain)
	for _, a := range fn.AttrDefaults {
		if a == nil {
			return nil, fmt.Errorf("nil attribute default")
		}
		if b, err = appendMsg(b, fnAttributeProt, func(b []byte) ([]byte, error) { return appendAttribute(b, a) }); err != nil {
			return nil, fmt.Errorf("attribute %q: %w", a.Name, err)
		}
	}
	return b, nil
}
