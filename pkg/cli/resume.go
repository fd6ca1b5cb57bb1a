package cli

import (
	"context"

	"github.com/spf13/cobra"
)

func newResumeCommand(o *options) *cobra.Command {
	return bulkCommand{
		use:   "resume NAME...",
		short: "Resume a paused rollout",
		long: "Resume clears spec.paused and the rollout's pause conditions, so a manual pause\n" +
			"and a pause step both end.",
		example: "  kubectl sluice resume web",
		done:    "resumed",
		write: func(ctx context.Context, s *session, name string) error {
			if err := specWrite(map[string]any{"paused": false})(ctx, s, name); err != nil {
				return err
			}
			return statusWrite(map[string]any{"pauseConditions": nil})(ctx, s, name)
		},
	}.build(o)
}
