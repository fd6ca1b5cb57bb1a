package cli

import (
	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/actions"
)

func newAbortCommand(o *options) *cobra.Command {
	return bulkCommand{
		use:   "abort NAME...",
		short: "Abort an update: traffic and Services go back to stable",
		long: "Abort sets status.abort: the controller sends all traffic back to the stable\n" +
			"ReplicaSet, scales the canary down and marks the rollout Degraded. Use retry to\n" +
			"start the update again. A rollout without an update in progress, or already\n" +
			"aborted, has nothing to abort (exit 1).",
		example: "  kubectl sluice abort web",
		decide:  actions.Abort,
	}.build(o)
}
