package cli

import (
	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/actions"
)

func newPauseCommand(o *options) *cobra.Command {
	return bulkCommand{
		use:     "pause NAME...",
		short:   "Pause a rollout: no scaling, no step progress",
		long:    "Pause sets spec.paused: the controller stops scaling and stepping until resume.",
		example: "  kubectl sluice pause web",
		decide:  actions.Pause,
	}.build(o)
}
