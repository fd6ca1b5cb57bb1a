package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/cli/view"
)

func newGetRolloutCommand(o *options) *cobra.Command {
	var watch, noColor bool
	cmd := &cobra.Command{
		Use:     "rollout NAME",
		Aliases: []string{"rollouts", "ro"},
		Short:   "Show a rollout: status, weights, images, and its ReplicaSets, pods and AnalysisRuns",
		Long: "Get rollout shows a summary of the rollout and a tree of its revisions, their\n" +
			"ReplicaSets (role, scale-down delay left) and pods, and its AnalysisRuns.\n\n" +
			"With -w it redraws on every change and counts down timed pauses; it exits 0 when\n" +
			"the rollout becomes Healthy and 1 when it becomes Degraded.",
		Example:           "  kubectl sluice get rollout web\n  kubectl sluice get rollout web -w",
		Args:              exactArgs("NAME"),
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.newSession()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			style := view.Style{Color: !noColor && o.isTerminal(out)}
			if !watch {
				snap, err := loadSnapshot(cmd.Context(), apiSource{s}, args[0], o.clock.Now())
				if err != nil {
					return err
				}
				_, err = io.WriteString(out, view.RenderRollout(snap, style))
				return err
			}
			return o.watchRollout(cmd.Context(), s, args[0], out, style)
		},
	}
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "redraw on every change; exit 0 when Healthy, 1 when Degraded")
	cmd.Flags().BoolVar(&noColor, "no-color", false, "never colour the output")
	return cmd
}

// watchRollout redraws the rollout until it settles: nil when it becomes Healthy,
// an error (exit 1) when it becomes Degraded. Interrupting it is not an error.
func (o *options) watchRollout(ctx context.Context, s *session, name string, out io.Writer, style view.Style) error {
	// One direct read first: a missing rollout or a kind the user may not read is
	// an error now, not an informer retrying forever.
	first, err := loadSnapshot(ctx, apiSource{s}, name, o.clock.Now())
	if err != nil {
		return err
	}
	ro := first.Rollout
	ctx, stop := context.WithCancel(ctx) // stops the informers on return
	defer stop()
	tty := o.isTerminal(out)
	signal := newChangeSignal()
	src, err := watchRolloutObjects(ctx, s, ro, signal)
	if err != nil {
		return interruptedIsOK(ctx, err)
	}
	scr := &screen{out: out, tty: tty}
	p := pacing{minGap: o.minRedraw}
	if tty {
		p.tick = o.tick // keep countdowns and ages moving on screen
	}
	err = redrawLoop(ctx, signal, p, func() (bool, error) {
		snap, err := loadSnapshot(ctx, src, name, o.clock.Now())
		if err != nil {
			return false, err
		}
		if err := scr.show(view.RenderRollout(snap, style)); err != nil {
			return false, err
		}
		return settledResult(snap.Rollout)
	})
	return interruptedIsOK(ctx, err)
}

// interruptedIsOK turns the end of a watch by Ctrl-C into success.
func interruptedIsOK(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}

// settledResult says whether a watch is over: done with no error when the rollout
// is Healthy, done with an error (exit 1) when it is Degraded.
func settledResult(ro *v1alpha1.Rollout) (bool, error) {
	done, healthy := view.Settled(ro)
	switch {
	case !done:
		return false, nil
	case healthy:
		return true, nil
	}
	_, message := view.EffectivePhase(ro)
	return true, fmt.Errorf("rollout %q is Degraded: %s", ro.Name, message)
}
