package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newResumeCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "resume NAME...",
		Short: "Resume a paused rollout",
		Long: "Resume clears spec.paused and the rollout's pause conditions, so a manual pause\n" +
			"and a pause step both end.",
		Example:           "  kubectl sluice resume web",
		Args:              namesArgs,
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.newSession()
			if err != nil {
				return err
			}
			return forEachRollout(args, func(name string) error {
				ctx := cmd.Context()
				if _, err := s.patchSpec(ctx, name, map[string]any{"paused": false}); err != nil {
					return err
				}
				if _, err := s.patchStatus(ctx, name, map[string]any{"pauseConditions": nil}); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "rollout %q resumed\n", name)
				return nil
			})
		},
	}
}
