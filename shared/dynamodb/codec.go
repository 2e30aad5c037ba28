package dynamodb

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The conversion of domain values to attribute values and back. Fields are named
// by their JSON tags and left out as encoding/json leaves them out (omitempty:
// false, 0, "", a nil map, slice or pointer; omitzero: the zero value, or what
// IsZero reports); a struct is a map, a slice a list, a nil map or slice NULL; a
// time is a fixed-width string (keyTime). It reads what the SDK's attributevalue
// package wrote with the same options, as the store did before, and writes the
// same but for zero fields tagged omitzero, which it leaves out at any depth. It is
// the store's own because that package links the DynamoDB Streams client into
// every function that uses it, and builds items with more allocations.

var timeType = reflect.TypeFor[time.Time]()

// field is one stored field of a struct type.
type field struct {
	name      string
	index     []int
	omitEmpty bool
	omitZero  bool
}

var fieldCache sync.Map // reflect.Type → []field

// fieldsOf returns the stored fields of a struct type, in declaration order, those
// of an untagged embedded struct in its place, as encoding/json sees them.
func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for _, inner := range fieldsOf(f.Type) {
				inner.index = append([]int{i}, inner.index...)
				fs = append(fs, inner)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fd := field{name: name, index: []int{i}}
		for o := range strings.SplitSeq(opts, ",") {
			fd.omitEmpty = fd.omitEmpty || o == "omitempty"
			fd.omitZero = fd.omitZero || o == "omitzero"
		}
		fs = append(fs, fd)
	}
	fieldCache.Store(t, fs)
	return fs
}

// omitted reports whether a field's value is left out.
func (f field) omitted(v reflect.Value) bool {
	if f.omitEmpty {
		switch v.Kind() {
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64, reflect.String:
			if v.IsZero() {
				return true
			}
		case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return true
			}
		}
	}
	if f.omitZero {
		if z, ok := v.Interface().(interface{ IsZero() bool }); ok {
			return z.IsZero()
		}
		return v.IsZero()
	}
	return false
}

var null = &types.AttributeValueMemberNULL{Value: true}

// encodeMap returns the attributes of a struct value.
func encodeMap(v any) (map[string]types.AttributeValue, error) {
	rv := reflect.Indirect(reflect.ValueOf(v))
	if rv.Kind() != reflect.Struct {
		return nil, fmt.Errorf("encode %T: not a struct", v)
	}
	return encodeStruct(rv)
}

func encodeStruct(v reflect.Value) (map[string]types.AttributeValue, error) {
	fs := fieldsOf(v.Type())
	m := make(map[string]types.AttributeValue, len(fs))
	for _, f := range fs {
		fv := v.FieldByIndex(f.index)
		if f.omitted(fv) {
			continue
		}
		av, err := encodeValue(fv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.name, err)
		}
		m[f.name] = av
	}
	return m, nil
}

// encodeValue returns the attribute value of v.
func encodeValue(v reflect.Value) (types.AttributeValue, error) {
	if v.Type() == timeType {
		return &types.AttributeValueMemberS{Value: keyTime(v.Interface().(time.Time))}, nil
	}
	switch v.Kind() {
	case reflect.String:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case reflect.Bool:
		return &types.AttributeValueMemberBOOL{Value: v.Bool()}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(v.Int(), 10)}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &types.AttributeValueMemberN{Value: strconv.FormatUint(v.Uint(), 10)}, nil
	case reflect.Float32, reflect.Float64:
		return &types.AttributeValueMemberN{Value: strconv.FormatFloat(v.Float(), 'f', -1, v.Type().Bits())}, nil
	case reflect.Struct:
		m, err := encodeStruct(v)
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case reflect.Map:
		if v.IsNil() {
			return null, nil
		}
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map key of type %s: want a string", v.Type().Key())
		}
		m := make(map[string]types.AttributeValue, v.Len())
		for it := v.MapRange(); it.Next(); {
			if it.Key().String() == "" {
				return nil, errors.New("empty map key")
			}
			av, err := encodeValue(it.Value())
			if err != nil {
				return nil, fmt.Errorf("%s: %w", it.Key().String(), err)
			}
			m[it.Key().String()] = av
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case reflect.Slice:
		if v.IsNil() {
			return null, nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return &types.AttributeValueMemberB{Value: append([]byte(nil), v.Bytes()...)}, nil
		}
		l := make([]types.AttributeValue, v.Len())
		for i := range l {
			av, err := encodeValue(v.Index(i))
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			l[i] = av
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return null, nil
		}
		return encodeValue(v.Elem())
	}
	return nil, fmt.Errorf("cannot store a %s", v.Type())
}

// decodeMap decodes a struct's attributes into out, a pointer to it. Attributes of
// no field are ignored; fields of no attribute keep their value.
func decodeMap(item map[string]types.AttributeValue, out any) error {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("decode into %T: want a pointer to a struct", out)
	}
	return decodeStruct(item, rv.Elem())
}

func decodeStruct(m map[string]types.AttributeValue, v reflect.Value) error {
	for _, f := range fieldsOf(v.Type()) {
		av, ok := m[f.name]
		if !ok {
			continue
		}
		if err := decodeValue(av, v.FieldByIndex(f.index)); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}

// decodeValue decodes av into v, which must be settable. NULL is the zero value.
func decodeValue(av types.AttributeValue, v reflect.Value) error {
	if _, ok := av.(*types.AttributeValueMemberNULL); ok || av == nil {
		v.SetZero()
		return nil
	}
	mismatch := func() error { return fmt.Errorf("cannot decode %T into a %s", av, v.Type()) }
	if v.Type() == timeType {
		s, ok := av.(*types.AttributeValueMemberS)
		if !ok {
			return mismatch()
		}
		t, err := time.Parse(time.RFC3339Nano, s.Value)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(t.UTC()))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		s, ok := av.(*types.AttributeValueMemberS)
		if !ok {
			return mismatch()
		}
		v.SetString(s.Value)
	case reflect.Bool:
		b, ok := av.(*types.AttributeValueMemberBOOL)
		if !ok {
			return mismatch()
		}
		v.SetBool(b.Value)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := av.(*types.AttributeValueMemberN)
		if !ok {
			return mismatch()
		}
		i, err := strconv.ParseInt(n.Value, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := av.(*types.AttributeValueMemberN)
		if !ok {
			return mismatch()
		}
		u, err := strconv.ParseUint(n.Value, 10, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		n, ok := av.(*types.AttributeValueMemberN)
		if !ok {
			return mismatch()
		}
		f, err := strconv.ParseFloat(n.Value, v.Type().Bits())
		if err != nil {
			return err
		}
		v.SetFloat(f)
	case reflect.Struct:
		m, ok := av.(*types.AttributeValueMemberM)
		if !ok {
			return mismatch()
		}
		return decodeStruct(m.Value, v)
	case reflect.Map:
		m, ok := av.(*types.AttributeValueMemberM)
		if !ok || v.Type().Key().Kind() != reflect.String {
			return mismatch()
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m.Value))
		for k, e := range m.Value {
			ev := reflect.New(v.Type().Elem()).Elem()
			if err := decodeValue(e, ev); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
		}
		v.Set(out)
	case reflect.Slice:
		if b, ok := av.(*types.AttributeValueMemberB); ok && v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes(append([]byte(nil), b.Value...))
			return nil
		}
		l, ok := av.(*types.AttributeValueMemberL)
		if !ok {
			return mismatch()
		}
		out := reflect.MakeSlice(v.Type(), len(l.Value), len(l.Value))
		for i, e := range l.Value {
			if err := decodeValue(e, out.Index(i)); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		v.Set(out)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := decodeValue(av, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
	default:
		return mismatch()
	}
	return nil
}
