package pickle

import (
	"fmt"
)

// RefusedError reports a global outside the allow-list.
type RefusedError struct{ Global string }

func (e *RefusedError) Error() string {
	return fmt.Sprintf("pickle refers to %s, which is not allowed", e.Global)
}

// Is makes errors.Is(err, ErrRefused) hold.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// helpers are the globals rebuilt natively; each is inert.
var helpers = map[string]bool{
	"numpy.dtype":                           true,
	"numpy.ndarray":                         true,
	"numpy.core.multiarray._reconstruct":    true,
	"numpy._core.multiarray._reconstruct":   true,
	"numpy.core.multiarray.scalar":          true,
	"numpy._core.multiarray.scalar":         true,
	"numpy.core.numeric._frombuffer":        true,
	"numpy._core.numeric._frombuffer":       true,
	"_codecs.encode":                        true,
	"builtins.bytes":                        true,
	"__builtin__.bytes":                     true,
	"builtins.bytearray":                    true,
	"__builtin__.bytearray":                 true,
	"builtins.set":                          true,
	"__builtin__.set":                       true,
	"builtins.frozenset":                    true,
	"__builtin__.frozenset":                 true,
	"builtins.slice":                        true,
	"__builtin__.slice":                     true,
	"builtins.object":                       true,
	"__builtin__.object":                    true,
	"copyreg._reconstructor":                true,
	"copy_reg._reconstructor":               true,
	"copyreg.__newobj__":                    true,
	"collections.OrderedDict":               true,
	"joblib.numpy_pickle.NumpyArrayWrapper": true,
}

const joblibWrapper = "joblib.numpy_pickle.NumpyArrayWrapper"

func (u *unpickler) global(mod, name string) (*Global, error) {
	if len(mod) > 256 || len(name) > 256 {
		return nil, u.errorf(ErrInvalid, "global name too long")
	}
	g := &Global{Module: mod, Name: name}
	full := g.String()
	if helpers[full] {
		return g, nil
	}
	if u.opts.Allow != nil && u.opts.Allow(mod, name) {
		return g, nil
	}
	return nil, &RefusedError{Global: full}
}

func (u *unpickler) call(fv Value, args Tuple, kw *Dict) (Value, error) {
	f, ok := fv.(*Global)
	if !ok {
		return nil, u.errorf(ErrInvalid, "cannot call a %s", TypeName(fv))
	}
	arg := func(i int) Value {
		if i < len(args) {
			return args[i]
		}
		return nil
	}
	switch f.String() {
	case "numpy.dtype":
		switch a := arg(0).(type) {
		case string:
			d, err := parseDTypeString(a)
			if err != nil {
				return nil, u.errorf(ErrInvalid, "%v", err)
			}
			return d, nil
		case *DType:
			c := *a
			return &c, nil
		}
		return nil, u.errorf(ErrInvalid, "numpy.dtype of %s", TypeName(arg(0)))
	case "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct":
		if len(args) != 3 {
			return nil, u.errorf(ErrInvalid, "_reconstruct takes 3 arguments, got %d", len(args))
		}
		sub, ok := args[0].(*Global)
		if !ok || sub.String() != "numpy.ndarray" {
			return nil, u.errorf(ErrRefused, "_reconstruct of %s (only numpy.ndarray)", TypeName(args[0]))
		}
		return &Array{}, nil
	case "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar":
		d, ok := arg(0).(*DType)
		if !ok || len(args) < 1 || len(args) > 2 {
			return nil, u.errorf(ErrInvalid, "scalar() needs a dtype")
		}
		if d.Kind == 'O' {
			return arg(1), nil
		}
		var b []byte
		switch x := arg(1).(type) {
		case Bytes:
			b = x
		case string:
			lb, err := latin1(x)
			if err != nil {
				return nil, u.errorf(ErrInvalid, "%v", err)
			}
			b = lb
		default:
			return nil, u.errorf(ErrInvalid, "scalar() data is %s", TypeName(arg(1)))
		}
		if len(b) != d.ItemSize || len(d.Fields) > 0 {
			return nil, u.errorf(ErrInvalid, "scalar of %d bytes for %s", len(b), d)
		}
		v, err := element(d, b)
		if err != nil {
			return nil, u.errorf(ErrInvalid, "%v", err)
		}
		return v, nil
	case "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer":
		if len(args) != 4 {
			return nil, u.errorf(ErrInvalid, "_frombuffer takes 4 arguments, got %d", len(args))
		}
		d, ok := args[1].(*DType)
		if !ok {
			return nil, u.errorf(ErrInvalid, "_frombuffer dtype is %s", TypeName(args[1]))
		}
		if d.Kind == 'O' {
			return nil, u.errorf(ErrInvalid, "_frombuffer of an object dtype")
		}
		shape, err := shapeOf(args[2])
		if err != nil {
			return nil, u.errorf(ErrInvalid, "%v", err)
		}
		order, _ := args[3].(string)
		a := &Array{DType: d, Shape: shape, Fortran: order == "F"}
		if err := a.fill(args[0]); err != nil {
			return nil, u.errorf(ErrInvalid, "%v", err)
		}
		return a, nil
	case "_codecs.encode":
		s, ok := arg(0).(string)
		enc, _ := arg(1).(string)
		if !ok || len(args) != 2 {
			return nil, u.errorf(ErrInvalid, "_codecs.encode of %s", TypeName(arg(0)))
		}
		switch enc {
		case "latin1", "latin-1", "iso-8859-1", "iso8859-1":
			b, err := latin1(s)
			if err != nil {
				return nil, u.errorf(ErrInvalid, "%v", err)
			}
			return b, nil
		case "utf-8", "utf8", "ascii":
			return Bytes(s), nil
		}
		return nil, u.errorf(ErrRefused, "_codecs.encode with encoding %q", trunc(enc))
	case "builtins.bytes", "__builtin__.bytes", "builtins.bytearray", "__builtin__.bytearray":
		switch a := arg(0).(type) {
		case nil:
			if len(args) == 0 {
				return Bytes{}, nil
			}
		case Bytes:
			return a, nil
		case string:
			enc, _ := arg(1).(string)
			if enc == "latin1" || enc == "latin-1" {
				b, err := latin1(a)
				if err != nil {
					return nil, u.errorf(ErrInvalid, "%v", err)
				}
				return b, nil
			}
			if enc == "utf-8" || enc == "utf8" || enc == "ascii" {
				return Bytes(a), nil
			}
		case *List:
			b := make(Bytes, len(a.Items))
			for i, it := range a.Items {
				k, ok := it.(int64)
				if !ok || k < 0 || k > 255 {
					return nil, u.errorf(ErrInvalid, "bytes() of a list holding %s", TypeName(it))
				}
				b[i] = byte(k)
			}
			return b, nil
		}
		return nil, u.errorf(ErrInvalid, "%s of %s", f, TypeName(arg(0)))
	case "builtins.set", "__builtin__.set", "builtins.frozenset", "__builtin__.frozenset":
		s := &Set{Frozen: f.Name == "frozenset"}
		switch a := arg(0).(type) {
		case nil:
		case *List:
			s.Items = append(s.Items, a.Items...)
		case Tuple:
			s.Items = append(s.Items, a...)
		default:
			return nil, u.errorf(ErrInvalid, "%s of %s", f, TypeName(arg(0)))
		}
		return s, nil
	case "collections.OrderedDict":
		d := NewDict()
		if l, ok := arg(0).(*List); ok {
			for _, it := range l.Items {
				p, ok := it.(Tuple)
				if !ok || len(p) != 2 {
					return nil, u.errorf(ErrInvalid, "OrderedDict item is %s", TypeName(it))
				}
				if err := d.Set(p[0], p[1]); err != nil {
					return nil, u.errorf(ErrInvalid, "%v", err)
				}
			}
		}
		return d, nil
	case "copyreg._reconstructor", "copy_reg._reconstructor":
		if len(args) != 3 {
			return nil, u.errorf(ErrInvalid, "_reconstructor takes 3 arguments")
		}
		cls, ok := args[0].(*Global)
		base, ok2 := args[1].(*Global)
		if !ok || !ok2 {
			return nil, u.errorf(ErrInvalid, "_reconstructor needs classes")
		}
		switch base.String() {
		case "builtins.object", "__builtin__.object":
			return u.newObj(cls, nil, nil)
		}
		return nil, u.errorf(ErrRefused, "_reconstructor with base %s", base)
	case "copyreg.__newobj__":
		if len(args) < 1 {
			return nil, u.errorf(ErrInvalid, "__newobj__ without a class")
		}
		return u.newObj(args[0], append(Tuple(nil), args[1:]...), nil)
	case "numpy.ndarray", joblibWrapper:
		return nil, u.errorf(ErrRefused, "calling %s", f)
	}
	return &Object{Class: f, Args: args, Kwargs: kw}, nil
}

func (u *unpickler) newObj(cv Value, args Tuple, kw *Dict) (Value, error) {
	cls, ok := cv.(*Global)
	if !ok {
		return nil, u.errorf(ErrInvalid, "NEWOBJ on a %s", TypeName(cv))
	}
	switch cls.String() {
	case "collections.OrderedDict":
		return NewDict(), nil
	case "builtins.set", "__builtin__.set":
		return &Set{}, nil
	case "numpy.dtype", "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
		"numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
		"numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer", "_codecs.encode",
		"copyreg._reconstructor", "copy_reg._reconstructor", "copyreg.__newobj__", "numpy.ndarray":
		return nil, u.errorf(ErrRefused, "NEWOBJ on %s", cls)
	}
	return &Object{Class: cls, Args: args, Kwargs: kw}, nil
}

func (u *unpickler) build(obj, st Value) (Value, error) {
	switch o := obj.(type) {
	case *DType:
		if err := o.setState(st); err != nil {
			return nil, u.errorf(ErrInvalid, "%v", err)
		}
		return o, nil
	case *Array:
		if o.filled {
			return nil, u.errorf(ErrInvalid, "BUILD on a filled array")
		}
		t, ok := st.(Tuple)
		if !ok || (len(t) != 5 && len(t) != 4) {
			return nil, u.errorf(ErrInvalid, "ndarray state is %s", TypeName(st))
		}
		if len(t) == 5 {
			t = t[1:]
		}
		shape, err := shapeOf(t[0])
		if err != nil {
			return nil, u.errorf(ErrInvalid, "%v", err)
		}
		d, ok := t[1].(*DType)
		if !ok {
			return nil, u.errorf(ErrInvalid, "ndarray dtype is %s", TypeName(t[1]))
		}
		fortran, ok := ToInt(t[2])
		if !ok {
			return nil, u.errorf(ErrInvalid, "ndarray fortran flag is %s", TypeName(t[2]))
		}
		o.DType, o.Shape, o.Fortran = d, shape, fortran != 0
		if err := o.fill(t[3]); err != nil {
			return nil, u.errorf(ErrInvalid, "%v", err)
		}
		return o, nil
	case *Object:
		if o.Class.String() == joblibWrapper {
			if u.nested > 0 {
				return nil, u.errorf(ErrRefused, "joblib array wrapper inside a nested pickle")
			}
			return u.joblibArray(st)
		}
		switch cur := o.State.(type) {
		case nil:
			o.State = st
		case *Dict:
			if nd, ok := st.(*Dict); ok {
				for i, k := range nd.Keys {
					if err := cur.Set(k, nd.Values[i]); err != nil {
						return nil, u.errorf(ErrInvalid, "%v", err)
					}
				}
			} else {
				o.State = st
			}
		default:
			o.State = st
		}
		return o, nil
	}
	return nil, u.errorf(ErrInvalid, "BUILD on %s", TypeName(obj))
}

// joblibArray reads the array a joblib NumpyArrayWrapper announces: its
// raw bytes (after an optional alignment padding) follow in the stream, or,
// for object arrays, a nested pickle.
func (u *unpickler) joblibArray(st Value) (Value, error) {
	d, ok := st.(*Dict)
	if !ok {
		return nil, u.errorf(ErrInvalid, "NumpyArrayWrapper state is %s", TypeName(st))
	}
	get := func(k string) Value { v, _ := d.Get(k); return v }
	if sub, ok := get("subclass").(*Global); !ok || (sub.String() != "numpy.ndarray" && sub.String() != "numpy.memmap") {
		return nil, u.errorf(ErrRefused, "NumpyArrayWrapper of %s", TypeName(get("subclass")))
	}
	dt, ok := get("dtype").(*DType)
	if !ok {
		return nil, u.errorf(ErrInvalid, "NumpyArrayWrapper dtype is %s", TypeName(get("dtype")))
	}
	shape, err := shapeOf(get("shape"))
	if err != nil {
		return nil, u.errorf(ErrInvalid, "%v", err)
	}
	order, _ := get("order").(string)
	a := &Array{DType: dt, Shape: shape, Fortran: order == "F"}
	if dt.Kind == 'O' {
		sub := &unpickler{data: u.data, pos: u.pos, opts: u.opts, lim: u.lim, nested: u.nested + 1}
		v, err := sub.load()
		u.pos = sub.pos
		if err != nil {
			return nil, err
		}
		arr, ok := v.(*Array)
		if !ok || arr.DType == nil || arr.DType.Kind != 'O' {
			return nil, u.errorf(ErrInvalid, "joblib object array is %s", TypeName(v))
		}
		return arr, nil
	}
	if get("numpy_array_alignment_bytes") != nil {
		n, err := u.readLen(1)
		if err != nil {
			return nil, err
		}
		if _, err := u.read(n); err != nil {
			return nil, err
		}
	}
	size := int64(a.Len()) * int64(dt.ItemSize)
	if size > int64(len(u.data)-u.pos) {
		return nil, u.errorf(ErrInvalid, "joblib array of %d bytes, %d left", size, len(u.data)-u.pos)
	}
	b, _ := u.read(int(size))
	if err := a.fill(Bytes(b)); err != nil {
		return nil, u.errorf(ErrInvalid, "%v", err)
	}
	return a, nil
}
