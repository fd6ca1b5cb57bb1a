package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/actions"
)

func newRestartCommand(o *options) *cobra.Command {
	var in time.Duration
	cmd := &cobra.Command{
		Use:   "restart NAME",
		Short: "Restart a rollout's pods gradually",
		Long: "Restart sets spec.restartAt: the controller evicts every pod created before that\n" +
			"time, a few at a time (PodDisruptionBudgets hold). --in schedules it for later.",
		Example:           "  kubectl sluice restart web\n  kubectl sluice restart web --in 30m",
		Args:              exactArgs("NAME"),
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			if in < 0 {
				return usageErrorf("--in must not be negative, got %s%s", in, helpHint(cmd))
			}
			s, err := o.newSession()
			if err != nil {
				return err
			}
			done, err := s.act(cmd.Context(), args[0], actions.Restart(actions.RestartTime(o.clock.Now(), in)))
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), done)
			return nil
		},
	}
	cmd.Flags().DurationVar(&in, "in", 0, "restart this long from now (e.g. 30s, 10m)")
	return cmd
}
