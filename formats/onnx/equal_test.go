package onnx

import (
	"bytes"
	"fmt"
	"math"
	"reflect"

	"github.com/sinter-ml/sinter/tensor"
)

var tensorType = reflect.TypeOf((*tensor.Tensor)(nil))

// diff returns "" when a and b are structurally equal, else the path of the
// first difference. Tensors compare by dtype, shape and storage bytes; floats
// bitwise (so NaN equals itself); nil and empty slices are equal.
func diff(a, b any) string { return diffValue("model", reflect.ValueOf(a), reflect.ValueOf(b)) }

func diffValue(path string, a, b reflect.Value) string {
	if a.Type() != b.Type() {
		return path + ": types differ"
	}
	if a.Type() == tensorType {
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": one tensor is nil"
			}
			return ""
		}
		x, y := a.Interface().(*tensor.Tensor), b.Interface().(*tensor.Tensor)
		if x.DType() != y.DType() || !x.Shape().Equal(y.Shape()) {
			return fmt.Sprintf("%s: %v vs %v", path, x, y)
		}
		if x.DType() == tensor.String {
			if !reflect.DeepEqual(x.Strings(), y.Strings()) {
				return path + ": strings differ"
			}
		} else if !bytes.Equal(x.Bytes(), y.Bytes()) {
			return path + ": tensor bytes differ"
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return path + ": one is nil"
			}
			return ""
		}
		return diffValue(path, a.Elem(), b.Elem())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if d := diffValue(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: len %d vs %d", path, a.Len(), b.Len())
		}
		for i := 0; i < a.Len(); i++ {
			if d := diffValue(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %v vs %v", path, a, b)
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return fmt.Sprintf("%s[%v]: missing", path, k)
			}
			if d := diffValue(fmt.Sprintf("%s[%v]", path, k), a.MapIndex(k), bv); d != "" {
				return d
			}
		}
		return ""
	case reflect.Float32, reflect.Float64:
		if math.Float64bits(a.Float()) != math.Float64bits(b.Float()) {
			return fmt.Sprintf("%s: %v vs %v", path, a.Float(), b.Float())
		}
		return ""
	}
	if !a.Equal(b) {
		return fmt.Sprintf("%s: %v vs %v", path, a, b)
	}
	return ""
}
