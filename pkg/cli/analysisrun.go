package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func newCreateCommand(o *options) *cobra.Command {
	cmd := groupCommand("create", "Create an object")
	cmd.AddCommand(newCreateAnalysisRunCommand(o))
	return cmd
}

func newTerminateCommand(o *options) *cobra.Command {
	cmd := groupCommand("terminate", "Stop a running object early")
	cmd.AddCommand(newTerminateAnalysisRunCommand(o))
	return cmd
}

func newCreateAnalysisRunCommand(o *options) *cobra.Command {
	var from, fromCluster, name string
	var args []string
	cmd := &cobra.Command{
		Use:     "analysisrun (--from TEMPLATE | --from-cluster TEMPLATE) [-a NAME=VALUE...] [--name NAME]",
		Aliases: []string{"ar"},
		Short:   "Run an AnalysisTemplate once, outside any rollout",
		Long: "Creates an AnalysisRun from an AnalysisTemplate (or ClusterAnalysisTemplate) with the\n" +
			"given argument values. Arguments the template gives no value must be supplied.",
		Example: "  kubectl sluice create analysisrun --from success-rate -a service=web-canary",
		Args:    exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (from == "") == (fromCluster == "") {
				return usageErrorf("give exactly one of --from or --from-cluster%s", helpHint(cmd))
			}
			values, err := parseArgValues(args)
			if err != nil {
				return usageErrorf("%v%s", err, helpHint(cmd))
			}
			s, err := o.newSession()
			if err != nil {
				return err
			}
			spec, template, err := s.templateSpec(cmd.Context(), from, fromCluster)
			if err != nil {
				return err
			}
			run, err := newAnalysisRun(template, name, s.namespace, spec, values)
			if err != nil {
				return err
			}
			created, err := s.sluice.SluiceV1alpha1().AnalysisRuns(s.namespace).Create(cmd.Context(), run, metav1.CreateOptions{})
			if err != nil {
				return fmt.Errorf("create AnalysisRun: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "analysisrun %q created\n", created.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "AnalysisTemplate to run")
	cmd.Flags().StringVar(&fromCluster, "from-cluster", "", "ClusterAnalysisTemplate to run")
	cmd.Flags().StringArrayVarP(&args, "argument", "a", nil, "argument value, NAME=VALUE (repeatable)")
	cmd.Flags().StringVar(&name, "name", "", "name of the run (default: the template's name and a random suffix)")
	return cmd
}

// templateSpec reads the template a run is made from.
func (s *session) templateSpec(ctx context.Context, name, clusterName string) (*v1alpha1.AnalysisTemplateSpec, string, error) {
	if clusterName != "" {
		t, err := s.sluice.SluiceV1alpha1().ClusterAnalysisTemplates().Get(ctx, clusterName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, "", fmt.Errorf("ClusterAnalysisTemplate %q not found", clusterName)
		}
		if err != nil {
			return nil, "", err
		}
		return &t.Spec, clusterName, nil
	}
	t, err := s.sluice.SluiceV1alpha1().AnalysisTemplates(s.namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, "", fmt.Errorf("AnalysisTemplate %q not found in namespace %q", name, s.namespace)
	}
	if err != nil {
		return nil, "", err
	}
	return &t.Spec, name, nil
}

// parseArgValues reads NAME=VALUE pairs.
func parseArgValues(pairs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("argument %q is not NAME=VALUE", p)
		}
		out[k] = v
	}
	return out, nil
}

// newAnalysisRun builds a run from a template: its metrics, dry-run and retention
// settings, and its args with the given values filled in. Every arg without a
// value (and not read from a Secret) must be given; unknown names are refused.
func newAnalysisRun(template, name, namespace string, spec *v1alpha1.AnalysisTemplateSpec, values map[string]string) (*v1alpha1.AnalysisRun, error) {
	args := make([]v1alpha1.Argument, 0, len(spec.Args))
	known := map[string]bool{}
	for _, a := range spec.Args {
		known[a.Name] = true
		if v, ok := values[a.Name]; ok {
			a.Value, a.ValueFrom = &v, nil
		}
		if a.Value == nil && a.ValueFrom == nil {
			return nil, fmt.Errorf("argument %q has no value in template %q: give it with -a %s=VALUE", a.Name, template, a.Name)
		}
		args = append(args, a)
	}
	for k := range values {
		if !known[k] {
			return nil, fmt.Errorf("template %q has no argument %q", template, k)
		}
	}
	run := &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: v1alpha1.AnalysisRunSpec{
			Metrics:              spec.Metrics,
			Args:                 args,
			DryRun:               spec.DryRun,
			MeasurementRetention: spec.MeasurementRetention,
		},
	}
	if name == "" {
		run.GenerateName = template + "-"
	}
	return run, nil
}

func newTerminateAnalysisRunCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:     "analysisrun NAME",
		Aliases: []string{"ar"},
		Short:   "Stop an AnalysisRun: its running metrics end with what they measured",
		Long: "Terminate sets spec.terminate: the run stops measuring and its running metrics end\n" +
			"with what they measured. A run that has finished has nothing to stop (exit 1).",
		Example: "  kubectl sluice terminate analysisrun web-7c9d8f6b5-2-3",
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := o.newSession()
			if err != nil {
				return err
			}
			done, err := s.actions().TerminateAnalysisRun(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), done)
			return nil
		},
	}
}
