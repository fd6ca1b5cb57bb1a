package evaluate

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
)

// environment is what a condition sees. `result` is typed any, so the type
// checker accepts any use of it (indexing, member access, comparison) and the
// actual shape — float64, []float64 or decoded JSON — is checked when it runs.
type environment struct {
	Result any `expr:"result"`
}

// functions are the helpers SPEC §3.3 adds to the expr builtins. Each is given
// a Go signature so that the type checker rejects, say, isNaN("x") at compile
// time; the implementations still check their arguments because `result` is
// untyped until run time.
func functions() []expr.Option {
	return []expr.Option{
		expr.Function("asInt", unary(asInt), new(func(any) int)),
		expr.Function("asFloat", unary(asFloat), new(func(any) float64)),
		expr.Function("isNaN", unary(isNaN), new(func(float64) bool)),
		expr.Function("isInf", unary(isInf), new(func(float64) bool)),
		expr.Function("isNil", unary(func(x any) (any, error) { return isNil(x), nil }), new(func(any) bool)),
		expr.Function("default", defaultTo, new(func(any, any) any)),
	}
}

// unary adapts a one-argument helper to expr's variadic function form. The
// type checker guarantees the argument count.
func unary[T any](f func(any) (T, error)) func(...any) (any, error) {
	return func(params ...any) (any, error) {
		return f(params[0])
	}
}

// asFloat converts a number, a numeric string or a json.Number to float64.
// Strings accept anything strconv.ParseFloat does, including "NaN" and "+Inf".
func asFloat(x any) (float64, error) {
	f, err := toFloat(x)
	if err != nil {
		return 0, fmt.Errorf("asFloat: %w", err)
	}
	return f, nil
}

// asInt converts like asFloat and truncates toward zero, so asInt("42") and
// asInt(42.9) are both 42 (Prometheus and JSON numbers are float64). NaN, ±Inf
// and values outside the int range are errors rather than silently wrapping.
func asInt(x any) (int, error) {
	switch v := x.(type) {
	case int:
		return v, nil
	case int64:
		return int(v), nil
	case string, json.Number:
		// Exact integer strings keep full int64 precision.
		if i, err := strconv.ParseInt(strings.TrimSpace(fmt.Sprint(v)), 10, 64); err == nil {
			return int(i), nil
		}
	}
	f, err := toFloat(x)
	if err != nil {
		return 0, fmt.Errorf("asInt: %w", err)
	}
	// float64(math.MaxInt64) rounds up to 2^63, which is already out of range.
	if math.IsNaN(f) || f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, fmt.Errorf("asInt: %v is not representable as an int", f)
	}
	return int(f), nil
}

// toFloat is the conversion behind asFloat and asInt.
func toFloat(x any) (float64, error) {
	switch v := x.(type) {
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", v)
		}
		return f, nil
	case json.Number:
		return toFloat(string(v))
	}
	if f, ok := numberToFloat(x); ok {
		return f, nil
	}
	return 0, fmt.Errorf("cannot convert %s to a number", describe(x))
}

// isNaN reports whether a number is NaN. Integers are never NaN; anything else
// is an error, so a typo such as isNaN(result) on a list does not quietly
// return false.
func isNaN(x any) (bool, error) {
	f, ok := numberToFloat(x)
	if !ok {
		return false, fmt.Errorf("isNaN: want a number, got %s", describe(x))
	}
	return math.IsNaN(f), nil
}

// isInf reports whether a number is +Inf or -Inf.
func isInf(x any) (bool, error) {
	f, ok := numberToFloat(x)
	if !ok {
		return false, fmt.Errorf("isInf: want a number, got %s", describe(x))
	}
	return math.IsInf(f, 0), nil
}

// isNil reports whether x is nil, including a typed nil (nil slice, map or
// pointer), which is what a provider's "no data" may look like.
func isNil(x any) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// defaultTo implements default(x, v): v when x is nil, else x.
func defaultTo(params ...any) (any, error) {
	if isNil(params[0]) {
		return params[1], nil
	}
	return params[0], nil
}

// numberToFloat converts any Go integer or float kind to float64.
func numberToFloat(x any) (float64, bool) {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(v.Uint()), true
	}
	return 0, false
}

// describe names a value's type for an error message without dumping the value
// (which may be a large JSON document).
func describe(x any) string {
	if x == nil {
		return "nil"
	}
	return reflect.TypeOf(x).String()
}
