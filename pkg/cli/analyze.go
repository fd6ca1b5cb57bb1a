package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/sluice-dev/sluice/analysis"
	"github.com/sluice-dev/sluice/analysis/provider"
	judgeprovider "github.com/sluice-dev/sluice/analysis/provider/judge"
	"github.com/sluice-dev/sluice/analysis/provider/prometheus"
	"github.com/sluice-dev/sluice/analysis/provider/web"
	"github.com/sluice-dev/sluice/pkg/analyze"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// analyzeFlags are the flags of `kubectl sluice analyze`.
type analyzeFlags struct {
	args              []string
	cluster, noColor  bool
	rollout, file     string
	prometheusAddress string
	since             time.Duration
}

// The decisions (argument values, the in-memory run, the window, the report)
// are pkg/analyze's; measuring is analysis.MeasureOnce, the controller's own
// steps. This command loads the objects and prints.
func newAnalyzeCommand(o *options) *cobra.Command {
	var f analyzeFlags
	cmd := &cobra.Command{
		Use:   "analyze TEMPLATE [-a NAME=VALUE...] [--cluster] [--rollout NAME] | analyze -f FILE [TEMPLATE]",
		Short: "Run a template's metrics once against Prometheus now and print the results, writing nothing",
		Long: "Analyze takes one measurement of each metric of an AnalysisTemplate (--cluster: a\n" +
			"ClusterAnalysisTemplate; -f: from a file) now, through the providers the controller uses\n" +
			"(prometheus, web, judge), and prints each value with the phase the metric's conditions\n" +
			"give it; a judge prints its per-metric table. Nothing is written to the cluster: no\n" +
			"AnalysisRun is created, and job metrics are not run.\n" +
			"Arguments take, in this order, the values of -a, those the Rollout named by --rollout\n" +
			"passes to the template (pod-template hashes Stable, Latest and Baseline and fieldRefs\n" +
			"resolved from it), and the template's own. Each metric is measured once: a judge looks\n" +
			"once with its whole alpha, over the window from --since ago (default: since the\n" +
			"Rollout's canary and baseline started, or 10m).\n" +
			"Exit 0 when the run would be Successful on these measurements, 1 otherwise.",
		Example: "  kubectl sluice analyze istio-judge --cluster --rollout web --prometheus-address http://prometheus:9090\n" +
			"  kubectl sluice analyze success-rate -a service=web-canary\n" +
			"  kubectl sluice analyze -f manifests/analysis/http-judge.yaml --rollout web --since 15m",
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) > 1:
				return usageErrorf("analyze takes one TEMPLATE, got %d arguments%s", len(args), helpHint(cmd))
			case len(args) == 0 && f.file == "":
				return usageErrorf("analyze needs a TEMPLATE, or -f FILE%s", helpHint(cmd))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			name := ""
			if len(args) == 1 {
				name = args[0]
			}
			return o.runAnalyze(cmd, name, f)
		},
	}
	flags := cmd.Flags()
	flags.StringArrayVarP(&f.args, "argument", "a", nil, "argument value, NAME=VALUE (repeatable)")
	flags.BoolVar(&f.cluster, "cluster", false, "TEMPLATE is a ClusterAnalysisTemplate")
	flags.StringVar(&f.rollout, "rollout", "", "take argument values from this Rollout's analysis of the template")
	flags.StringVarP(&f.file, "filename", "f", "", "read the template from a YAML file instead of the cluster (- reads stdin)")
	flags.StringVar(&f.prometheusAddress, "prometheus-address", "", "Prometheus for metrics that name no address (the controller's --prometheus-address)")
	flags.DurationVar(&f.since, "since", 0, "start of a judge's window, this long ago (default: when the Rollout's canary and baseline started, or 10m)")
	flags.BoolVar(&f.noColor, "no-color", false, "never colour the output")
	return cmd
}

func (o *options) runAnalyze(cmd *cobra.Command, name string, f analyzeFlags) error {
	ctx := cmd.Context()
	given, err := parseArgValues(f.args)
	if err != nil {
		return usageErrorf("%v%s", err, helpHint(cmd))
	}
	if f.since < 0 {
		return usageErrorf("--since must not be negative, got %s%s", f.since, helpHint(cmd))
	}
	c := &lazySession{o: o}
	ref, spec, from, err := loadAnalyzeTemplate(ctx, cmd, c, name, f)
	if err != nil {
		return err
	}
	now := o.clock.Now()
	req := analyze.Request{Template: ref, Spec: spec, Given: given, WindowStart: analyze.WindowStart(now, f.since, nil)}
	rolloutLine := ""
	if f.rollout != "" {
		if rolloutLine, err = rolloutValues(ctx, c, f, now, &req); err != nil {
			return err
		}
	}
	// The namespace is the kubeconfig's, when there is one: a template from a
	// file with literal arguments measures without a cluster.
	if _, err := c.get(); err == nil {
		req.Namespace = c.s.namespace
	} else {
		req.Namespace = "default"
	}
	run, shown, err := analyze.BuildRun(req)
	if err != nil {
		return err
	}
	providers := map[string]provider.Provider{
		"prometheus": prometheus.New(f.prometheusAddress),
		"web":        web.NewWithOptions(web.Options{}),
		"judge":      judgeprovider.New(f.prometheusAddress),
	}
	results, err := analysis.MeasureOnce(ctx, run, providers, c.getSecret)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprint(out, analyze.Render(analyze.Report{
		Template: ref, From: from, Rollout: rolloutLine, Args: shown,
		WindowStart: req.WindowStart, Now: now, Results: results,
	}, view.Style{Color: !f.noColor && o.isTerminal(out)}))
	if !analyze.Passed(results) {
		return silentExit(ExitFailure)
	}
	return nil
}

// loadAnalyzeTemplate reads the template from the file or the cluster, and
// says where from.
func loadAnalyzeTemplate(ctx context.Context, cmd *cobra.Command, c *lazySession, name string, f analyzeFlags) (analyze.TemplateRef, *v1alpha1.AnalysisTemplateSpec, string, error) {
	if f.file != "" {
		raw, err := readFile(f.file, cmd.InOrStdin())
		if err != nil {
			return analyze.TemplateRef{}, nil, "", err
		}
		ref, spec, err := analyze.TemplateFromFile(f.file, raw, name, f.cluster)
		return ref, spec, f.file, err
	}
	s, err := c.get()
	if err != nil {
		return analyze.TemplateRef{}, nil, "", err
	}
	ref := analyze.TemplateRef{Name: name, ClusterScope: f.cluster}
	local, cluster := name, ""
	if f.cluster {
		local, cluster = "", name
	}
	spec, _, err := s.templateSpec(ctx, local, cluster)
	return ref, spec, "the cluster", err
}

// rolloutValues fills in the values the Rollout passes to the template and
// the window its canary and baseline open, and returns the report's line
// naming the Rollout and the analysis the values came from.
func rolloutValues(ctx context.Context, c *lazySession, f analyzeFlags, now time.Time, req *analyze.Request) (string, error) {
	s, err := c.get()
	if err != nil {
		return "", err
	}
	ro, err := s.getRollout(ctx, f.rollout)
	if err != nil {
		return "", err
	}
	a, where := analyze.FindAnalysis(ro, req.Template)
	if a == nil {
		return "", fmt.Errorf("Rollout %q has no analysis that uses %s %q, so it passes it no values: give them with -a NAME=VALUE (%s)",
			ro.Name, req.Template.Kind(), req.Template.Name, hashesHint(ro))
	}
	if req.FromRollout, err = analyze.RolloutArgValues(ro, a); err != nil {
		return "", err
	}
	sides, err := sideCreationTimes(ctx, s, ro)
	if err != nil {
		return "", err
	}
	req.WindowStart = analyze.WindowStart(now, f.since, sides)
	return fmt.Sprintf("%s/%s, the values of %s", ro.Namespace, ro.Name, where), nil
}

// hashesHint names the Rollout's pod-template hashes for an -a value.
func hashesHint(ro *v1alpha1.Rollout) string {
	stable, canary := ro.Status.StableRS, ro.Status.CurrentPodHash
	parts := []string{"stable " + orNone(stable)}
	if canary != "" && canary != stable {
		parts = append(parts, "canary "+canary)
		if c := ro.Spec.Strategy.Canary; c != nil && c.Baseline != nil && stable != "" {
			parts = append(parts, "baseline "+plan.BaselineHash(stable, canary))
		}
	}
	return "its hashes: " + strings.Join(parts, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// sideCreationTimes are when the Rollout's canary and baseline ReplicaSets
// were created (those that exist), where a judge's window can start.
func sideCreationTimes(ctx context.Context, s *session, ro *v1alpha1.Rollout) ([]time.Time, error) {
	stable, canary := ro.Status.StableRS, ro.Status.CurrentPodHash
	if canary == "" || canary == stable {
		return nil, nil
	}
	hashes := []string{canary}
	if stable != "" {
		hashes = append(hashes, plan.BaselineHash(stable, canary))
	}
	list, err := s.kube.AppsV1().ReplicaSets(s.namespace).List(ctx, metav1.ListOptions{
		LabelSelector: fmt.Sprintf("%s in (%s)", view.HashLabel, strings.Join(hashes, ",")),
	})
	if err != nil {
		return nil, fmt.Errorf("list the ReplicaSets of Rollout %q: %w", ro.Name, err)
	}
	var out []time.Time
	for _, rs := range list.Items {
		if owner := metav1.GetControllerOf(&rs); owner != nil && owner.Kind == "Rollout" && owner.Name == ro.Name {
			out = append(out, rs.CreationTimestamp.Time)
		}
	}
	return out, nil
}

// lazySession connects on first use: a template from a file with literal
// arguments needs no cluster.
type lazySession struct {
	o *options
	s *session
}

func (c *lazySession) get() (*session, error) {
	if c.s == nil {
		s, err := c.o.newSession()
		if err != nil {
			return nil, err
		}
		c.s = s
	}
	return c.s, nil
}

// getSecret reads a Secret for an argument, with the user's credentials.
func (c *lazySession) getSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	s, err := c.get()
	if err != nil {
		return nil, err
	}
	return s.kube.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
}
