package cli

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/view"
	"github.com/sluice-dev/sluice/pkg/view/source"
)

func newGetRolloutCommand(o *options) *cobra.Command {
	var watch, noColor bool
	cmd := &cobra.Command{
		Use:     "rollout NAME",
		Aliases: []string{"rollouts", "ro"},
		Short:   "Show a rollout: status, weights, images, and its ReplicaSets, pods and AnalysisRuns",
		Long: "Get rollout shows a summary of the rollout and a tree of its revisions, their\n" +
			"ReplicaSets (role, scale-down delay left) and pods, and its AnalysisRuns.\n\n" +
			"With -w it redraws on every change and counts down timed pauses. It exits once the\n" +
			"rollout is Healthy (0) or Degraded (1) and has settled: its ReplicaSets at the size\n" +
			"asked for, no pod terminating, and after an abort the canary's weight back at 0. It\n" +
			"waits at most a minute for that, then exits anyway and says what is still moving.",
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
				snap, err := source.Load(cmd.Context(), source.API{Clients: s.clients()}, args[0], o.clock.Now())
				if err != nil {
					return err
				}
				_, err = io.WriteString(out, view.RenderRollout(snap, style))
				return err
			}
			return o.watchRollout(cmd.Context(), s, args[0], out, style)
		},
	}
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "redraw on every change; exit 0 when Healthy, 1 when Degraded, once settled")
	cmd.Flags().BoolVar(&noColor, "no-color", false, "never colour the output")
	return cmd
}

// watchRollout redraws the rollout until it settles: Healthy (nil) or Degraded
// (an error, exit 1), and nothing around it still moving (see stillMoving). It
// stops waiting for the motion o.settleLimit after the phase became final.
// Interrupting it is not an error.
func (o *options) watchRollout(ctx context.Context, s *session, name string, out io.Writer, style view.Style) error {
	// One direct read first: a missing rollout or a kind the user may not read is
	// an error now, not an informer retrying forever.
	first, err := source.Load(ctx, source.API{Clients: s.clients()}, name, o.clock.Now())
	if err != nil {
		return err
	}
	ro := first.Rollout
	ctx, stop := context.WithCancel(ctx) // stops the informers on return
	defer stop()
	tty := o.isTerminal(out)
	signal := source.NewSignal()
	src, err := source.Watch(ctx, s.clients(), ro, signal)
	if err != nil {
		return interruptedIsOK(ctx, err)
	}
	scr := &screen{out: out, tty: tty}
	p := pacing{minGap: o.minRedraw}
	if tty {
		p.tick = o.tick // keep countdowns and ages moving on screen
	}
	settle := &settleWatch{limit: o.settleLimit}
	var wake *time.Timer
	defer func() {
		if wake != nil {
			wake.Stop()
		}
	}()
	err = redrawLoop(ctx, signal, p, func() (bool, error) {
		snap, err := source.Load(ctx, src, name, o.clock.Now())
		if err != nil {
			return false, err
		}
		verdict := settle.judge(snap.Rollout, stillMoving(snap), time.Now())
		frame := view.RenderRollout(snap, style)
		if verdict.note != "" {
			frame += "\n" + verdict.note + "\n"
		}
		if err := scr.show(frame); err != nil {
			return false, err
		}
		if verdict.wakeIn > 0 {
			// Nothing may change while a pod is stuck: look again at the limit.
			if wake != nil {
				wake.Stop()
			}
			wake = time.AfterFunc(verdict.wakeIn, signal.Poke)
		}
		return verdict.done, verdict.err
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
