package cli

import (
	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/actions"
)

func newResumeCommand(o *options) *cobra.Command {
	return bulkCommand{
		use:   "resume NAME...",
		short: "Resume a paused rollout",
		long: "Resume clears spec.paused and the rollout's pause conditions, so a manual pause\n" +
			"and a pause step both end; no step is skipped.",
		example: "  kubectl sluice resume web",
		decide:  actions.Resume,
	}.build(o)
}
