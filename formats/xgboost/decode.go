package xgboost

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"
)

// Detect tells the three encodings apart by content:
//
//   - JSON: optional whitespace, '{', optional whitespace, then '"' (a key)
//     or '}';
//   - UBJSON: '{' followed by an integer-type marker (a key's length), '$',
//     '#', a no-op 'N' or '}';
//   - binary: the "binf" magic, or (older writers) a 136-byte learner
//     parameter block followed by a length-prefixed objective name
//     containing ':' and a known booster name.
//
// The second result is false when none matches.
func Detect(b []byte) (Format, bool) {
	if (len(b) >= 4 && string(b[:4]) == "binf") || looksLegacyBinary(b) {
		// Checked first: a headerless file's base_score may begin with '{'.
		return FormatBinary, true
	}
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	if i < len(b) && b[i] == '{' {
		if i == 0 && len(b) > 1 {
			switch b[1] {
			case 'i', 'U', 'I', 'l', 'L', '$', '#', 'N':
				return FormatUBJSON, true
			}
		}
		j := i + 1
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j < len(b) && (b[j] == '"' || b[j] == '}') {
			return FormatJSON, true
		}
	}
	return FormatUnknown, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// looksLegacyBinary checks for a headerless binary model.
func looksLegacyBinary(b []byte) bool {
	r := &binReader{b: b, i: learnerParamSize}
	if len(b) < learnerParamSize+8 {
		return false
	}
	n := binary.LittleEndian.Uint64(b[learnerParamSize:])
	if n == 0 || n > 64 {
		return false
	}
	obj, err := r.str()
	if err != nil || !strings.Contains(obj, ":") {
		return false
	}
	booster, err := r.str()
	return err == nil && (booster == "gbtree" || booster == "dart" || booster == "gblinear")
}

// Decode reads a model in any of the three encodings (see Detect).
//
// Input is treated as hostile: truncated or corrupt data, counts the bytes
// cannot back, child indices out of range, cycles and shared subtrees are
// errors wrapping ErrInvalid; allocation stays within a small multiple of
// len(b).
func Decode(b []byte) (*Model, error) {
	f, ok := Detect(b)
	if !ok {
		return nil, fmt.Errorf("xgboost: %w: not a JSON, UBJSON or binary XGBoost model", ErrInvalid)
	}
	return DecodeFormat(b, f)
}

// DecodeFormat reads a model in the given encoding.
func DecodeFormat(b []byte, f Format) (*Model, error) {
	var (
		m   *Model
		err error
	)
	switch f {
	case FormatJSON, FormatUBJSON:
		var doc *value
		if f == FormatJSON {
			doc, err = parseJSON(b)
		} else {
			doc, err = parseUBJSON(b)
		}
		if err == nil {
			m, err = fromDocument(doc, f)
		}
	case FormatBinary:
		m, err = decodeBinary(b)
	default:
		err = fmt.Errorf("%w: format %v", ErrUnsupported, f)
	}
	if err != nil {
		return nil, fmt.Errorf("xgboost: %s: %w", f, err)
	}
	m.size = len(b)
	return m, nil
}

// ReadFile reads and decodes a model file.
func ReadFile(name string) (*Model, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return Decode(b)
}
