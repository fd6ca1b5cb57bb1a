package evaluate

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/expr-lang/expr"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestHelpers runs each helper through a compiled expression, as users call
// them, and checks its value or its error.
func TestHelpers(t *testing.T) {
	tests := []struct {
		name    string
		call    string // an expression over result whose value is compared
		result  any
		want    any
		wantErr string // substring of the error; empty: no error
	}{
		{name: "asFloat float64", call: "asFloat(result)", result: 1.5, want: 1.5},
		{name: "asFloat int", call: "asFloat(result)", result: 3, want: 3.0},
		{name: "asFloat int64", call: "asFloat(result)", result: int64(-4), want: -4.0},
		{name: "asFloat string", call: "asFloat(result)", result: " 0.25 ", want: 0.25},
		{name: "asFloat string NaN", call: "isNaN(asFloat(result))", result: "NaN", want: true},
		{name: "asFloat string +Inf", call: "isInf(asFloat(result))", result: "+Inf", want: true},
		{name: "asFloat json.Number", call: "asFloat(result)", result: json.Number("2.5"), want: 2.5},
		{name: "asFloat bad string", call: "asFloat(result)", result: "abc", wantErr: `asFloat: "abc" is not a number`},
		{name: "asFloat bool", call: "asFloat(result)", result: true, wantErr: "asFloat: cannot convert bool to a number"},
		{name: "asFloat list", call: "asFloat(result)", result: []any{1.0}, wantErr: "asFloat: cannot convert []interface {} to a number"},

		{name: "asInt int", call: "asInt(result)", result: 7, want: 7},
		{name: "asInt int64", call: "asInt(result)", result: int64(1) << 60, want: 1 << 60},
		{name: "asInt float64 truncates", call: "asInt(result)", result: 42.9, want: 42},
		{name: "asInt negative truncates toward zero", call: "asInt(result)", result: -1.5, want: -1},
		{name: "asInt string", call: "asInt(result)", result: "12", want: 12},
		{name: "asInt float string", call: "asInt(result)", result: "12.7", want: 12},
		{name: "asInt json.Number", call: "asInt(result)", result: json.Number("9007199254740993"), want: 9007199254740993},
		{name: "asInt NaN", call: "asInt(result)", result: math.NaN(), wantErr: "asInt: NaN is not representable as an int"},
		{name: "asInt +Inf", call: "asInt(result)", result: math.Inf(1), wantErr: "asInt: +Inf is not representable as an int"},
		{name: "asInt too big", call: "asInt(result)", result: 1e19, wantErr: "is not representable as an int"},
		{name: "asInt bad string", call: "asInt(result)", result: "x", wantErr: `asInt: "x" is not a number`},
		{name: "asInt map", call: "asInt(result)", result: map[string]any{}, wantErr: "asInt: cannot convert map[string]interface {} to a number"},

		{name: "isNaN NaN", call: "isNaN(result)", result: math.NaN(), want: true},
		{name: "isNaN number", call: "isNaN(result)", result: 0.1, want: false},
		{name: "isNaN int", call: "isNaN(result)", result: 1, want: false},
		{name: "isNaN +Inf", call: "isNaN(result)", result: math.Inf(1), want: false},
		{name: "isNaN string", call: "isNaN(result)", result: "NaN", wantErr: "isNaN: want a number, got string"},
		{name: "isNaN list", call: "isNaN(result)", result: []float64{1}, wantErr: "isNaN: want a number, got []float64"},

		{name: "isInf +Inf", call: "isInf(result)", result: math.Inf(1), want: true},
		{name: "isInf -Inf", call: "isInf(result)", result: math.Inf(-1), want: true},
		{name: "isInf NaN", call: "isInf(result)", result: math.NaN(), want: false},
		{name: "isInf number", call: "isInf(result)", result: 1e308, want: false},
		{name: "isInf nil", call: "isInf(result)", result: true, wantErr: "isInf: want a number, got bool"},

		{name: "isNil nil", call: "isNil(result)", result: nil, want: true},
		{name: "isNil nil map", call: "isNil(result)", result: map[string]any(nil), want: true},
		{name: "isNil nil pointer", call: "isNil(result)", result: (*float64)(nil), want: true},
		{name: "isNil empty list", call: "isNil(result)", result: []float64{}, want: false},
		{name: "isNil zero", call: "isNil(result)", result: 0.0, want: false},
		{name: "isNil json null field", call: "isNil(result.x)", result: map[string]any{"x": nil}, want: true},

		{name: "default nil", call: "default(result, 0.5)", result: nil, want: 0.5},
		{name: "default typed nil", call: "default(result, 0.5)", result: []float64(nil), want: 0.5},
		{name: "default value", call: "default(result, 0.5)", result: 2.0, want: 2.0},
		{name: "default zero is kept", call: "default(result, 0.5)", result: 0.0, want: 0.0},
		{name: "default missing field", call: `default(result.x, "none")`, result: map[string]any{}, want: "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Judge only returns a phase, so compare the helper's value inside the
			// expression: `call == want` must hold (NaN is checked with isNaN).
			got, err := evalValue(t, tt.call, tt.result)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.call, diff)
			}
		})
	}
}

// evalValue compiles call like a condition would be, but without AsBool, and
// returns its value, so the helpers can be checked for exact results.
func evalValue(t *testing.T, call string, result any) (any, error) {
	t.Helper()
	c, err := compileValue(call)
	if err != nil {
		t.Fatalf("compile %q: %v", call, err)
	}
	return c(result)
}

// compileValue compiles an expression in the conditions' environment and with
// their functions, returning a function that evaluates it.
func compileValue(source string) (func(any) (any, error), error) {
	program, err := expr.Compile(source, append([]expr.Option{expr.Env(environment{})}, functions()...)...)
	if err != nil {
		return nil, err
	}
	return func(result any) (any, error) {
		return expr.Run(program, environment{Result: result})
	}, nil
}
