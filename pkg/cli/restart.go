package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
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
			at := restartTime(o.clock.Now(), in)
			if _, err := s.patchSpec(cmd.Context(), args[0], map[string]any{"restartAt": at}); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "rollout %q restarts at %s\n", args[0], at)
			return nil
		},
	}
	cmd.Flags().DurationVar(&in, "in", 0, "restart this long from now (e.g. 30s, 10m)")
	return cmd
}

// restartTime is now+in as spec.restartAt holds it: RFC 3339 in UTC, whole seconds,
// rounded up. The controller restarts pods created before restartAt, and a pod's
// creationTimestamp is whole seconds too (truncated): rounding down would spare a
// pod created earlier in the same second as the command.
func restartTime(now time.Time, in time.Duration) string {
	at := now.Add(in).UTC()
	if whole := at.Truncate(time.Second); whole.Before(at) {
		at = whole.Add(time.Second)
	}
	return at.Format(time.RFC3339)
}
