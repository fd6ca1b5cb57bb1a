package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/actions"
)

func newPromoteCommand(o *options) *cobra.Command {
	var full bool
	cmd := &cobra.Command{
		Use:   "promote NAME",
		Short: "Move a rollout past its current pause or step",
		Long: "Promote does one thing. A paused rollout is unpaused: its pause conditions (a pause\n" +
			"step, a blue-green pause, an inconclusive analysis) and a manual pause are cleared,\n" +
			"and no step is skipped. A rollout that is not paused skips its current step (for\n" +
			"example a running analysis). --full skips all remaining steps and analysis.\n" +
			"An aborted rollout is not promoted: retry starts it again.",
		Example: "  kubectl sluice promote web\n  kubectl sluice promote web --full",
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.newSession()
			if err != nil {
				return err
			}
			decide := actions.Promote
			if full {
				decide = actions.PromoteFull
			}
			done, err := s.act(cmd.Context(), args[0], decide)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), done)
			return nil
		},
		ValidArgsFunction: completeRolloutNames(o),
	}
	cmd.Flags().BoolVar(&full, "full", false, "skip all remaining steps and analysis and go to 100% now")
	return cmd
}
