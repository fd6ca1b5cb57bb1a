package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newPauseCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:               "pause NAME...",
		Short:             "Pause a rollout: no scaling, no step progress",
		Long:              "Pause sets spec.paused: the controller stops scaling and stepping until resume.",
		Example:           "  kubectl sluice pause web",
		Args:              namesArgs,
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.newSession()
			if err != nil {
				return err
			}
			return forEachRollout(args, func(name string) error {
				if _, err := s.patchSpec(cmd.Context(), name, map[string]any{"paused": true}); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "rollout %q paused\n", name)
				return nil
			})
		},
	}
}
