package convert

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/sluice-dev/sluice/pkg/internal/fieldpath"
)

// Argo Rollouts compares a canary with a baseline through an experiment step:
// two extra ReplicaSets, one from the stable spec and one from the canary's,
// of a fixed size, with analyses (usually Kayenta) over their pods. sluice
// has the baseline built in: canary.baseline runs fresh stable pods beside the
// canary, as many as it has at every step, and an analysis step judges them.
// convertExperimentSteps rewrites that pattern; an experiment of any other
// shape is dropped with the other unknown fields.

// argoHashRef matches Argo's {{templates.NAME.podTemplateHash}}.
var argoHashRef = regexp.MustCompile(`^\{\{\s*templates\.([^.}\s]+)\.podTemplateHash\s*\}\}$`)

// experimentShape is what convert needs of an experiment step.
type experimentShape struct {
	templates []map[string]any
	// baseline and canary index the templates with specRef stable and canary.
	baseline, canary int
	analyses         []map[string]any
}

func experimentOf(step map[string]any) (experimentShape, bool) {
	exp, _ := step["experiment"].(map[string]any)
	s := experimentShape{templates: listOf(exp["templates"]), baseline: -1, canary: -1, analyses: listOf(exp["analyses"])}
	for i, t := range s.templates {
		switch t["specRef"] {
		case "stable":
			s.baseline = i
		case "canary":
			s.canary = i
		}
	}
	return s, s.baseline >= 0 && s.canary >= 0 && len(s.analyses) > 0
}

func (s experimentShape) templateName(i int) any { return s.templates[i]["name"] }

// convertExperimentSteps turns each experiment step with a stable and a
// canary template and analyses into an analysis step of the same analyses,
// and turns on canary.baseline; note tells the user what changed and what was
// dropped, one line each.
func convertExperimentSteps(obj map[string]any, note func(string)) {
	const base = "spec.strategy.canary"
	canary, ok := fieldpath.Lookup(obj, base).(map[string]any)
	if !ok {
		return
	}
	steps, _ := canary["steps"].([]any)
	converted := false
	for i, raw := range steps {
		step, _ := raw.(map[string]any)
		shape, ok := experimentOf(step)
		if !ok {
			continue
		}
		at := fmt.Sprintf("%s.steps[%d].experiment", base, i)
		note(fmt.Sprintf("%s (a baseline from the stable spec beside the canary) became spec.strategy.canary.baseline and an analysis step of %s",
			at, strings.Join(shape.templateNames(), ", ")))
		steps[i] = map[string]any{"analysis": experimentAnalysis(at, shape, note)}
		noteExperimentDrops(at, step["experiment"].(map[string]any), shape, note)
		if !converted {
			canary["baseline"] = baselineFrom(at, shape, note)
			converted = true
		}
	}
	if converted && canary["trafficRouting"] != nil && canary["baselineService"] == nil {
		name := objectName(obj) + "-baseline"
		canary["baselineService"] = name
		note(fmt.Sprintf("%s.baselineService: set to %q, which must exist (a Service like %v): with a traffic router the baseline's share goes to it",
			base, name, canary["stableService"]))
	}
}

// templateNames are the analysis templates the experiment runs.
func (s experimentShape) templateNames() []string {
	names := make([]string, len(s.analyses))
	for i, a := range s.analyses {
		names[i] = fmt.Sprint(a["templateName"])
	}
	return names
}

// experimentAnalysis is the analysis step that replaces an experiment: its
// analyses' templates, and their args with the experiment's pod-template
// hashes as the Rollout's (Baseline and Latest).
func experimentAnalysis(at string, shape experimentShape, note func(string)) map[string]any {
	var templates, args []any
	seen := map[string]any{}
	for i, a := range shape.analyses {
		ref := map[string]any{"templateName": a["templateName"]}
		if a["clusterScope"] == true {
			ref["clusterScope"] = true
		}
		templates = append(templates, ref)
		for j, arg := range listOf(a["args"]) {
			where := fmt.Sprintf("%s.analyses[%d].args[%d]", at, i, j)
			mapped, ok := experimentArg(where, arg, shape, note)
			if !ok {
				continue
			}
			name := fmt.Sprint(arg["name"])
			if prev, dup := seen[name]; dup {
				if fmt.Sprint(prev) != fmt.Sprint(mapped) {
					note(fmt.Sprintf("%s: argument %q is passed twice with different values; the first is kept", where, name))
				}
				continue
			}
			seen[name] = mapped
			args = append(args, mapped)
		}
	}
	analysis := map[string]any{"templates": templates}
	if len(args) > 0 {
		analysis["args"] = args
	}
	return analysis
}

// experimentArg maps one argument of an experiment's analysis: the hashes of
// its templates become the Rollout's, the experiment's times are dropped
// (a judge's window is its run's), everything else carries over.
func experimentArg(where string, arg map[string]any, shape experimentShape, note func(string)) (map[string]any, bool) {
	value, isString := arg["value"].(string)
	if !isString {
		return arg, true
	}
	if m := argoHashRef.FindStringSubmatch(value); m != nil {
		switch m[1] {
		case shape.templateName(shape.baseline):
			return hashValueFrom(arg["name"], "Baseline"), true
		case shape.templateName(shape.canary):
			return hashValueFrom(arg["name"], "Latest"), true
		}
	}
	switch {
	case strings.Contains(value, "{{experiment."):
		note(fmt.Sprintf("%s: argument %q (%s) was dropped: a judge's window is its run's, from the analysis step's start", where, arg["name"], value))
		return nil, false
	case strings.Contains(value, "{{templates."):
		note(fmt.Sprintf("%s: argument %q (%s) names an experiment template sluice does not run and was dropped", where, arg["name"], value))
		return nil, false
	}
	return arg, true
}

func hashValueFrom(name any, which string) map[string]any {
	return map[string]any{"name": name, "valueFrom": map[string]any{"podTemplateHashValue": which}}
}

// baselineFrom is canary.baseline: as many pods as the canary (an experiment's
// fixed size does not follow the canary's weight), with the baseline
// template's pod metadata.
func baselineFrom(at string, shape experimentShape, note func(string)) map[string]any {
	b := map[string]any{"replicas": "matchCanary"}
	baseline := shape.templates[shape.baseline]
	if md, ok := baseline["metadata"].(map[string]any); ok {
		kept := map[string]any{}
		for _, k := range []string{"labels", "annotations"} {
			if v, ok := md[k]; ok {
				kept[k] = v
			}
		}
		if len(kept) > 0 {
			b["metadata"] = kept
		}
	}
	if r, ok := baseline["replicas"]; ok {
		note(fmt.Sprintf("%s: the baseline's replicas (%v) became matchCanary: the baseline has as many pods as the canary at every step", at, r))
	}
	return b
}

// noteExperimentDrops names the parts of an experiment with no counterpart.
func noteExperimentDrops(at string, exp map[string]any, shape experimentShape, note func(string)) {
	if d, ok := exp["duration"]; ok {
		note(fmt.Sprintf("%s.duration (%v) was dropped: the analysis step lasts as long as its metrics; to judge %v of data as the experiment did, give the judge metric initialDelay: %v (or interval and count)", at, d, d, d))
	}
	for _, k := range slices.Sorted(maps.Keys(exp)) {
		if k != "duration" && k != "templates" && k != "analyses" {
			note(fmt.Sprintf("%s.%s was dropped: sluice has no experiments", at, k))
		}
	}
	for i, t := range shape.templates {
		switch {
		case i == shape.canary || i == shape.baseline:
			for _, k := range slices.Sorted(maps.Keys(t)) {
				// The baseline's size and pod metadata carry over (baselineFrom).
				kept := k == "name" || k == "specRef" || (i == shape.baseline && (k == "replicas" || k == "metadata"))
				if !kept {
					note(fmt.Sprintf("%s.templates[%d].%s was dropped: the baseline and the canary are sluice's own ReplicaSets", at, i, k))
				}
			}
		default:
			note(fmt.Sprintf("%s.templates[%d] (%v) was dropped: sluice runs only the baseline beside the canary", at, i, t["name"]))
		}
	}
	for i, a := range shape.analyses {
		for _, k := range slices.Sorted(maps.Keys(a)) {
			if k != "name" && k != "templateName" && k != "clusterScope" && k != "args" {
				note(fmt.Sprintf("%s.analyses[%d].%s was dropped: an analysis step always waits for its analysis", at, i, k))
			}
		}
	}
}
