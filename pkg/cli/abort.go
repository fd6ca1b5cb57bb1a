package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newAbortCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "abort NAME...",
		Short: "Abort an update: traffic and Services go back to stable",
		Long: "Abort sets status.abort: the controller sends all traffic back to the stable\n" +
			"ReplicaSet, scales the canary down and marks the rollout Degraded. Use retry to\n" +
			"start the update again.",
		Example:           "  kubectl sluice abort web",
		Args:              namesArgs,
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.newSession()
			if err != nil {
				return err
			}
			return forEachRollout(args, func(name string) error {
				if _, err := s.patchStatus(cmd.Context(), name, map[string]any{"abort": true}); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "rollout %q aborted\n", name)
				return nil
			})
		},
	}
}
