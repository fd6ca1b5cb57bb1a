package cli

import "github.com/spf13/cobra"

func newAbortCommand(o *options) *cobra.Command {
	return bulkCommand{
		use:   "abort NAME...",
		short: "Abort an update: traffic and Services go back to stable",
		long: "Abort sets status.abort: the controller sends all traffic back to the stable\n" +
			"ReplicaSet, scales the canary down and marks the rollout Degraded. Use retry to\n" +
			"start the update again.",
		example: "  kubectl sluice abort web",
		done:    "aborted",
		write:   statusWrite(map[string]any{"abort": true}),
	}.build(o)
}
