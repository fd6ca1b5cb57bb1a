package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions"
	"github.com/sluice-dev/sluice/pkg/view"
	"github.com/sluice-dev/sluice/pkg/view/source"
)

func newListRolloutsCommand(o *options) *cobra.Command {
	var allNamespaces, watch, noColor bool
	cmd := &cobra.Command{
		Use:     "rollouts",
		Aliases: []string{"rollout", "ro"},
		Short:   "List rollouts: strategy, status, step, weight and replica counts",
		Example: "  kubectl sluice list rollouts\n  kubectl sluice list rollouts -A -w",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.newSession()
			if err != nil {
				return err
			}
			namespace := s.namespace
			if allNamespaces {
				namespace = metav1.NamespaceAll
			}
			out := cmd.OutOrStdout()
			style := view.Style{Color: !noColor && o.isTerminal(out)}
			if watch {
				return o.watchList(cmd.Context(), s, namespace, out, style)
			}
			list, err := s.sluice.SluiceV1alpha1().Rollouts(namespace).List(cmd.Context(), metav1.ListOptions{})
			if err != nil {
				return fmt.Errorf("list rollouts: %w", err)
			}
			if len(list.Items) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), noRolloutsMessage(namespace))
				return nil
			}
			rollouts := make([]*v1alpha1.Rollout, len(list.Items))
			for i := range list.Items {
				rollouts[i] = &list.Items[i]
			}
			_, err = io.WriteString(out, view.RenderList(rollouts, allNamespaces, style))
			return err
		},
	}
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "list rollouts in all namespaces")
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "redraw the list on every change (until interrupted)")
	cmd.Flags().BoolVar(&noColor, "no-color", false, "never colour the output")
	return cmd
}

func noRolloutsMessage(namespace string) string {
	if namespace == metav1.NamespaceAll {
		return "No rollouts found."
	}
	return fmt.Sprintf("No rollouts found in namespace %q.", namespace)
}

// watchList redraws the list on every change until interrupted.
func (o *options) watchList(ctx context.Context, s *session, namespace string, out io.Writer, style view.Style) error {
	// One plain request first, so that a wrong kubeconfig or a missing CRD is an
	// error now rather than an informer retrying forever.
	if _, err := s.sluice.SluiceV1alpha1().Rollouts(namespace).List(ctx, metav1.ListOptions{Limit: 1}); err != nil {
		return fmt.Errorf("list rollouts: %w", err)
	}
	ctx, stop := context.WithCancel(ctx) // stops the informer on return
	defer stop()
	factory := sluiceinformers.NewSharedInformerFactoryWithOptions(s.sluice, 0, sluiceinformers.WithNamespace(namespace))
	informer := factory.Sluice().V1alpha1().Rollouts()
	signal := source.NewSignal()
	if err := source.WatchInformers(ctx, signal, informer.Informer()); err != nil {
		return interruptedIsOK(ctx, err)
	}
	scr := &screen{out: out, tty: o.isTerminal(out)}
	err := redrawLoop(ctx, signal, pacing{minGap: o.minRedraw}, func() (bool, error) {
		rollouts, err := informer.Lister().Rollouts(namespace).List(labels.Everything())
		if err != nil {
			return false, err
		}
		return false, scr.show(view.RenderList(rollouts, namespace == metav1.NamespaceAll, style))
	})
	return interruptedIsOK(ctx, err)
}
