// Package evaluate judges a measurement's value with a metric's success and
// failure conditions (SPEC §3.3). Conditions are expr-lang expressions over
// `result`; they are compiled and type-checked once per metric, so a template
// whose expression does not compile is rejected when the run starts, and every
// later measurement only runs the compiled program.
package evaluate

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// ErrNoData is returned by Judge when a condition cannot be evaluated because the
// provider returned nothing (nil, or an empty list). SPEC §8: an empty query
// result is a clear Error, not an index panic.
var ErrNoData = errors.New("query returned no data")

// Conditions are a metric's compiled success and failure conditions. They are
// immutable and safe for concurrent use.
type Conditions struct {
	success *condition
	failure *condition
}

// condition is one compiled expression and what to call it in messages.
type condition struct {
	field   string // "successCondition" or "failureCondition"
	source  string
	program *vm.Program
}

// Compile compiles a metric's conditions; either may be empty (absent). A
// condition that is only whitespace counts as absent. The error names the
// metric, the field and the expression, e.g.
//
//	metric "error-rate": successCondition "result[0] <" does not compile: unexpected token EOF (1:11)
func Compile(metricName, successCondition, failureCondition string) (*Conditions, error) {
	success, err := compileOne(metricName, "successCondition", successCondition)
	if err != nil {
		return nil, err
	}
	failure, err := compileOne(metricName, "failureCondition", failureCondition)
	if err != nil {
		return nil, err
	}
	return &Conditions{success: success, failure: failure}, nil
}

// compileOne compiles one condition, or returns nil for an absent one.
func compileOne(metricName, field, source string) (*condition, error) {
	if strings.TrimSpace(source) == "" {
		return nil, nil
	}
	options := append([]expr.Option{expr.Env(environment{}), expr.AsBool()}, functions()...)
	program, err := expr.Compile(source, options...)
	if err != nil {
		return nil, fmt.Errorf("metric %q: %s %q does not compile: %s", metricName, field, source, oneLine(err))
	}
	return &condition{field: field, source: source, program: program}, nil
}

// Judge decides one measurement's phase from its value (SPEC §3.3):
//
//	neither condition  → Successful
//	success only       → Successful if it holds, else Failed
//	failure only       → Failed if it holds, else Successful
//	both               → Failed if failure holds, else Successful if success
//	                     holds, else Inconclusive
//
// The failure condition is evaluated first, so with both conditions a failure
// wins even if the success condition could not be evaluated. An expression that
// cannot be evaluated returns AnalysisPhaseError and an error saying why (see
// evaluate for ErrNoData). A nil *Conditions has no conditions.
func (c *Conditions) Judge(result any) (v1alpha1.AnalysisPhase, error) {
	if c == nil {
		return v1alpha1.AnalysisPhaseSuccessful, nil
	}
	if c.failure != nil {
		failed, err := c.failure.evaluate(result)
		if err != nil {
			return v1alpha1.AnalysisPhaseError, err
		}
		if failed {
			return v1alpha1.AnalysisPhaseFailed, nil
		}
	}
	if c.success == nil {
		return v1alpha1.AnalysisPhaseSuccessful, nil
	}
	ok, err := c.success.evaluate(result)
	switch {
	case err != nil:
		return v1alpha1.AnalysisPhaseError, err
	case ok:
		return v1alpha1.AnalysisPhaseSuccessful, nil
	case c.failure != nil:
		return v1alpha1.AnalysisPhaseInconclusive, nil
	default:
		return v1alpha1.AnalysisPhaseFailed, nil
	}
}

// evaluate runs the condition against result. An operation that does not
// apply to the type of result is a TypeError.
//
// The no-data rule: when the expression fails at run time AND result is empty
// (nil, a nil pointer/map, or a slice or array of length 0), the error is
// exactly ErrNoData ("query returned no data"), because the failure is then
// about the missing data (e.g. `result[0]` on an empty vector), not about the
// expression. An expression that copes with empty data (`len(result) == 0` on
// an empty list, `isNil(result)`, `default(result, 0) < 1`) is judged normally.
func (c *condition) evaluate(result any) (bool, error) {
	out, err := expr.Run(c.program, environment{Result: result})
	if err != nil {
		if isEmpty(result) {
			return false, ErrNoData
		}
		reason := oneLine(err)
		msg := fmt.Sprintf("%s %q could not be evaluated: %s", c.field, c.source, reason)
		if isTypeMismatch(reason) {
			return false, &TypeError{msg: msg}
		}
		return false, errors.New(msg)
	}
	holds, ok := out.(bool)
	if !ok {
		// expr.AsBool makes this unreachable; keep a clear message anyway.
		return false, fmt.Errorf("%s %q returned %T, not a bool", c.field, c.source, out)
	}
	return holds, nil
}

// isEmpty reports whether a result carries no data.
func isEmpty(result any) bool {
	if isNil(result) {
		return true
	}
	v := reflect.ValueOf(result)
	switch v.Kind() {
	case reflect.Slice, reflect.Array:
		return v.Len() == 0
	}
	return false
}

// oneLine reduces an expr error to its first line: expr appends a source
// snippet with a caret on further lines, which does not belong in a status
// message. Runs of spaces are collapsed because expr sometimes doubles them.
func oneLine(err error) string {
	first, _, _ := strings.Cut(err.Error(), "\n")
	return strings.Join(strings.Fields(first), " ")
}
