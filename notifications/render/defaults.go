package render

import (
	"encoding/json"

	"github.com/sluice-dev/sluice/notifications"
)

// rolloutName and the guarded parts below keep the default texts short.
const (
	rolloutName = "{{.Rollout.Namespace}}/{{.Rollout.Name}}"
	revision    = "revision {{.Rollout.Revision}}"
	weight      = "{{if .Rollout.CanaryWeight}}, canary at {{.Rollout.CanaryWeight}}%{{end}}"
	analysis    = "{{with .Analysis}}analysis {{.Name}} {{.Phase}}{{if .Message}}: {{.Message}}{{end}}" +
		"{{range .Metrics}}{{if ne .Phase \"Successful\"}}; {{.Name}} {{.Phase}}{{if .Value}} ({{.Value}}){{end}}{{end}}{{end}}{{end}}"
)

// defaultMessages is the text of the built-in template of each trigger: the
// template a trigger sends when no trigger.<name> key says otherwise. With
// no webhook body, a webhook receives the event's data.
var defaultMessages = map[string]string{
	notifications.OnRolloutUpdated:       rolloutName + ": " + revision + " started{{with .Rollout.Images}} ({{join \", \" .}}){{end}}",
	notifications.OnRolloutStepCompleted: rolloutName + " " + revision + ": step {{.Rollout.StepName}} completed" + weight,
	notifications.OnRolloutPaused:        rolloutName + " " + revision + " paused{{with .Rollout.PauseReason}} ({{.}}){{end}} after step {{.Rollout.Step}}/{{.Rollout.Steps}}" + weight,
	notifications.OnRolloutResumed:       rolloutName + " " + revision + " resumed at step {{.Rollout.Step}}/{{.Rollout.Steps}}",
	notifications.OnRolloutPromoted:      rolloutName + " " + revision + " promoted",
	notifications.OnRolloutCompleted:     rolloutName + " " + revision + " is stable and healthy",
	notifications.OnRolloutAborted:       rolloutName + " " + revision + " aborted{{with .Rollout.AbortReason}}: {{.}}{{end}}",
	notifications.OnRolloutRolledBack:    rolloutName + " rolled back to " + revision,
	notifications.OnAnalysisRunRunning:   rolloutName + " " + revision + ": " + analysis,
	notifications.OnAnalysisRunSuccess:   rolloutName + " " + revision + ": " + analysis,
	notifications.OnAnalysisRunFailed:    rolloutName + " " + revision + ": " + analysis,
	notifications.OnAnalysisRunError:     rolloutName + " " + revision + ": " + analysis,
	notifications.OnAnalysisRunInconcl:   rolloutName + " " + revision + ": " + analysis,
}

// Defaults returns the built-in template of every built-in trigger, named
// after the trigger, as raw YAML (the form template.<name> keys take).
func Defaults() map[string]string {
	out := make(map[string]string, len(defaultMessages))
	for trigger, message := range defaultMessages {
		raw, _ := json.Marshal(map[string]string{"message": message}) // JSON is YAML
		out[trigger] = string(raw)
	}
	return out
}
