package cli

import "github.com/spf13/cobra"

func newPauseCommand(o *options) *cobra.Command {
	return bulkCommand{
		use:     "pause NAME...",
		short:   "Pause a rollout: no scaling, no step progress",
		long:    "Pause sets spec.paused: the controller stops scaling and stepping until resume.",
		example: "  kubectl sluice pause web",
		done:    "paused",
		write:   specWrite(map[string]any{"paused": true}),
	}.build(o)
}
