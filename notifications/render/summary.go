package render

import (
	"fmt"
	"strings"

	"github.com/sluice-dev/sluice/notifications"
)

// Summary is one line describing where a revision stands after an event,
// e.g. "shop/checkout revision 3: Progressing, step 2/5, canary 20%": the
// text of the revision's Slack message, updated in place as it moves.
func Summary(d notifications.Data) string {
	r := d.Rollout
	parts := []string{}
	if r.Phase != "" {
		parts = append(parts, r.Phase)
	}
	if r.Steps > 0 {
		parts = append(parts, fmt.Sprintf("step %d/%d", r.Step, r.Steps))
	}
	if r.CanaryWeight > 0 {
		parts = append(parts, fmt.Sprintf("canary %d%%", r.CanaryWeight))
	}
	switch {
	case r.AbortReason != "":
		parts = append(parts, "aborted: "+r.AbortReason)
	case r.PauseReason != "":
		parts = append(parts, "paused: "+r.PauseReason)
	}
	line := fmt.Sprintf("%s/%s revision %d", r.Namespace, r.Name, r.Revision)
	if len(parts) > 0 {
		line += ": " + strings.Join(parts, ", ")
	}
	return line
}
