package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions"
	"github.com/sluice-dev/sluice/pkg/view"
	"github.com/sluice-dev/sluice/pkg/view/source"
)

func newGetAnalysisRunCommand(o *options) *cobra.Command {
	var watch, noColor bool
	cmd := &cobra.Command{
		Use:     "analysisrun NAME",
		Aliases: []string{"analysisruns", "ar"},
		Short:   "Show an AnalysisRun: its phase, and per metric the counts, limits and measurements",
		Long: "Get analysisrun shows why a run ended as it did: the run's phase and message, and for\n" +
			"each metric its phase and message, its measurements counted against count,\n" +
			"failureLimit, inconclusiveLimit and consecutiveErrorLimit, and every measurement\n" +
			"kept in status (age, phase, value, message).\n\n" +
			"With -w it redraws on every change; it exits 0 when the run ends Successful and 1\n" +
			"when it ends Failed, Error or Inconclusive.",
		Example:           "  kubectl sluice get analysisrun web-7c9d8f6b5-2-1\n  kubectl sluice get ar web-7c9d8f6b5-2-1 -w",
		Args:              exactArgs("NAME"),
		ValidArgsFunction: completeAnalysisRunNames(o),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.newSession()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			style := view.Style{Color: !noColor && o.isTerminal(out)}
			run, err := s.getAnalysisRun(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !watch {
				_, err = io.WriteString(out, view.RenderAnalysisRun(run, o.clock.Now(), style))
				return err
			}
			return o.watchAnalysisRun(cmd.Context(), s, run.Name, out, style)
		},
	}
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "redraw on every change; exit 0 when the run ends Successful, 1 otherwise")
	cmd.Flags().BoolVar(&noColor, "no-color", false, "never colour the output")
	return cmd
}

// completeAnalysisRunNames offers the names of the namespace's runs.
func completeAnalysisRunNames(o *options) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		s, err := o.newSession()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		list, err := s.sluice.SluiceV1alpha1().AnalysisRuns(s.namespace).List(cmd.Context(), metav1.ListOptions{})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names := make([]cobra.Completion, 0, len(list.Items))
		for _, run := range list.Items {
			names = append(names, run.Name)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// getAnalysisRun reads one run of the session's namespace.
func (s *session) getAnalysisRun(ctx context.Context, name string) (*v1alpha1.AnalysisRun, error) {
	run, err := s.sluice.SluiceV1alpha1().AnalysisRuns(s.namespace).Get(ctx, name, metav1.GetOptions{})
	return run, s.analysisRunError(name, err)
}

// analysisRunError turns a missing run into a one-line message.
func (s *session) analysisRunError(name string, err error) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("analysisrun %q not found in namespace %q", name, s.namespace)
	}
	return err
}

// watchAnalysisRun redraws a run until it ends: nil when it ends Successful,
// an error (exit 1) otherwise. Interrupting it is not an error.
func (o *options) watchAnalysisRun(ctx context.Context, s *session, name string, out io.Writer, style view.Style) error {
	ctx, stop := context.WithCancel(ctx) // stops the informer on return
	defer stop()
	factory := sluiceinformers.NewSharedInformerFactoryWithOptions(s.sluice, 0,
		sluiceinformers.WithNamespace(s.namespace),
		sluiceinformers.WithTweakListOptions(func(opts *metav1.ListOptions) {
			opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", name).String()
		}))
	runs := factory.Sluice().V1alpha1().AnalysisRuns()
	signal := source.NewSignal()
	if err := source.WatchInformers(ctx, signal, runs.Informer()); err != nil {
		return interruptedIsOK(ctx, err)
	}
	tty := o.isTerminal(out)
	scr := &screen{out: out, tty: tty}
	p := pacing{minGap: o.minRedraw}
	if tty {
		p.tick = o.tick // keep ages moving on screen
	}
	err := redrawLoop(ctx, signal, p, func() (bool, error) {
		run, err := runs.Lister().AnalysisRuns(s.namespace).Get(name)
		if err != nil {
			return false, s.analysisRunError(name, err)
		}
		if err := scr.show(view.RenderAnalysisRun(run, o.clock.Now(), style)); err != nil {
			return false, err
		}
		return runSettledResult(run)
	})
	return interruptedIsOK(ctx, err)
}

// runSettledResult says whether a watch of a run is over: done with no error
// when it ended Successful, done with an error (exit 1) when it ended otherwise.
func runSettledResult(run *v1alpha1.AnalysisRun) (bool, error) {
	done, successful := view.RunSettled(run)
	switch {
	case !done:
		return false, nil
	case successful:
		return true, nil
	}
	msg := fmt.Sprintf("analysisrun %q is %s", run.Name, run.Status.Phase)
	if run.Status.Message != "" {
		msg += ": " + run.Status.Message
	}
	return true, errors.New(msg)
}
