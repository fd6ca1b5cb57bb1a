package lint

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/sluice-dev/sluice/analysis/metricmatch"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// rolloutAnalysis is one analysis of a Rollout and the path of its field.
type rolloutAnalysis struct {
	at       string
	analysis *v1alpha1.RolloutAnalysis
}

// rolloutAnalyses lists every analysis of a Rollout: steps, background, and
// blue-green pre- and post-promotion.
func rolloutAnalyses(ro *v1alpha1.Rollout) []rolloutAnalysis {
	var out []rolloutAnalysis
	if c := ro.Spec.Strategy.Canary; c != nil {
		if c.Analysis != nil {
			out = append(out, rolloutAnalysis{"spec.strategy.canary.analysis", &c.Analysis.RolloutAnalysis})
		}
		for i, step := range c.Steps {
			if step.Analysis != nil {
				out = append(out, rolloutAnalysis{fmt.Sprintf("spec.strategy.canary.steps[%d].analysis", i), step.Analysis})
			}
		}
	}
	if bg := ro.Spec.Strategy.BlueGreen; bg != nil {
		if bg.PrePromotionAnalysis != nil {
			out = append(out, rolloutAnalysis{"spec.strategy.blueGreen.prePromotionAnalysis", bg.PrePromotionAnalysis})
		}
		if bg.PostPromotionAnalysis != nil {
			out = append(out, rolloutAnalysis{"spec.strategy.blueGreen.postPromotionAnalysis", bg.PostPromotionAnalysis})
		}
	}
	return out
}

// namedTemplate is a template an analysis uses, found in the files.
type namedTemplate struct {
	name string
	spec *v1alpha1.AnalysisTemplateSpec
}

// checkAnalyses checks the template references and arguments of every analysis.
func (l *linter) checkAnalyses(obj *lintObject, ro *v1alpha1.Rollout, ix refIndex) {
	for _, a := range rolloutAnalyses(ro) {
		templates, complete := l.analysisTemplates(obj, ix, a)
		l.checkAnalysisArgs(obj, a, templates, complete)
		l.checkMergedMetrics(obj, a, templates)
		l.checkMergedRules(obj, a, templates, complete)
	}
}

// analysisTemplates resolves the templates of an analysis; complete is false
// when one of them is not in the files (or did not decode).
func (l *linter) analysisTemplates(obj *lintObject, ix refIndex, a rolloutAnalysis) ([]namedTemplate, bool) {
	var out []namedTemplate
	complete := true
	for j, ref := range a.analysis.Templates {
		path := fmt.Sprintf("%s.templates[%d].templateName", a.at, j)
		kind, other := "AnalysisTemplate", "ClusterAnalysisTemplate"
		if ref.ClusterScope {
			kind, other = other, kind
		}
		if ix.find(kind, ref.TemplateName, obj.namespace) == nil && ix.find(other, ref.TemplateName, obj.namespace) != nil {
			l.wrongTemplateScope(obj, ix, path, kind, other, ref)
			complete = false
			continue
		}
		t := l.resolve(obj, ix, path, kind, ref.TemplateName, obj.namespace)
		spec := templateSpec(t)
		if spec == nil {
			complete = false
			continue
		}
		out = append(out, namedTemplate{ref.TemplateName, spec})
	}
	return out, complete
}

// wrongTemplateScope reports a reference to a template that the files have as
// the other kind: an error when the files hold templates of the named kind (it
// must be among them), else a warning, since it may be in the cluster.
func (l *linter) wrongTemplateScope(obj *lintObject, ix refIndex, path, kind, other string, ref v1alpha1.AnalysisTemplateRef) {
	sev := sevWarning
	if len(ix[kind]) > 0 {
		sev = sevError
	}
	l.report(obj, sev, path, fmt.Sprintf("%s %q is not in the files, but a %s of that name is: did you mean clusterScope: %t?",
		kind, ref.TemplateName, other, !ref.ClusterScope))
}

// templateSpec is the spec of a decoded template object, or nil. A template
// with values that did not decode counts as not decoded: its arguments and
// metrics are not all known.
func templateSpec(t *lintObject) *v1alpha1.AnalysisTemplateSpec {
	if t == nil || len(t.undecoded) > 0 {
		return nil
	}
	switch o := t.typed.(type) {
	case *v1alpha1.AnalysisTemplate:
		return &o.Spec
	case *v1alpha1.ClusterAnalysisTemplate:
		return &o.Spec
	}
	return nil
}

// checkAnalysisArgs checks that the analysis supplies every argument its
// templates leave without a value, and (when all templates are known) that each
// argument it passes is declared by one of them.
func (l *linter) checkAnalysisArgs(obj *lintObject, a rolloutAnalysis, templates []namedTemplate, complete bool) {
	supplied := map[string]bool{}
	for _, arg := range a.analysis.Args {
		supplied[arg.Name] = true
	}
	declared, valued := map[string]bool{}, map[string]bool{}
	for _, t := range templates {
		for _, arg := range t.spec.Args {
			declared[arg.Name] = true
			valued[arg.Name] = valued[arg.Name] || arg.Value != nil || arg.ValueFrom != nil
		}
	}
	// Merged into one run, an argument one template leaves to the caller takes
	// the value another template gives it.
	var missing []string
	for _, t := range templates {
		for _, arg := range t.spec.Args {
			if !valued[arg.Name] && !supplied[arg.Name] {
				missing = append(missing, fmt.Sprintf("%q (template %q)", arg.Name, t.name))
				supplied[arg.Name] = true // one message per argument
			}
		}
	}
	l.checkMergedArgValues(obj, a, templates, supplied)
	switch len(missing) {
	case 0:
	case 1:
		l.errorf(obj, a.at+".args", "argument %s has no value in the template and this analysis does not pass it; add it to args", missing[0])
	default:
		l.errorf(obj, a.at+".args", "arguments %s have no value in their templates and this analysis does not pass them; add them to args", andList(missing))
	}
	if !complete {
		return
	}
	for i, arg := range a.analysis.Args {
		if !declared[arg.Name] {
			l.warnf(obj, fmt.Sprintf("%s.args[%d].name", a.at, i), "no template of this analysis declares argument %q; it is ignored", arg.Name)
		}
	}
}

// checkMergedArgValues checks that templates merged into one run do not give
// an argument different values (the Rollout would be InvalidSpec: one template
// would measure with the other's value), unless the analysis passes it.
func (l *linter) checkMergedArgValues(obj *lintObject, a rolloutAnalysis, templates []namedTemplate, supplied map[string]bool) {
	type source struct {
		template string
		arg      v1alpha1.Argument
	}
	first := map[string]source{}
	for j, t := range templates {
		for _, arg := range t.spec.Args {
			if (arg.Value == nil && arg.ValueFrom == nil) || supplied[arg.Name] {
				continue
			}
			f, seen := first[arg.Name]
			if !seen {
				first[arg.Name] = source{t.name, arg}
				continue
			}
			if !equality.Semantic.DeepEqual(f.arg.Value, arg.Value) || !equality.Semantic.DeepEqual(f.arg.ValueFrom, arg.ValueFrom) {
				l.errorf(obj, fmt.Sprintf("%s.templates[%d]", a.at, j), "argument %q has different values in template %q and template %q; give it the same value in both, or pass it in args",
					arg.Name, f.template, t.name)
			}
		}
	}
}

// checkMergedMetrics checks that metric names are unique across the templates
// of one analysis, since they are merged into one AnalysisRun.
func (l *linter) checkMergedMetrics(obj *lintObject, a rolloutAnalysis, templates []namedTemplate) {
	owner := map[string]string{}
	for j, t := range templates {
		for _, m := range t.spec.Metrics {
			if first, dup := owner[m.Name]; dup && first != t.name {
				l.errorf(obj, fmt.Sprintf("%s.templates[%d]", a.at, j), "metric %q is in template %q and in template %q; metric names must be unique across the templates of one analysis",
					m.Name, first, t.name)
				continue
			}
			owner[m.Name] = t.name
		}
	}
}

// checkMergedRules checks the dryRun and measurementRetention rules of one
// analysis against the metrics of the run it makes: the templates' metrics
// merged. A rule that names none of them ends the run in Error. The analysis's
// own rules are checked here in full; a template's rules only for what the
// merge changes (the template itself reports one that does not compile). When
// a template is missing from the files the metrics are not all known, and only
// expressions that do not compile are reported.
func (l *linter) checkMergedRules(obj *lintObject, a rolloutAnalysis, templates []namedTemplate, complete bool) {
	var names []string
	for _, t := range templates {
		for _, m := range t.spec.Metrics {
			names = append(names, m.Name)
		}
	}
	for _, r := range metricRules(a.analysis.DryRun, a.analysis.MeasurementRetention) {
		p := metricmatch.Compile(r.metricName)
		if _, err := p.Match("", names); err == nil || (p.Err() == nil && !complete) {
			continue
		}
		if p.Err() != nil {
			l.errorf(obj, a.at+"."+r.field+".metricName", "%q is not a valid regular expression: %v", r.metricName, p.Err())
		} else {
			l.errorf(obj, a.at+"."+r.field+".metricName", "%s: the analysis's runs would end in Error", noMetricMessage(r.metricName, names))
		}
	}
	if !complete {
		return
	}
	for j, t := range templates {
		for _, r := range metricRules(t.spec.DryRun, t.spec.MeasurementRetention) {
			p := metricmatch.Compile(r.metricName)
			if _, err := p.Match("", names); err != nil && p.Err() == nil {
				l.errorf(obj, fmt.Sprintf("%s.templates[%d]", a.at, j), "template %q: %s.metricName %s: the analysis's runs would end in Error",
					t.name, r.field, noMetricMessage(r.metricName, names))
			}
		}
	}
}
