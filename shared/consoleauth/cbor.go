package consoleauth

import (
	"encoding/binary"
	"errors"
	"math"
)

// A minimal CBOR (RFC 8949) reader for what WebAuthn sends: the attestation object,
// the credential public key (a COSE key) and authenticator extensions. It decodes
// one data item into Go values (int64 for integers, []byte, string, []any,
// map[any]any with int64 or string keys, bool, nil, float64) and returns the bytes
// after it: the credential public key in authenticator data is followed by more
// data, and only its end says where it stops. The WebAuthn library this replaces
// linked a general CBOR codec and every attestation format's verifier, about 2 MB
// of the console's arm64 binary.

var errCBOR = errors.New("malformed CBOR")

// maxCBORDepth bounds nesting, so that a hostile answer cannot recurse deeply.
const maxCBORDepth = 16

// maxCBORReserve bounds the room an array or map reserves for the elements its
// header claims: a claim is only a promise until the elements are read, and
// reserving all of it at each level of nesting lets a small answer allocate
// hundreds of times its size.
const maxCBORReserve = 16

// cborItem decodes the first data item of b and returns it with the rest of b.
func cborItem(b []byte) (any, []byte, error) { return cborDecode(b, 0) }

func cborDecode(b []byte, depth int) (any, []byte, error) {
	if depth > maxCBORDepth || len(b) == 0 {
		return nil, nil, errCBOR
	}
	major, info := b[0]>>5, b[0]&0x1f
	b = b[1:]
	var arg uint64
	switch {
	case info < 24:
		arg = uint64(info)
	case info == 24 && len(b) >= 1:
		arg, b = uint64(b[0]), b[1:]
	case info == 25 && len(b) >= 2:
		arg, b = uint64(binary.BigEndian.Uint16(b)), b[2:]
	case info == 26 && len(b) >= 4:
		arg, b = uint64(binary.BigEndian.Uint32(b)), b[4:]
	case info == 27 && len(b) >= 8:
		arg, b = binary.BigEndian.Uint64(b), b[8:]
	default: // indefinite lengths and reserved values: WebAuthn's CTAP2 encoding has none
		return nil, nil, errCBOR
	}
	switch major {
	case 0:
		if arg > math.MaxInt64 {
			return nil, nil, errCBOR
		}
		return int64(arg), b, nil
	case 1:
		if arg > math.MaxInt64 {
			return nil, nil, errCBOR
		}
		return -1 - int64(arg), b, nil
	case 2, 3:
		if arg > uint64(len(b)) {
			return nil, nil, errCBOR
		}
		if major == 2 {
			return b[:arg:arg], b[arg:], nil
		}
		return string(b[:arg]), b[arg:], nil
	case 4:
		if arg > uint64(len(b)) { // each item takes a byte at least
			return nil, nil, errCBOR
		}
		out := make([]any, 0, min(arg, maxCBORReserve))
		for range arg {
			v, rest, err := cborDecode(b, depth+1)
			if err != nil {
				return nil, nil, err
			}
			out, b = append(out, v), rest
		}
		return out, b, nil
	case 5:
		if arg > uint64(len(b))/2 {
			return nil, nil, errCBOR
		}
		out := make(map[any]any, min(arg, maxCBORReserve))
		for range arg {
			k, rest, err := cborDecode(b, depth+1)
			if err != nil {
				return nil, nil, err
			}
			switch k.(type) {
			case int64, string:
			default:
				return nil, nil, errCBOR
			}
			if _, dup := out[k]; dup {
				return nil, nil, errCBOR
			}
			v, rest, err := cborDecode(rest, depth+1)
			if err != nil {
				return nil, nil, err
			}
			out[k], b = v, rest
		}
		return out, b, nil
	case 6: // a tag: its content stands for it
		return cborDecode(b, depth+1)
	}
	// major 7: simple values and floats
	switch {
	case info == 20:
		return false, b, nil
	case info == 21:
		return true, b, nil
	case info == 22 || info == 23:
		return nil, b, nil
	case info == 25:
		return halfFloat(uint16(arg)), b, nil
	case info == 26:
		return float64(math.Float32frombits(uint32(arg))), b, nil
	case info == 27:
		return math.Float64frombits(arg), b, nil
	}
	return nil, nil, errCBOR
}

// halfFloat converts an IEEE 754 half-precision number.
func halfFloat(h uint16) float64 {
	exp, frac := int(h>>10)&0x1f, float64(h&0x3ff)
	var v float64
	switch exp {
	case 0:
		v = math.Ldexp(frac, -24)
	case 31:
		v = math.Inf(1)
		if frac != 0 {
			v = math.NaN()
		}
	default:
		v = math.Ldexp(frac+1024, exp-25)
	}
	if h&0x8000 != 0 {
		v = -v
	}
	return v
}
