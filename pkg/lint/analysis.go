package lint

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/sluice-dev/sluice/analysis/evaluate"
	"github.com/sluice-dev/sluice/analysis/metricmatch"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// checkTemplateSpec checks the metrics and arguments of an AnalysisTemplate,
// ClusterAnalysisTemplate or (isRun) AnalysisRun: what the analysis controller
// would only find when the run starts.
func (l *linter) checkTemplateSpec(obj *lintObject, spec *v1alpha1.AnalysisTemplateSpec, isRun bool) {
	args := templateArgs{values: map[string]*string{}, unreadable: map[string]bool{}}
	args.namesUnreadable = obj.lost("spec.args")
	for i, arg := range spec.Args {
		at := fmt.Sprintf("spec.args[%d]", i)
		args.values[arg.Name] = arg.Value
		args.namesUnreadable = args.namesUnreadable || obj.lost(at+".name")
		args.unreadable[arg.Name] = obj.partlyLost(at + ".value")
		if isRun && arg.Value == nil && arg.ValueFrom == nil {
			l.errorf(obj, fmt.Sprintf("spec.args[%d]", i), "argument %q has no value: the run would end in Error (argument %s was not supplied)", arg.Name, arg.Name)
		}
	}
	var names []string
	namesKnown := !obj.lost("spec.metrics")
	for i := range spec.Metrics {
		at := fmt.Sprintf("spec.metrics[%d]", i)
		names = append(names, spec.Metrics[i].Name)
		namesKnown = namesKnown && !obj.lost(at+".name")
		l.checkMetric(obj, at, &spec.Metrics[i], args)
	}
	for _, r := range metricRules(spec.DryRun, spec.MeasurementRetention) {
		l.checkMetricRule(obj, "spec."+r.field, r.metricName, names, namesKnown, isRun)
	}
}

// templateArgs are the arguments a template declares, as far as they decoded.
type templateArgs struct {
	// values are the literal values by name; nil when the caller passes it.
	values map[string]*string
	// unreadable holds the args whose value did not decode, and
	// namesUnreadable is set when a name did not: then any {{args.NAME}} may
	// be declared.
	unreadable      map[string]bool
	namesUnreadable bool
}

// readable reports whether every argument s refers to is known: a rule that
// substitutes them would otherwise judge a value lint could not read.
func (a templateArgs) readable(s string) bool {
	for _, name := range argReferences(s) {
		if _, declared := a.values[name]; a.unreadable[name] || (!declared && a.namesUnreadable) {
			return false
		}
	}
	return true
}

// metricRule is a dryRun or measurementRetention rule: its field ("dryRun[0]")
// and its metricName.
type metricRule struct{ field, metricName string }

func metricRules(dryRun []v1alpha1.DryRun, retention []v1alpha1.MeasurementRetention) []metricRule {
	var out []metricRule
	for i, d := range dryRun {
		out = append(out, metricRule{fmt.Sprintf("dryRun[%d]", i), d.MetricName})
	}
	for i, r := range retention {
		out = append(out, metricRule{fmt.Sprintf("measurementRetention[%d]", i), r.MetricName})
	}
	return out
}

// checkMetricRule checks a dryRun or measurementRetention metricName the way
// the analysis controller reads it (a regular expression over whole metric
// names, see package metricmatch): one that does not compile is an error; one
// that names none of the metrics ends a run in Error, so it is an error in a
// run. In a template it is a warning: a Rollout may merge the template with
// another that has the metric (checkMergedRules checks that case). Without
// all the metrics' names (one did not decode) only the expression is checked.
func (l *linter) checkMetricRule(obj *lintObject, at, metricName string, metrics []string, namesKnown, isRun bool) {
	p := metricmatch.Compile(metricName)
	_, err := p.Match("", metrics)
	switch {
	case err == nil, p.Err() == nil && !namesKnown:
	case p.Err() != nil:
		l.errorf(obj, at+".metricName", "%q is not a valid regular expression: %v", metricName, p.Err())
	case isRun:
		l.errorf(obj, at+".metricName", "%s: the run would end in Error", noMetricMessage(metricName, metrics))
	default:
		l.warnf(obj, at+".metricName", "%s: a run of this template alone ends in Error", noMetricMessage(metricName, metrics))
	}
}

// noMetricMessage says that a metricName names none of the metrics.
func noMetricMessage(metricName string, metrics []string) string {
	names := slices.Compact(slices.Sorted(slices.Values(metrics)))
	return fmt.Sprintf("%q matches no metric (the metrics are %s; a metricName is a regular expression over the whole name, %q means all)",
		metricName, strings.Join(names, ", "), metricmatch.All)
}

// checkMetric checks one metric: every {{args.NAME}} it uses is declared, its
// conditions compile, its Prometheus query parses, its counts are numbers,
// and its provider is usable.
func (l *linter) checkMetric(obj *lintObject, at string, m *v1alpha1.Metric, args templateArgs) {
	walkStrings(valueAt(obj.raw, at), at, func(path, s string) {
		for _, name := range argReferences(s) {
			if _, ok := args.values[name]; !ok && !args.namesUnreadable {
				l.errorf(obj, path, "uses {{args.%s}}, but spec.args declares no argument %q", name, name)
			}
		}
	})
	l.checkConditions(obj, at, m, args)
	if prom := m.Provider.Prometheus; prom != nil {
		l.checkPromQL(obj, at+".provider.prometheus.query", prom.Query, args)
	}
	l.checkCounts(obj, at, m)
	if web := m.Provider.Web; web != nil && web.Body != "" && len(web.JSONBody) > 0 {
		l.errorf(obj, at+".provider.web", "body and jsonBody are both set; set one of them")
	}
	if job := m.Provider.Job; job != nil {
		l.checkJob(obj, at+".provider.job.spec.template", &job.Spec.Template)
	}
}

// checkConditions compiles the success and failure conditions with the analysis
// controller's own compiler, after substituting args as it does when a run
// starts. An argument without a value in the template (the caller passes it) is
// taken as 0; a condition that only fails to compile because of that guess is a
// warning, not an error.
func (l *linter) checkConditions(obj *lintObject, at string, m *v1alpha1.Metric, args templateArgs) {
	for _, c := range []struct{ field, source string }{
		{"successCondition", m.SuccessCondition}, {"failureCondition", m.FailureCondition},
	} {
		if !args.readable(c.source) {
			continue
		}
		resolved, guessed := substituteArgs(c.source, args.values)
		var err error
		if c.field == "successCondition" {
			_, err = evaluate.Compile(m.Name, resolved, "")
		} else {
			_, err = evaluate.Compile(m.Name, "", resolved)
		}
		if err == nil {
			continue
		}
		// evaluate's message names the metric and field; the path says both.
		msg := strings.TrimPrefix(err.Error(), fmt.Sprintf("metric %q: %s ", m.Name, c.field))
		switch {
		case len(guessed) > 0:
			l.warnf(obj, at+"."+c.field, "%s (after substituting args, with %s taken as 0 since the template gives no value)", msg, andList(guessed))
		case resolved != c.source:
			l.errorf(obj, at+"."+c.field, "%s (after substituting args)", msg)
		default:
			l.errorf(obj, at+"."+c.field, "%s", msg)
		}
	}
}

// substituteArgs puts the values of args into s, as the analysis controller
// does, and returns the names of the args without a value, which become 0.
func substituteArgs(s string, args map[string]*string) (string, []string) {
	var guessed []string
	out := argRefRE.ReplaceAllStringFunc(s, func(ref string) string {
		name := argRefRE.FindStringSubmatch(ref)[1]
		if v := args[name]; v != nil {
			return *v
		}
		if !slices.Contains(guessed, name) {
			guessed = append(guessed, name)
		}
		return "0"
	})
	return out, guessed
}

// checkCounts checks count and the limits: integers (or {{args.NAME}}, resolved
// when the run starts), and limits of -1 (disabled) or more.
func (l *linter) checkCounts(obj *lintObject, at string, m *v1alpha1.Metric) {
	for _, c := range []struct {
		field string
		value *intstr.IntOrString
		limit bool
	}{
		{"count", m.Count, false}, {"failureLimit", m.FailureLimit, true},
		{"inconclusiveLimit", m.InconclusiveLimit, true}, {"consecutiveErrorLimit", m.ConsecutiveErrorLimit, true},
	} {
		v := c.value
		switch {
		case v == nil:
		case v.Type == intstr.String && !isIntOrArg(v.StrVal):
			l.errorf(obj, at+"."+c.field, "%q is not an integer or an {{args.NAME}} reference", v.StrVal)
		case c.limit && v.Type == intstr.Int && v.IntVal < -1:
			l.errorf(obj, at+"."+c.field, "must be -1 (no limit) or more, got %d", v.IntVal)
		case !c.limit && v.Type == intstr.Int && v.IntVal < 0:
			l.errorf(obj, at+"."+c.field, "must not be negative, got %d", v.IntVal)
		}
	}
}

// checkJob checks the pod template of a job metric: the Job API only accepts
// pods that do not restart Always, which is the pod default.
func (l *linter) checkJob(obj *lintObject, at string, t *corev1.PodTemplateSpec) {
	l.checkPodTemplate(obj, at, t)
	switch t.Spec.RestartPolicy {
	case corev1.RestartPolicyNever, corev1.RestartPolicyOnFailure:
	case "":
		l.errorf(obj, at+".spec.restartPolicy", "required field is missing: a Job's pods need restartPolicy Never or OnFailure")
	default:
		l.errorf(obj, at+".spec.restartPolicy", "%q is not allowed for a Job's pods; use Never or OnFailure", t.Spec.RestartPolicy)
	}
}

var (
	argRefRE  = regexp.MustCompile(`\{\{\s*args\.([^\s}]+)\s*\}\}`)
	onlyArgRE = regexp.MustCompile(`^\{\{\s*args\.[^\s}]+\s*\}\}$`)
)

// argReferences returns the NAMEs of the {{args.NAME}} in s.
func argReferences(s string) []string {
	var names []string
	for _, m := range argRefRE.FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	return names
}

// isIntOrArg reports whether an int-or-string count is an integer or an
// argument reference that becomes one when the run starts.
func isIntOrArg(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil || onlyArgRE.MatchString(s)
}

// walkStrings calls fn with every string below v and its path.
func walkStrings(v any, at string, fn func(path, s string)) {
	switch c := v.(type) {
	case string:
		fn(at, c)
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(c)) {
			walkStrings(c[k], joinPath(at, k), fn)
		}
	case []any:
		for i, item := range c {
			walkStrings(item, fmt.Sprintf("%s[%d]", at, i), fn)
		}
	}
}
