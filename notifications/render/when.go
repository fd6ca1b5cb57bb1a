package render

import (
	"fmt"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/sluice-dev/sluice/notifications"
)

// programs caches compiled `when` expressions by source: Eval runs for every
// event of every Rollout, and a configuration has only a few conditions.
var programs sync.Map // string → *vm.Program

// CheckWhen compiles a `when` expression, for reporting a broken one when
// the configuration loads. "" (always) is fine.
func CheckWhen(when string) error {
	_, err := compileWhen(when)
	return err
}

// Eval says whether a trigger's `when` holds for an event's data. The
// expression is expr-lang (as in analysis conditions) over Data's fields by
// their Go names: `Rollout.CanaryWeight >= 50`, `Analysis.Phase == "Failed"`
// (an event with no analysis sees an empty one: Analysis.Name == ""). "" always
// holds.
func Eval(when string, d notifications.Data) (bool, error) {
	if strings.TrimSpace(when) == "" {
		return true, nil
	}
	program, err := compileWhen(when)
	if err != nil {
		return false, err
	}
	if d.Analysis == nil {
		// Every Rollout trigger has no analysis; an empty one lets
		// `Analysis.Phase == "Failed"` be false there instead of an error.
		d.Analysis = &notifications.AnalysisData{}
	}
	out, err := expr.Run(program, d)
	if err != nil {
		return false, fmt.Errorf("when %q: %s", when, oneLine(err))
	}
	holds, _ := out.(bool) // expr.AsBool makes it a bool
	return holds, nil
}

func compileWhen(when string) (*vm.Program, error) {
	if strings.TrimSpace(when) == "" {
		return nil, nil
	}
	if cached, ok := programs.Load(when); ok {
		return cached.(*vm.Program), nil
	}
	program, err := expr.Compile(when, expr.Env(notifications.Data{}), expr.AsBool())
	if err != nil {
		return nil, fmt.Errorf("when %q does not compile: %s", when, oneLine(err))
	}
	programs.Store(when, program)
	return program, nil
}
