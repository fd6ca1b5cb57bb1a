package evaluate

import (
	"strings"
	"testing"
)

// An operation that does not apply to the type of result is a TypeError, with
// the usual message; errors about the data itself are not.
func TestJudgeTypeErrors(t *testing.T) {
	tests := []struct {
		name, condition string
		result          any
		typeError       bool
		message         string
	}{
		{"vector compared with a number", "result > 0.5", []float64{0.1}, true,
			`successCondition "result > 0.5" could not be evaluated: invalid operation: []float64 > float64 (1:8)`},
		{"number compared with a string", `result > "x"`, 0.1, true,
			`successCondition "result > \"x\"" could not be evaluated: invalid operation: float64 > string (1:8)`},
		{"scalar indexed", "result[0] < 0.5", 0.1, true, "cannot fetch 0 from float64"},
		{"member of a number", "result.rate < 0.5", 0.1, true, "cannot fetch rate from float64"},
		{"len of a number", "len(result) > 0", 0.1, true, "invalid argument for len (type float64)"},
		{"all over a number", "all(result, # < 1)", 0.1, true, "reflect: call of reflect.Value.Len on float64 Value"},
		{"negated string", "-result < 0", "x", true, "invalid operation: - string"},

		{"absent JSON field", "result.rate < 0.5", map[string]any{"other": 1.0}, false, "invalid operation: <nil> < float64"},
		{"null JSON field", "result.rate < 0.5", map[string]any{"rate": nil}, false, "invalid operation: <nil> < float64"},
		{"member of an absent object", "result.a.b < 0.5", map[string]any{}, false, "cannot fetch b from <nil>"},
		{"index out of range", "result[3] < 1", []float64{1}, false, "index out of range: 3 (array length is 1)"},
		{"helper given text", "asFloat(result) > 1", "abc", false, `asFloat: "abc" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compile("m", tt.condition, "")
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			phase, err := c.Judge(tt.result)
			if phase != errored || err == nil {
				t.Fatalf("Judge = %s, %v; want Error", phase, err)
			}
			if IsTypeError(err) != tt.typeError {
				t.Errorf("IsTypeError(%q) = %v, want %v", err, !tt.typeError, tt.typeError)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
		})
	}
}
