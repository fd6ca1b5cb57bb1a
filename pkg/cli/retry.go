package cli

import "github.com/spf13/cobra"

func newRetryCommand(o *options) *cobra.Command {
	return bulkCommand{
		use:     "retry NAME...",
		short:   "Start an aborted update again from the first step",
		long:    "Retry clears status.abort: the controller starts the update again from step 0\nwith fresh AnalysisRuns.",
		example: "  kubectl sluice retry web",
		done:    "retried",
		write:   statusWrite(map[string]any{"abort": false}),
	}.build(o)
}
