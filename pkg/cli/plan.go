package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluicescheme "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/scheme"
	"github.com/sluice-dev/sluice/pkg/view"
	"github.com/sluice-dev/sluice/rollout/plan"
)

func newPlanCommand(o *options) *cobra.Command {
	var files []string
	podReady := 10 * time.Second
	cmd := &cobra.Command{
		Use:   "plan (NAME | -f FILE...)",
		Short: "Show a rollout's timeline, step by step, before it runs",
		Long: "Plan runs the controller's own planning code against a simulated cluster and prints\n" +
			"the update of a Rollout step by step: pods of the new and old ReplicaSets, the most\n" +
			"pods at once, when each step is done, the shortest time to full promotion and the\n" +
			"worst time to roll back, with warnings. Analysis steps take the time their templates\n" +
			"need when every measurement passes (templates from the same files, or the cluster).",
		Example: "  kubectl sluice plan -f rollout.yaml\n  kubectl sluice plan web --pod-ready 30s",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == (len(files) > 0) {
				return usageErrorf("give a Rollout NAME or -f FILE, not both or neither%s", helpHint(cmd))
			}
			var objs planInput
			var err error
			if len(files) > 0 {
				objs, err = readPlanFiles(files, cmd.InOrStdin())
			} else {
				objs, err = o.readPlanObjects(cmd.Context(), args[0])
			}
			if err != nil {
				return err
			}
			if len(objs.rollouts) == 0 {
				return fmt.Errorf("no sluice.dev/v1alpha1 Rollout in the input")
			}
			for i, ro := range objs.rollouts {
				if i > 0 {
					fmt.Fprintln(cmd.OutOrStdout())
				}
				tl, err := plan.NewTimeline(ro, plan.TimelineOptions{PodReady: podReady, AnalysisDuration: objs.analysisDurations(ro)})
				if err != nil {
					return fmt.Errorf("rollout %s: %w", ro.Name, err)
				}
				tl.Warnings = append(tl.Warnings, objs.warnings(ro)...)
				view.Timeline(cmd.OutOrStdout(), ro, tl, podReady)
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVarP(&files, "filename", "f", nil, "files with Rollouts (and their AnalysisTemplates); - reads stdin")
	cmd.Flags().DurationVar(&podReady, "pod-ready", podReady, "how long a new pod takes to become ready")
	return cmd
}

// planInput are the objects a timeline is made from.
type planInput struct {
	rollouts  []*v1alpha1.Rollout
	templates map[string]*v1alpha1.AnalysisTemplateSpec // by name; cluster templates as "cluster/NAME"
}

func templateKey(ref v1alpha1.AnalysisTemplateRef) string {
	if ref.ClusterScope {
		return "cluster/" + ref.TemplateName
	}
	return ref.TemplateName
}

// analysisDurations estimates each analysis of a Rollout from its templates.
func (in planInput) analysisDurations(ro *v1alpha1.Rollout) map[int]time.Duration {
	out := map[int]time.Duration{}
	add := func(key int, a *v1alpha1.RolloutAnalysis) {
		if a == nil {
			return
		}
		var metrics []v1alpha1.Metric
		for _, ref := range a.Templates {
			t, ok := in.templates[templateKey(ref)]
			if !ok {
				return
			}
			metrics = append(metrics, t.Metrics...)
		}
		if d, ok := plan.EstimateAnalysis(metrics); ok {
			out[key] = d
		}
	}
	if c := ro.Spec.Strategy.Canary; c != nil {
		for i := range c.Steps {
			add(i, c.Steps[i].Analysis)
		}
	}
	if bg := ro.Spec.Strategy.BlueGreen; bg != nil {
		add(-1, bg.PrePromotionAnalysis)
		add(-2, bg.PostPromotionAnalysis)
	}
	return out
}

// warnings are the plan-level warnings about analyses: a missing template, or
// one that cannot be timed.
func (in planInput) warnings(ro *v1alpha1.Rollout) []string {
	var out []string
	check := func(where string, a *v1alpha1.RolloutAnalysis) {
		if a == nil {
			return
		}
		for _, ref := range a.Templates {
			t, ok := in.templates[templateKey(ref)]
			if !ok {
				out = append(out, fmt.Sprintf("%s: template %q not found; its time counts as 0", where, ref.TemplateName))
				continue
			}
			if _, ok := plan.EstimateAnalysis(t.Metrics); !ok {
				out = append(out, fmt.Sprintf("%s: template %q runs until terminated or uses templated timings; its time counts as 0", where, ref.TemplateName))
			}
		}
	}
	if bg := ro.Spec.Strategy.BlueGreen; bg != nil {
		check("prePromotionAnalysis", bg.PrePromotionAnalysis)
		check("postPromotionAnalysis", bg.PostPromotionAnalysis)
	}
	return out
}

// readPlanFiles decodes the sluice objects of YAML files ("-" is stdin).
func readPlanFiles(files []string, stdin io.Reader) (planInput, error) {
	in := planInput{templates: map[string]*v1alpha1.AnalysisTemplateSpec{}}
	decoder := serializer.NewCodecFactory(sluicescheme.Scheme).UniversalDeserializer()
	for _, file := range files {
		raw, err := readFile(file, stdin)
		if err != nil {
			return in, err
		}
		reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
		for index := 0; ; index++ {
			doc, err := reader.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return in, fmt.Errorf("%s#%d: %v", file, index, err)
			}
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			obj, _, err := decoder.Decode(doc, nil, nil)
			if err != nil {
				continue // not a sluice object (a Service, say): nothing to plan
			}
			in.add(obj)
		}
	}
	return in, nil
}

func (in *planInput) add(obj any) {
	switch o := obj.(type) {
	case *v1alpha1.Rollout:
		in.rollouts = append(in.rollouts, o)
	case *v1alpha1.AnalysisTemplate:
		in.templates[o.Name] = &o.Spec
	case *v1alpha1.ClusterAnalysisTemplate:
		in.templates["cluster/"+o.Name] = &o.Spec
	}
}

func readFile(file string, stdin io.Reader) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(stdin)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return raw, nil
}

// readPlanObjects reads a Rollout and the templates it references from the cluster.
func (o *options) readPlanObjects(ctx context.Context, name string) (planInput, error) {
	in := planInput{templates: map[string]*v1alpha1.AnalysisTemplateSpec{}}
	s, err := o.newSession()
	if err != nil {
		return in, err
	}
	ro, err := s.getRollout(ctx, name)
	if err != nil {
		return in, err
	}
	in.rollouts = append(in.rollouts, ro)
	for _, ref := range referencedTemplates(ro) {
		if ref.ClusterScope {
			if t, err := s.sluice.SluiceV1alpha1().ClusterAnalysisTemplates().Get(ctx, ref.TemplateName, metav1.GetOptions{}); err == nil {
				in.templates[templateKey(ref)] = &t.Spec
			}
			continue
		}
		if t, err := s.sluice.SluiceV1alpha1().AnalysisTemplates(s.namespace).Get(ctx, ref.TemplateName, metav1.GetOptions{}); err == nil {
			in.templates[templateKey(ref)] = &t.Spec
		}
	}
	return in, nil
}

// referencedTemplates lists every template a Rollout's analyses name.
func referencedTemplates(ro *v1alpha1.Rollout) []v1alpha1.AnalysisTemplateRef {
	var refs []v1alpha1.AnalysisTemplateRef
	if c := ro.Spec.Strategy.Canary; c != nil {
		for _, step := range c.Steps {
			if step.Analysis != nil {
				refs = append(refs, step.Analysis.Templates...)
			}
		}
	}
	if bg := ro.Spec.Strategy.BlueGreen; bg != nil {
		for _, a := range []*v1alpha1.RolloutAnalysis{bg.PrePromotionAnalysis, bg.PostPromotionAnalysis} {
			if a != nil {
				refs = append(refs, a.Templates...)
			}
		}
	}
	return refs
}
