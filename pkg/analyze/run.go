package analyze

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Request is what the user asked to analyze.
type Request struct {
	Template  TemplateRef
	Spec      *v1alpha1.AnalysisTemplateSpec
	Namespace string
	// Given are the -a NAME=VALUE values; they win over everything.
	Given map[string]string
	// FromRollout are the values the Rollout's analysis passes (nil without
	// --rollout); they win over the template's own.
	FromRollout map[string]string
	// WindowStart opens the window of judge metrics: the run "started" then.
	WindowStart time.Time
}

// ArgShown is an argument as the report shows it: never a Secret's value.
type ArgShown struct {
	Name, Text string
}

// BuildRun makes the AnalysisRun that analyze measures once, in memory: the
// template's metrics, each measured once now (count, interval and
// initialDelay dropped, so a judge spends its whole alpha on this one look),
// and its arguments with their values. An argument without a value, or a -a
// the template does not declare, is an error that says what to give.
func BuildRun(req Request) (*v1alpha1.AnalysisRun, []ArgShown, error) {
	declared := map[string]bool{}
	var args []v1alpha1.Argument
	var shown []ArgShown
	for _, a := range req.Spec.Args {
		declared[a.Name] = true
		text := ""
		switch v, given := req.Given[a.Name]; {
		case given:
			a.Value, a.ValueFrom, text = &v, nil, v
		case req.FromRollout != nil && hasKey(req.FromRollout, a.Name):
			v := req.FromRollout[a.Name]
			a.Value, a.ValueFrom, text = &v, nil, v
		case a.Value != nil:
			text = *a.Value
		case a.ValueFrom != nil && a.ValueFrom.SecretKeyRef != nil:
			text = fmt.Sprintf("<Secret %s, key %s>", a.ValueFrom.SecretKeyRef.Name, a.ValueFrom.SecretKeyRef.Key)
		case a.ValueFrom != nil && a.ValueFrom.FieldRef != nil:
			text = "<fieldRef " + a.ValueFrom.FieldRef.FieldPath + ">"
		default:
			return nil, nil, missingArg(req, a.Name)
		}
		args = append(args, a)
		shown = append(shown, ArgShown{a.Name, text})
	}
	// The controller also passes a Rollout's values for arguments the
	// template does not declare.
	for _, name := range undeclared(req.FromRollout, declared) {
		v := req.FromRollout[name]
		args = append(args, v1alpha1.Argument{Name: name, Value: &v})
	}
	if unknown := undeclared(req.Given, declared); len(unknown) > 0 {
		return nil, nil, fmt.Errorf("%s %q has no argument %s (its arguments: %s)", req.Template.Kind(), req.Template.Name, quoteList(unknown), argNames(req.Spec.Args))
	}
	metrics := make([]v1alpha1.Metric, len(req.Spec.Metrics))
	for i, m := range req.Spec.Metrics {
		m.Count, m.Interval, m.InitialDelay = nil, "", ""
		metrics[i] = m
	}
	started := metav1.NewTime(req.WindowStart)
	run := &v1alpha1.AnalysisRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: req.Namespace, Name: req.Template.Name},
		Spec: v1alpha1.AnalysisRunSpec{
			Metrics: metrics, Args: args,
			DryRun: req.Spec.DryRun, MeasurementRetention: req.Spec.MeasurementRetention,
		},
		Status: v1alpha1.AnalysisRunStatus{Phase: v1alpha1.AnalysisPhaseRunning, StartedAt: &started},
	}
	return run, shown, nil
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

func missingArg(req Request, name string) error {
	hint := ""
	if req.FromRollout == nil {
		hint = ", or --rollout NAME for the values a Rollout passes"
	}
	return fmt.Errorf("argument %q of %s %q has no value: give it with -a %s=VALUE%s", name, req.Template.Kind(), req.Template.Name, name, hint)
}

func undeclared(given map[string]string, declared map[string]bool) []string {
	var out []string
	for k := range given {
		if !declared[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func argNames(args []v1alpha1.Argument) string {
	if len(args) == 0 {
		return "none"
	}
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

func quoteList(names []string) string {
	q := slices.Clone(names)
	for i := range q {
		q[i] = fmt.Sprintf("%q", q[i])
	}
	return strings.Join(q, ", ")
}
