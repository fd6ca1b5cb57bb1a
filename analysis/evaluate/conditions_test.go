package evaluate

import (
	"errors"
	"math"
	"strings"
	"testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

const (
	successful   = v1alpha1.AnalysisPhaseSuccessful
	failed       = v1alpha1.AnalysisPhaseFailed
	inconclusive = v1alpha1.AnalysisPhaseInconclusive
	errored      = v1alpha1.AnalysisPhaseError
)

// Expressions for the evaluation matrix: each is true, false or a runtime error
// for result 1.0.
const (
	holds   = "result == 1"
	fails   = "result == 2"
	breaks  = "result.missing.deeper == 1" // member access on a float64
	absent  = ""
	matrixV = 1.0
)

// TestJudgeMatrix covers SPEC §3.3: every combination of an absent, true,
// false or erroring success and failure condition.
func TestJudgeMatrix(t *testing.T) {
	tests := []struct {
		success, failure string
		want             v1alpha1.AnalysisPhase
	}{
		{absent, absent, successful},
		{holds, absent, successful},
		{fails, absent, failed},
		{breaks, absent, errored},
		{absent, holds, failed},
		{absent, fails, successful},
		{absent, breaks, errored},
		{holds, holds, failed},
		{fails, holds, failed},
		{breaks, holds, failed}, // failure is judged first and wins
		{holds, fails, successful},
		{fails, fails, inconclusive},
		{breaks, fails, errored},
		{holds, breaks, errored},
		{fails, breaks, errored},
		{breaks, breaks, errored},
	}
	for _, tt := range tests {
		t.Run("success="+tt.success+",failure="+tt.failure, func(t *testing.T) {
			c, err := Compile("m", tt.success, tt.failure)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := c.Judge(matrixV)
			if got != tt.want {
				t.Errorf("Judge = %s (err %v), want %s", got, err, tt.want)
			}
			if (err != nil) != (tt.want == errored) {
				t.Errorf("Judge error = %v, want error only for phase Error", err)
			}
		})
	}
}

// TestJudgeTypicalExpressions runs the expressions users write against the
// shapes providers return.
func TestJudgeTypicalExpressions(t *testing.T) {
	jsonDoc := map[string]any{"ok": true, "data": map[string]any{"rate": 0.01, "items": []any{1.0, 2.0}}}
	tests := []struct {
		name      string
		condition string
		result    any
		want      bool
	}{
		{"index vector", "result[0] < 0.05", []float64{0.01, 0.5}, true},
		{"index vector false", "result[0] < 0.05", []float64{0.5}, false},
		{"scalar", "result < 0.05", 0.01, true},
		{"scalar with int literal", "result == 1", 1.0, true},
		{"all", "all(result, # < 0.05)", []float64{0.01, 0.02}, true},
		{"all false", "all(result, # < 0.05)", []float64{0.01, 0.2}, false},
		{"any", "any(result, # > 0.1)", []float64{0.01, 0.2}, true},
		{"len empty", "len(result) == 0", []float64{}, true},
		{"len", "len(result) == 2", []float64{1, 2}, true},
		{"sum", "sum(result) > 2", []float64{1, 2}, true},
		{"asFloat of string", "asFloat(result) > 1", "1.5", true},
		{"bool", "result == true", true, true},
		{"json map", "result.ok == true", jsonDoc, true},
		{"json nested", "result.data.rate < 0.05", jsonDoc, true},
		{"json list", "len(result.data.items) == 2 && result.data.items[1] == 2", jsonDoc, true},
		{"json missing key is nil", "result.nope == nil", jsonDoc, true},
		{"string", `result == "ok"`, "ok", true},
		{"isNaN", "isNaN(result[0])", []float64{math.NaN()}, true},
		{"NaN compares false", "result[0] < 0.05", []float64{math.NaN()}, false},
		{"isInf", "isInf(result)", math.Inf(1), true},
		{"+Inf compares", "result > 1e308", math.Inf(1), true},
		{"default on nil", "default(result, 0) < 1", nil, true},
		{"default on value", "default(result, 0) < 1", 5.0, false},
		{"isNil", "isNil(result)", nil, true},
		{"isNil on typed nil", "isNil(result)", []float64(nil), true},
		{"isNil on value", "isNil(result)", 0.0, false},
		{"asInt", "asInt(result) == 3", "3", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compile("m", tt.condition, "")
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			got, err := c.Judge(tt.result)
			if err != nil {
				t.Fatalf("Judge: %v", err)
			}
			want := failed
			if tt.want {
				want = successful
			}
			if got != want {
				t.Errorf("Judge(%v) = %s, want %s", tt.result, got, want)
			}
		})
	}
}

// TestJudgeNoData checks the no-data rule: evaluation that fails on an empty
// result says exactly "query returned no data".
func TestJudgeNoData(t *testing.T) {
	tests := []struct {
		name      string
		condition string
		result    any
	}{
		{"index nil", "result[0] < 0.05", nil},
		{"index empty vector", "result[0] < 0.05", []float64{}},
		{"index nil vector", "result[0] < 0.05", []float64(nil)},
		{"compare nil", "result < 0.05", nil},
		{"all over nil", "all(result, # < 0.05)", nil},
		{"len of nil", "len(result) == 0", nil},
		{"member of nil", "result.ok == true", nil},
		{"empty JSON list", "result[0].ok", []any{}},
		{"asFloat of nil", "asFloat(result) > 1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compile("m", tt.condition, "")
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			phase, err := c.Judge(tt.result)
			if phase != errored || err == nil || err.Error() != "query returned no data" {
				t.Fatalf("Judge = %s, %v; want Error, \"query returned no data\"", phase, err)
			}
			if !errors.Is(err, ErrNoData) {
				t.Errorf("error is not ErrNoData")
			}
		})
	}
}

// TestJudgeRuntimeErrors checks that a runtime error names the condition and
// says why, on one line.
func TestJudgeRuntimeErrors(t *testing.T) {
	tests := []struct {
		name, success, failure string
		result                 any
		want                   string
	}{
		{
			name: "type mismatch", success: "result > 1", result: "abc",
			want: `successCondition "result > 1" could not be evaluated: invalid operation: string > int (1:8)`,
		},
		{
			name: "not a bool", failure: "result", result: 1.0,
			want: `failureCondition "result" could not be evaluated: `,
		},
		{
			name: "helper error", success: "asFloat(result) > 1", result: "abc",
			want: `successCondition "asFloat(result) > 1" could not be evaluated: asFloat: "abc" is not a number`,
		},
		{
			name: "index out of range on data", success: "result[3] < 1", result: []float64{1},
			want: `successCondition "result[3] < 1" could not be evaluated: index out of range: 3 (array length is 1)`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compile("m", tt.success, tt.failure)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			phase, err := c.Judge(tt.result)
			if phase != errored || err == nil {
				t.Fatalf("Judge = %s, %v; want Error", phase, err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %q, want one line starting with %q", err, tt.want)
			}
		})
	}
}

// TestCompileErrors checks that compile errors name the metric, the field and
// the expression, on one line.
func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, success, failure, want string
	}{
		{
			name: "syntax", success: "result[0] <",
			want: `metric "error-rate": successCondition "result[0] <" does not compile: unexpected token EOF (1:11)`,
		},
		{
			name: "failure syntax", success: "result < 1", failure: "result >>> 2",
			want: `metric "error-rate": failureCondition "result >>> 2" does not compile: `,
		},
		{
			name: "not boolean", success: "1 + 1",
			want: `metric "error-rate": successCondition "1 + 1" does not compile: expected bool, but got int`,
		},
		{
			name: "unknown name", success: "results[0] < 1",
			want: `metric "error-rate": successCondition "results[0] < 1" does not compile: unknown name results (1:1)`,
		},
		{
			name: "helper argument type", failure: `isNaN("x")`,
			want: `metric "error-rate": failureCondition "isNaN(\"x\")" does not compile: cannot use string as argument (type float64) to call isNaN (1:7)`,
		},
		{
			name: "helper arity", success: "asFloat(result, 1) > 0",
			want: `metric "error-rate": successCondition "asFloat(result, 1) > 0" does not compile: too many arguments to call asFloat`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile("error-rate", tt.success, tt.failure)
			if err == nil {
				t.Fatal("Compile succeeded, want error")
			}
			if !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %q, want one line starting with %q", err, tt.want)
			}
		})
	}
}

// TestCompileBlankIsAbsent checks that whitespace-only conditions are absent.
func TestCompileBlankIsAbsent(t *testing.T) {
	c, err := Compile("m", "  ", "\n")
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if got, err := c.Judge(nil); got != successful || err != nil {
		t.Errorf("Judge = %s, %v; want Successful", got, err)
	}
	var none *Conditions
	if got, err := none.Judge(nil); got != successful || err != nil {
		t.Errorf("nil Conditions: Judge = %s, %v; want Successful", got, err)
	}
}
