package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions"
	"github.com/sluice-dev/sluice/pkg/view"
	"github.com/sluice-dev/sluice/pkg/view/source"
)

func newStatusCommand(o *options) *cobra.Command {
	var watch bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "status NAME",
		Short: "Print a rollout's phase; with -w, follow it until Healthy or Degraded (for CI)",
		Long: "Status prints the rollout's phase and message. With -w it prints every change of\n" +
			"phase or message and exits when the rollout is Healthy or Degraded; -t gives up\n" +
			"after a time (and implies -w). A phase computed from an older generation of the\n" +
			"spec counts as Progressing.\n\n" +
			"Exit codes: 0 Healthy (or, without -w, any phase but Degraded), 1 Degraded or\n" +
			"error, 2 timeout.",
		Example:           "  kubectl sluice status web\n  kubectl sluice status web -w -t 10m",
		Args:              exactArgs("NAME"),
		ValidArgsFunction: completeRolloutNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout < 0 {
				return usageErrorf("--timeout must not be negative%s", helpHint(cmd))
			}
			s, err := o.newSession()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if !watch && timeout == 0 {
				ro, err := s.getRollout(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				phase, message := view.EffectivePhase(ro)
				fmt.Fprintln(out, view.PhaseLine(phase, message))
				if phase == v1alpha1.RolloutPhaseDegraded {
					return silentExit(ExitFailure)
				}
				return nil
			}
			return o.followStatus(cmd.Context(), s, args[0], timeout, out)
		},
	}
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "follow the rollout until it is Healthy or Degraded")
	cmd.Flags().DurationVarP(&timeout, "timeout", "t", 0, "give up after this long, exit 2 (e.g. 5m; implies -w)")
	return cmd
}

// followStatus prints each change of phase or message until the rollout is
// Healthy (nil), Degraded (exit 1) or the timeout passes (exit 2).
func (o *options) followStatus(ctx context.Context, s *session, name string, timeout time.Duration, out io.Writer) error {
	parent := ctx
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	if timeout > 0 {
		ctx, stop = context.WithTimeout(ctx, timeout)
		defer stop()
	}
	if _, err := s.getRollout(ctx, name); err != nil {
		return timedOut(parent, ctx, err, timeout, name, "")
	}
	factory := sluiceinformers.NewSharedInformerFactoryWithOptions(s.sluice, 0,
		sluiceinformers.WithNamespace(s.namespace),
		sluiceinformers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", name).String()
		}))
	informer := factory.Sluice().V1alpha1().Rollouts()
	signal := source.NewSignal()
	if err := source.WatchInformers(ctx, signal, informer.Informer()); err != nil {
		return timedOut(parent, ctx, err, timeout, name, "")
	}
	var last string
	err := redrawLoop(ctx, signal, pacing{}, func() (bool, error) {
		ro, err := informer.Lister().Rollouts(s.namespace).Get(name)
		if err != nil {
			return false, s.rolloutError(name, err)
		}
		line := view.PhaseLine(view.EffectivePhase(ro))
		if line != last {
			fmt.Fprintln(out, line)
			last = line
		}
		switch done, healthy := view.Settled(ro); {
		case done && healthy:
			return true, nil
		case done:
			return true, silentExit(ExitFailure)
		}
		return false, nil
	})
	return timedOut(parent, ctx, err, timeout, name, last)
}

// timedOut turns the end of ctx by its deadline into a timeout error (exit 2),
// and an interrupt into a plain failure.
func timedOut(parent, ctx context.Context, err error, timeout time.Duration, name, last string) error {
	switch {
	case err == nil:
		return nil
	case parent.Err() != nil:
		return errors.New("interrupted")
	case !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return err
	}
	msg := fmt.Sprintf("timed out after %s waiting for rollout %q", timeout, name)
	if last != "" {
		msg += " (last: " + last + ")"
	}
	return timeoutError(errors.New(msg))
}
