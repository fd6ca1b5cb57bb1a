package evaluate

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/expr-lang/expr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// FuzzConditions compiles arbitrary success and failure conditions and judges
// them against arbitrary results (float64 with NaN and ±Inf, []float64, empty
// lists, nil, strings, decoded-JSON maps and lists, ints, bools). It checks:
//
//   - nothing panics, and every error is one line that names what failed;
//   - an error comes with phase Error and phase Error comes with an error;
//   - the phase is the SPEC §3.3 table applied to what each condition
//     evaluates to on its own (failure first, so a failure that holds wins);
//   - a condition that cannot be evaluated on an empty result says exactly
//     "query returned no data";
//   - NaN and empty results are never Successful under a success condition
//     made of comparisons with numbers (shape builds one): NaN compares false
//     with everything, and no data is not a pass. Only a condition that asks
//     for them (isNaN, len, isNil, default, !) may pass them.
func FuzzConditions(f *testing.F) {
	for _, seed := range conditionSeeds {
		f.Add(seed.success, seed.failure, seed.kind, seed.num, seed.text, seed.shape)
	}
	f.Fuzz(func(t *testing.T, success, failure string, kind uint8, num float64, text string, shape []byte) {
		result := fuzzResult(kind, num, text)
		checkJudge(t, success, failure, result)

		comparison := comparisonCondition(shape, num)
		for _, empty := range []any{math.NaN(), []float64{math.NaN(), math.NaN()}, nil, []float64{}, []any{}} {
			for _, failure := range []string{"", "false", comparisonCondition(shape, num+1)} {
				phase := checkJudge(t, comparison, failure, empty)
				if phase == v1alpha1.AnalysisPhaseSuccessful {
					t.Fatalf("success %q, failure %q on %#v: Successful; a comparison must not pass NaN or no data", comparison, failure, empty)
				}
			}
		}
	})
}

// checkJudge compiles and judges one pair of conditions and checks the phase
// against each condition's own outcome. It returns the phase ("" when the
// conditions do not compile).
func checkJudge(t *testing.T, success, failure string, result any) v1alpha1.AnalysisPhase {
	t.Helper()
	c, err := Compile("m", success, failure)
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, `metric "m": `) || !strings.Contains(msg, "does not compile: ") {
			t.Fatalf("compile error %q: want one line naming the metric, field and cause", msg)
		}
		return ""
	}
	phase, err := c.Judge(result)
	if (err != nil) != (phase == v1alpha1.AnalysisPhaseError) {
		t.Fatalf("Judge(%#v) = %s, %v: an error and phase Error go together", result, phase, err)
	}
	if err != nil {
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("Judge error spans lines: %q", err)
		}
		if err.Error() == "" {
			t.Fatalf("Judge error is empty")
		}
	}

	failureOut := outcomeOf(c.failure, result)
	successOut := outcomeOf(c.success, result)
	want, wantErr := specTable(failureOut, successOut)
	if phase != want {
		t.Fatalf("success %q, failure %q on %#v: Judge = %s (%v); the conditions evaluate to success=%s failure=%s, so SPEC §3.3 says %s",
			success, failure, result, phase, err, successOut, failureOut, want)
	}
	if wantErr != nil && err.Error() != wantErr.Error() {
		t.Fatalf("Judge error %q, want the failing condition's %q", err, wantErr)
	}
	if wantErr != nil && isEmpty(result) && !errors.Is(err, ErrNoData) {
		t.Fatalf("Judge(%#v) error %q on an empty result; want %q", result, err, ErrNoData)
	}
	return phase
}

// outcome is what one condition evaluates to: absent, true, false, or an error.
type outcome struct {
	absent bool
	holds  bool
	err    error
}

func (o outcome) String() string {
	switch {
	case o.absent:
		return "absent"
	case o.err != nil:
		return "error(" + o.err.Error() + ")"
	default:
		return strconv.FormatBool(o.holds)
	}
}

// outcomeOf runs one compiled condition directly with expr, outside Judge.
// The error is the one Judge must report: "no data" on an empty result.
func outcomeOf(c *condition, result any) outcome {
	if c == nil {
		return outcome{absent: true}
	}
	out, err := expr.Run(c.program, environment{Result: result})
	if err != nil {
		if isEmpty(result) {
			return outcome{err: ErrNoData}
		}
		return outcome{err: fmt.Errorf("%s %q could not be evaluated: %s", c.field, c.source, oneLine(err))}
	}
	return outcome{holds: out.(bool)}
}

// specTable is SPEC §3.3 written out: the failure condition is judged first.
func specTable(failure, success outcome) (v1alpha1.AnalysisPhase, error) {
	if !failure.absent {
		if failure.err != nil {
			return v1alpha1.AnalysisPhaseError, failure.err
		}
		if failure.holds {
			return v1alpha1.AnalysisPhaseFailed, nil
		}
	}
	switch {
	case success.absent:
		return v1alpha1.AnalysisPhaseSuccessful, nil
	case success.err != nil:
		return v1alpha1.AnalysisPhaseError, success.err
	case success.holds:
		return v1alpha1.AnalysisPhaseSuccessful, nil
	case failure.absent:
		return v1alpha1.AnalysisPhaseFailed, nil
	default:
		return v1alpha1.AnalysisPhaseInconclusive, nil
	}
}

// fuzzResult is the value a provider could hand over, picked by kind.
func fuzzResult(kind uint8, num float64, text string) any {
	switch kind % 16 {
	case 0:
		return num
	case 1:
		return math.NaN()
	case 2:
		return math.Inf(1)
	case 3:
		return math.Inf(-1)
	case 4:
		return []float64{num, math.NaN(), math.Inf(-1)}
	case 5:
		return []float64{}
	case 6:
		return nil
	case 7:
		return text
	case 8:
		return map[string]any{"value": num, "status": text, "items": []any{num, nil}, "nested": map[string]any{}}
	case 9:
		return []any{num, text, nil, true, map[string]any{"v": num}}
	case 10:
		return int(kind)
	case 11:
		return kind%2 == 0
	case 12:
		return map[string]any{}
	case 13:
		return []float64(nil)
	case 14:
		return []float64{num}
	default:
		return []any{}
	}
}

// comparisonCondition builds a condition out of comparisons of result (a
// number) or result[i] (a list) with numeric literals, joined by && and ||,
// without negation: one that never asks about NaN or emptiness.
func comparisonCondition(shape []byte, num float64) string {
	if math.IsNaN(num) || math.IsInf(num, 0) {
		num = 0.5
	}
	literal := strconv.FormatFloat(num, 'g', -1, 64)
	if !strings.ContainsAny(literal, ".e") {
		literal += ".0"
	}
	ops := []string{"<", "<=", ">", ">=", "=="}
	var b strings.Builder
	for i, s := range shape {
		if i == 8 {
			break
		}
		if i > 0 {
			if s&0x40 != 0 {
				b.WriteString(" || ")
			} else {
				b.WriteString(" && ")
			}
		}
		operand := "result"
		if s&0x80 != 0 {
			operand = fmt.Sprintf("result[%d]", int(s>>3)&1)
		}
		fmt.Fprintf(&b, "%s %s %s", operand, ops[int(s&7)%len(ops)], literal)
	}
	if b.Len() == 0 {
		return "result < " + literal
	}
	return b.String()
}

type conditionSeed struct {
	success, failure string
	kind             uint8
	num              float64
	text             string
	shape            []byte
}

// conditionSeeds are the expressions and values of the unit tests.
var conditionSeeds = []conditionSeed{
	{"result == 1", "", 0, 1, "", []byte{0}},
	{"result == 2", "result == 1", 0, 1, "", []byte{1, 0x42}},
	{"result.missing.deeper == 1", "result == 2", 0, 1, "", []byte{2}},
	{"result[0] < 0.05", "", 4, 0.01, "", []byte{0x80, 0x88}},
	{"len(result) == 0", "", 5, 0, "", []byte{3}},
	{"isNil(result)", "", 6, 0, "", []byte{4}},
	{"default(result, 0) < 1", "", 6, 0, "", nil},
	{"isNaN(result[0])", "", 4, math.NaN(), "", []byte{0x84}},
	{"!isNaN(result) && result < 0.05", "isInf(result)", 1, 0.05, "", []byte{0, 0x41}},
	{"asFloat(result) > 0.5", "", 7, 0, "0.7", nil},
	{"asInt(result.status) == 42", "", 8, 3, "42", nil},
	{`result.status == "green"`, "", 8, 0, "green", nil},
	{"result > 0.5", "", 4, 0.7, "", nil},
	{"result[0] <", "", 0, 0, "", nil},
	{"all(result, {# < 1})", "any(result, {isInf(#)})", 4, 0.3, "", nil},
	{"result[10] > 1", "", 9, 2, "x", nil},
	{"result in [1, 2]", "", 12, 1, "", nil},
	{"1..3 | sum() > 1", "", 2, 0, "", nil},
}
