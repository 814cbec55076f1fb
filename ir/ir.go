// Package ir is Sinter's graph representation: the form every model format
// decodes into and every compiler pass rewrites. It mirrors ONNX's model
// structure (graphs of nodes over named values, typed attributes, opset
// imports, initializers, model-local functions) but holds decoded tensors
// rather than protobuf bytes. It computes nothing.
package ir

import (
	"github.com/sinter-ml/sinter/tensor"
)

// DefaultDomain is the operator-set domain of the core ONNX operators. ONNX
// writes it as "" or "ai.onnx"; Sinter normalises both to "".
const DefaultDomain = ""

// MLDomain is the domain of ONNX-ML operators (tree ensembles, scalers, …).
const MLDomain = "ai.onnx.ml"

// NormalizeDomain maps "ai.onnx" to DefaultDomain and leaves others as they are.
func NormalizeDomain(d string) string {
	if d == "ai.onnx" {
		return DefaultDomain
	}
	return d
}

// Model is a loaded model: its graph, the operator sets it was written
// against and its metadata.
type Model struct {
	IRVersion       int64
	ProducerName    string
	ProducerVersion string
	Domain          string
	ModelVersion    int64
	Doc             string
	// Opsets maps a normalised domain to the opset version imported for it.
	Opsets    map[string]int64
	Metadata  []KeyValue
	Graph     *Graph
	Functions []*Function
}

// KeyValue is one metadata entry, kept in file order.
type KeyValue struct{ Key, Value string }

// Graph is a list of nodes in file order (ONNX requires topological order
// but loaders do not trust it) over named values.
//
// A value name is defined exactly once: as a graph input, an initializer or a
// node output. A subgraph may use names defined by enclosing graphs.
type Graph struct {
	Name   string
	Doc    string
	Nodes  []*Node
	Inputs []*ValueInfo
	// Outputs are the values the graph returns, in order.
	Outputs []*ValueInfo
	// ValueInfo carries types of intermediate values when the file records them.
	ValueInfo []*ValueInfo
	// Initializers are constant tensors by name, in file order. Sparse
	// initializers are densified by the loader. An initializer that is also
	// listed in Inputs is a default the caller may override.
	Initializers []*Initializer
}

// Initializer is a named constant tensor of a graph.
type Initializer struct {
	Name   string
	Tensor *tensor.Tensor
	// Doc is the tensor's doc string, kept for re-encoding.
	Doc string
}

// Initializer returns the initializer called name, or nil.
func (g *Graph) Initializer(name string) *Initializer {
	for _, in := range g.Initializers {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// Node is one operator application.
type Node struct {
	Name   string
	OpType string
	// Domain is normalised: DefaultDomain for core ONNX operators.
	Domain string
	// Inputs and Outputs name values; "" marks an omitted optional one.
	Inputs  []string
	Outputs []string
	Attrs   []*Attribute
	Doc     string
}

// Attr returns the attribute called name, or nil.
func (n *Node) Attr(name string) *Attribute {
	for _, a := range n.Attrs {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// Label names the node for error messages: its name if it has one, else its
// op type and first output.
func (n *Node) Label() string {
	if n.Name != "" {
		return n.OpType + " node " + quote(n.Name)
	}
	if len(n.Outputs) > 0 {
		return n.OpType + " node producing " + quote(n.Outputs[0])
	}
	return n.OpType + " node"
}

func quote(s string) string { return "\"" + s + "\"" }

// AttrType is the kind of an attribute's value. Values match onnx.proto's
// AttributeProto.AttributeType.
type AttrType int32

// Attribute kinds.
const (
	AttrUndefined     AttrType = 0
	AttrFloat         AttrType = 1
	AttrInt           AttrType = 2
	AttrString        AttrType = 3
	AttrTensor        AttrType = 4
	AttrGraph         AttrType = 5
	AttrFloats        AttrType = 6
	AttrInts          AttrType = 7
	AttrStrings       AttrType = 8
	AttrTensors       AttrType = 9
	AttrGraphs        AttrType = 10
	AttrSparseTensor  AttrType = 11
	AttrSparseTensors AttrType = 12
	AttrTypeProto     AttrType = 13
	AttrTypeProtos    AttrType = 14
)

func (a AttrType) String() string {
	names := [...]string{"undefined", "float", "int", "string", "tensor", "graph", "floats", "ints",
		"strings", "tensors", "graphs", "sparse_tensor", "sparse_tensors", "type_proto", "type_protos"}
	if a >= 0 && int(a) < len(names) {
		return names[a]
	}
	return "attr_type(?)"
}

// Attribute is a named, typed operator parameter. Exactly the field matching
// Type is meaningful. Sparse tensors are densified into T/Tensors by the loader.
type Attribute struct {
	Name string
	Type AttrType
	// RefAttrName, inside a function body, names the calling node's attribute
	// this one takes its value from.
	RefAttrName string
	Doc         string

	F          float32
	I          int64
	S          []byte
	T          *tensor.Tensor
	G          *Graph
	TP         *Type
	Floats     []float32
	Ints       []int64
	Strings    [][]byte
	Tensors    []*tensor.Tensor
	Graphs     []*Graph
	TypeProtos []*Type
}

// TypeKind says what a value holds.
type TypeKind uint8

// Kinds of value types.
const (
	KindUnknown TypeKind = iota
	KindTensor
	KindSparseTensor
	KindSequence
	KindMap
	KindOptional
)

// Type is a value's type: a tensor's element type and (possibly symbolic)
// shape, or a sequence/optional/map of other types.
type Type struct {
	Kind TypeKind
	// Elem is the element type of a tensor, or a map's value-less key type.
	Elem tensor.DType
	// Shape is nil when the rank is unknown.
	Shape []Dim
	// HasShape distinguishes an unknown rank (false) from a scalar (true, empty Shape).
	HasShape bool
	// Inner is the element type of a sequence or optional, or a map's value type.
	Inner *Type
}

// Dim is one axis of a symbolic shape: a known size, a named symbol, or unknown.
type Dim struct {
	// Value is the size when Known.
	Value int64
	// Param names a symbolic dimension (e.g. "batch") when not Known.
	Param string
	Known bool
	// Denotation is ONNX's optional semantic label, kept for re-encoding.
	Denotation string
}

// ValueInfo is a named value with its (possibly partial) type.
type ValueInfo struct {
	Name string
	Type *Type
	Doc  string
}

// Function is a model-local function: a named operator defined by a body of
// nodes, called from graphs by (Domain, Name).
type Function struct {
	Name    string
	Domain  string
	Inputs  []string
	Outputs []string
	// AttrNames lists the attributes a call may pass; AttrDefaults holds the
	// default values of those that have one.
	AttrNames    []string
	AttrDefaults []*Attribute
	Nodes        []*Node
	Opsets       map[string]int64
	Doc          string
}
