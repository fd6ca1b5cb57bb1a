package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRetryCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:               "retry NAME...",
		Short:             "Start an aborted update again from the first step",
		Long:              "Retry clears status.abort: the controller starts the update again from step 0\nwith fresh AnalysisRuns.",
		Example:           "  kubectl sluice retry web",
		Args:              namesArgs,
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.newSession()
			if err != nil {
				return err
			}
			return forEachRollout(args, func(name string) error {
				if _, err := s.patchStatus(cmd.Context(), name, map[string]any{"abort": false}); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "rollout %q retried\n", name)
				return nil
			})
		},
	}
}
