package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/client-go/util/retry"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func newPromoteCommand(o *options) *cobra.Command {
	var full bool
	cmd := &cobra.Command{
		Use:   "promote NAME",
		Short: "Move a rollout past its current pause or step",
		Long: "Promote clears the rollout's pause conditions (and a manual pause) so it goes on to\n" +
			"the next step. When it is not paused at a step, it skips the current step (for\n" +
			"example a running analysis). --full skips all remaining steps and analysis.",
		Example: "  kubectl sluice promote web\n  kubectl sluice promote web --full",
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.newSession()
			if err != nil {
				return err
			}
			msg, err := promote(cmd.Context(), s, args[0], full)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg)
			return nil
		},
		ValidArgsFunction: completeRolloutNames(o),
	}
	cmd.Flags().BoolVar(&full, "full", false, "skip all remaining steps and analysis and go to 100% now")
	return cmd
}

// promote performs the writes of SPEC §2.5 and says what it did.
func promote(ctx context.Context, s *session, name string, full bool) (string, error) {
	if full {
		if _, err := s.patchStatus(ctx, name, map[string]any{"promoteFull": true}); err != nil {
			return "", err
		}
		return fmt.Sprintf("rollout %q fully promoted", name), nil
	}
	var msg string
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		ro, err := s.getRollout(ctx, name)
		if err != nil {
			return err
		}
		msg, err = promoteOnce(ctx, s, ro)
		return err
	})
	return msg, err
}

// promoteOnce promotes the rollout as read: it clears a manual pause, then either
// clears the pause conditions or, when there are none, skips the current step.
// The step skip is conditional on the resourceVersion read, so a concurrent
// change makes it retry rather than skip a step the rollout already left.
func promoteOnce(ctx context.Context, s *session, ro *v1alpha1.Rollout) (string, error) {
	name := ro.Name
	var wrote bool
	if ro.Spec.Paused {
		if _, err := s.patchSpec(ctx, name, map[string]any{"paused": false}); err != nil {
			return "", err
		}
		wrote = true
	}
	if len(ro.Status.PauseConditions) > 0 {
		if _, err := s.patchStatus(ctx, name, map[string]any{"pauseConditions": nil}); err != nil {
			return "", err
		}
		return fmt.Sprintf("rollout %q promoted", name), nil
	}
	if ro.Status.ObservedGeneration != ro.Generation {
		// The step index belongs to a spec the controller has since been given a
		// newer version of; skipping from it would skip the wrong step.
		return "", fmt.Errorf("rollout %q has a spec change the controller has not processed yet; promote again in a moment", name)
	}
	if next, ok := nextStepIndex(ro); ok {
		if _, err := s.patchStatusAt(ctx, name, ro.ResourceVersion, map[string]any{"currentStepIndex": next}); err != nil {
			return "", err
		}
		return fmt.Sprintf("rollout %q promoted to step %d/%d", name, next, len(ro.Spec.Strategy.Canary.Steps)), nil
	}
	if wrote {
		return fmt.Sprintf("rollout %q resumed", name), nil
	}
	return "", fmt.Errorf("rollout %q is not paused and has no step left to skip (use --full to finish an update)", name)
}

// nextStepIndex is the step index after skipping the current canary step; ok is
// false when there is no step left.
func nextStepIndex(ro *v1alpha1.Rollout) (int32, bool) {
	c := ro.Spec.Strategy.Canary
	if c == nil {
		return 0, false
	}
	current := int32(0)
	if ro.Status.CurrentStepIndex != nil {
		current = *ro.Status.CurrentStepIndex
	}
	if int(current) >= len(c.Steps) {
		return 0, false
	}
	return current + 1, true
}
