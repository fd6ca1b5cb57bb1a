package cli

import (
	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/actions"
)

func newRetryCommand(o *options) *cobra.Command {
	return bulkCommand{
		use:   "retry NAME...",
		short: "Start an aborted update again from the first step",
		long: "Retry clears status.abort (and a pending promote --full): the controller starts\n" +
			"the update again from the first step with fresh AnalysisRuns. A rollout that is\n" +
			"not aborted has nothing to retry (exit 1).",
		example: "  kubectl sluice retry web",
		decide:  actions.Retry,
	}.build(o)
}
