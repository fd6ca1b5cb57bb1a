package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func newPromoteCommand(o *options) *cobra.Command {
	var full bool
	cmd := &cobra.Command{
		Use:   "promote NAME",
		Short: "Move a rollout past its current pause or step",
		Long: "Promote does one thing. A paused rollout is unpaused: its pause conditions (a pause\n" +
			"step, a blue-green pause, an inconclusive analysis) and a manual pause are cleared,\n" +
			"and no step is skipped. A rollout that is not paused skips its current step (for\n" +
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
	ro, err := s.getRollout(ctx, name)
	if err != nil {
		return "", err
	}
	p, err := planPromotion(ro)
	if err != nil {
		return "", err
	}
	rv := ro.ResourceVersion
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		err := p.write(ctx, s, rv)
		if !apierrors.IsConflict(err) {
			return err
		}
		// Someone wrote since the rollout was read: read it again and go on only
		// with what this promote is still for.
		fresh, getErr := s.getRollout(ctx, name)
		if getErr != nil {
			return getErr
		}
		if stop := p.recheck(fresh); stop != nil || p.finished() {
			return stop
		}
		rv = fresh.ResourceVersion
		return err
	})
	if err != nil {
		return "", err
	}
	return p.done, nil
}

// promotion is the one thing a promote does, decided from the rollout as read,
// as the writes still to make. Each write is conditioned on a resourceVersion:
// the first on the one read, each next one on the one the write before it
// returned. A concurrent change therefore makes it conflict instead of acting on
// a rollout that has moved on, and the promote's own writes never make the next
// one conflict.
type promotion struct {
	name string
	// pauses are the pause conditions to clear (nil: none).
	pauses []v1alpha1.PauseCondition
	// unpause clears spec.paused (a manual pause).
	unpause bool
	// skip is the canary step index to move past (nil: none), of the spec of
	// generation.
	skip       *int32
	generation int64
	steps      int
	// wrote is set once a write has landed; done is what to print then.
	wrote bool
	done  string
}

// planPromotion decides what one promote does. A paused rollout (pause
// conditions, spec.paused, or both) gets its pause ended and nothing more: a
// manual pause in the middle of a step lets that step go on, and skipping it
// too would do two things at once. Only a rollout that is not paused has its
// current step skipped.
func planPromotion(ro *v1alpha1.Rollout) (*promotion, error) {
	p := &promotion{name: ro.Name}
	if ro.Spec.Paused || len(ro.Status.PauseConditions) > 0 {
		p.pauses = ro.Status.PauseConditions
		p.unpause = ro.Spec.Paused
		p.done = fmt.Sprintf("rollout %q promoted", ro.Name)
		if len(p.pauses) == 0 {
			p.done = fmt.Sprintf("rollout %q resumed", ro.Name)
		}
		return p, nil
	}
	if ro.Status.ObservedGeneration != ro.Generation {
		// The step index belongs to a spec the controller has since been given a
		// newer version of; skipping from it would skip the wrong step.
		return nil, fmt.Errorf("rollout %q has a spec change the controller has not processed yet; promote again in a moment", ro.Name)
	}
	next, ok := nextStepIndex(ro)
	if !ok {
		return nil, fmt.Errorf("rollout %q is not paused and has no step left to skip (use --full to finish an update)", ro.Name)
	}
	current := next - 1
	p.skip, p.generation, p.steps = &current, ro.Generation, len(ro.Spec.Strategy.Canary.Steps)
	p.done = fmt.Sprintf("rollout %q promoted to step %d/%d", ro.Name, next, p.steps)
	return p, nil
}

// write makes the writes still to make, in order: the pause conditions first
// (while spec.paused still holds the controller, it has no reason to write in
// between), then spec.paused, or the step skip.
func (p *promotion) write(ctx context.Context, s *session, rv string) error {
	if len(p.pauses) > 0 {
		ro, err := s.patchStatusAt(ctx, p.name, rv, map[string]any{"pauseConditions": nil})
		if err != nil {
			return err
		}
		p.pauses, p.wrote, rv = nil, true, ro.ResourceVersion
	}
	if p.unpause {
		ro, err := s.patchSpecAt(ctx, p.name, rv, map[string]any{"paused": false})
		if err != nil {
			return err
		}
		p.unpause, p.wrote, rv = false, true, ro.ResourceVersion
	}
	if p.skip != nil {
		if _, err := s.patchStatusAt(ctx, p.name, rv, map[string]any{"currentStepIndex": *p.skip + 1}); err != nil {
			return err
		}
		p.skip, p.wrote = nil, true
	}
	return nil
}

// recheck drops the writes the rollout, read again after a conflict, no longer
// needs: a pause that is not the one read (ended, or a later one), a manual pause
// someone else ended, a step the rollout has left. When that leaves nothing and
// none of this promote's writes landed, it did nothing, and says so.
func (p *promotion) recheck(ro *v1alpha1.Rollout) error {
	wasPause := len(p.pauses) > 0 || p.unpause
	if len(p.pauses) > 0 && !equality.Semantic.DeepEqual(p.pauses, ro.Status.PauseConditions) {
		p.pauses = nil
	}
	if p.unpause && !ro.Spec.Paused {
		p.unpause = false
	}
	var left int32
	if p.skip != nil {
		left = *p.skip
		if ro.Generation != p.generation || currentStepIndex(ro) != *p.skip {
			p.skip = nil
		}
	}
	if !p.finished() || p.wrote {
		return nil
	}
	if wasPause {
		return fmt.Errorf("rollout %q changed its pause while promoting; promote did nothing, run it again to promote from where it is now", p.name)
	}
	return fmt.Errorf("rollout %q left step %d/%d while promoting; promote did nothing, run it again to promote from where it is now", p.name, left, p.steps)
}

// finished reports whether no write is left.
func (p *promotion) finished() bool {
	return len(p.pauses) == 0 && !p.unpause && p.skip == nil
}

// currentStepIndex is status.currentStepIndex, 0 when unset.
func currentStepIndex(ro *v1alpha1.Rollout) int32 {
	if ro.Status.CurrentStepIndex == nil {
		return 0
	}
	return *ro.Status.CurrentStepIndex
}

// nextStepIndex is the step index after skipping the current canary step; ok is
// false when there is no step left.
func nextStepIndex(ro *v1alpha1.Rollout) (int32, bool) {
	c := ro.Spec.Strategy.Canary
	if c == nil {
		return 0, false
	}
	current := currentStepIndex(ro)
	if int(current) >= len(c.Steps) {
		return 0, false
	}
	return current + 1, true
}
