package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/render"
)

// BuiltinDefaultTriggers are the triggers a subscription naming none gets
// when the ConfigMap has no defaultTriggers key: the moments a team wants to
// hear about without asking (a start, a wait for a person, the end either way).
var BuiltinDefaultTriggers = []string{
	notifications.OnRolloutUpdated, notifications.OnRolloutPaused, notifications.OnRolloutCompleted,
	notifications.OnRolloutAborted, notifications.OnRolloutRolledBack, notifications.OnAnalysisRunFailed,
}

// conditionSpec is one entry of trigger.<name> as written.
type conditionSpec struct {
	When string   `json:"when"`
	Send []string `json:"send"`
}

// checkTrigger wants one of the built-in triggers.
func checkTrigger(trigger string) error {
	if slices.Contains(notifications.BuiltinTriggers, trigger) {
		return nil
	}
	return fmt.Errorf("unknown trigger %q (the triggers are %s)", trigger, strings.Join(notifications.BuiltinTriggers, ", "))
}

// parseConditions reads trigger.<name>: every condition whose `when`
// compiles and whose templates all compiled in set is kept; each other one
// is a problem message. The result is never nil, so a trigger whose
// conditions are all broken is present and sends nothing.
func parseConditions(value string, set *render.Set) ([]Condition, []string) {
	var specs []conditionSpec
	if err := decodeStrict(value, &specs); err != nil {
		return []Condition{}, []string{err.Error() + " (want a YAML list of {when, send})"}
	}
	conditions := []Condition{}
	var problems []string
	for i, spec := range specs {
		where := fmt.Sprintf("condition %d", i+1)
		if len(spec.Send) == 0 {
			problems = append(problems, where+" sends no template")
			continue
		}
		if err := render.CheckWhen(spec.When); err != nil {
			problems = append(problems, where+": "+err.Error())
			continue
		}
		if missing := unusableTemplates(spec.Send, set); missing != "" {
			problems = append(problems, where+" sends "+missing)
			continue
		}
		conditions = append(conditions, Condition{When: spec.When, Send: spec.Send})
	}
	return conditions, problems
}

// unusableTemplates names the templates of send that cannot be rendered,
// or is "".
func unusableTemplates(send []string, set *render.Set) string {
	var missing []string
	for _, name := range send {
		if !set.Has(name) {
			missing = append(missing, fmt.Sprintf("template %q, which is not defined or did not compile", name))
		}
	}
	return strings.Join(missing, "; ")
}

// parseTriggerList reads defaultTriggers (or a subscription's triggers):
// the known ones, and a message per unknown one.
func parseTriggerList(triggers []string) ([]string, []string) {
	known := []string{}
	var problems []string
	for _, trigger := range triggers {
		if err := checkTrigger(trigger); err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if !slices.Contains(known, trigger) {
			known = append(known, trigger)
		}
	}
	return known, problems
}
