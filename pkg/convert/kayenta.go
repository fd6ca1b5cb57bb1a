package convert

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// An Argo metric with provider.kayenta asks a Kayenta service to judge the
// experiment's canary against its baseline with a canary config stored in
// Kayenta. sluice's judge provider does that in the controller, and its
// fields follow Kayenta's (docs/judge.md), so the metric converts field by
// field: the scopes become canaryScope and baselineScope, the config's
// metrics the judge's, its classifier the groups and score thresholds.
// Whatever has no counterpart is named in a warning.

// kayentaPlaceholder matches Kayenta's ${NAME} template variables.
var kayentaPlaceholder = regexp.MustCompile(`\$\{\s*([A-Za-z0-9_.]+)\s*\}`)

// kayentaConversion collects what one metric's conversion dropped.
type kayentaConversion struct {
	at   string // the metric's path, for messages
	note func(string)
	// timeArgs are the args the Kayenta scopes' start and end used.
	timeArgs []string
}

func (k *kayentaConversion) dropped(field, why string) {
	k.note(fmt.Sprintf("%s.%s was dropped: %s", k.at, field, why))
}

// convertKayentaMetrics replaces provider.kayenta in each metric of an Argo
// template with a judge. A metric whose canary config was not given is an
// error: its comparisons live in that config.
func (c *Converter) convertKayentaMetrics(obj map[string]any, note func(string)) error {
	spec, _ := obj["spec"].(map[string]any)
	var timeArgs []string
	for i, m := range listOf(spec["metrics"]) {
		provider, _ := m["provider"].(map[string]any)
		kayenta, ok := provider["kayenta"].(map[string]any)
		if !ok {
			continue
		}
		k := &kayentaConversion{at: fmt.Sprintf("spec.metrics[%d].provider.kayenta", i), note: note}
		name, _ := kayenta["canaryConfigName"].(string)
		cfg, ok := c.kayentaConfigFor(name)
		if !ok {
			return fmt.Errorf("metric %q uses Kayenta canary config %q: give it with --kayenta-config FILE (Kayenta's GET /canaryConfig/{id}), as the judge needs its metrics", m["name"], name)
		}
		note(fmt.Sprintf("spec.metrics[%d] (%v): provider.kayenta with canary config %q became provider.judge (docs/judge.md)", i, m["name"], cfg.Name))
		judge, err := k.judge(kayenta, cfg)
		if err != nil {
			return fmt.Errorf("metric %q: %v", m["name"], err)
		}
		delete(provider, "kayenta")
		provider["judge"] = judge
		if m["interval"] == nil && m["initialDelay"] == nil {
			note(fmt.Sprintf("spec.metrics[%d] (%v) looks once, as soon as its window holds one resolution step; Kayenta judged at the experiment's end: give it initialDelay (the experiment's duration) or interval and count", i, m["name"]))
		}
		timeArgs = append(timeArgs, k.timeArgs...)
	}
	dropUnusedArgs(obj, timeArgs, note)
	return nil
}

// judge builds the judge of one kayenta provider.
func (k *kayentaConversion) judge(kayenta map[string]any, cfg *kayentaConfig) (map[string]any, error) {
	judge := map[string]any{}
	for _, f := range []string{"address", "application", "metricsAccountName", "configurationAccountName", "storageAccountName"} {
		if _, ok := kayenta[f]; ok {
			k.dropped(f, "the judge queries Prometheus itself (provider.judge.address, or the controller's --prometheus-address)")
		}
	}
	if err := k.scopes(kayenta, judge); err != nil {
		return nil, err
	}
	k.scoring(kayenta, cfg, judge)
	var metrics []any
	for i, m := range cfg.Metrics {
		if q, ok := k.metric(fmt.Sprintf("%s metrics[%d] (%s)", cfg.Name, i, m.Name), m, cfg); ok {
			metrics = append(metrics, q)
		}
	}
	if len(metrics) == 0 {
		return nil, fmt.Errorf("no metric of Kayenta canary config %q queries Prometheus, so the judge would compare nothing", cfg.Name)
	}
	judge["metrics"] = metrics
	if len(cfg.Judge) > 0 {
		k.note(fmt.Sprintf("Kayenta canary config %q: judge %v was dropped: sluice's judge tests each metric (Mann-Whitney for series) and needs the p-value as well as the effect size (docs/judge.md)", cfg.Name, cfg.Judge["name"]))
	}
	return judge, nil
}

// scopes sets canaryScope and baselineScope from the experiment and control
// scopes (the one named "default", else the first) and the resolution from
// their step.
func (k *kayentaConversion) scopes(kayenta, judge map[string]any) error {
	scopes := listOf(kayenta["scopes"])
	if len(scopes) == 0 {
		return fmt.Errorf("%s.scopes is empty: the judge needs the canary's and the baseline's scope", k.at)
	}
	chosen := 0
	for i, s := range scopes {
		if s["name"] == "default" {
			chosen = i
		}
	}
	for i := range scopes {
		if i != chosen {
			k.dropped(fmt.Sprintf("scopes[%d]", i), fmt.Sprintf("the judge compares one scope (%v) for every metric", scopes[chosen]["name"]))
		}
	}
	scope := scopes[chosen]
	experiment, _ := scope["experimentScope"].(map[string]any)
	control, _ := scope["controlScope"].(map[string]any)
	canary, _ := experiment["scope"].(string)
	baseline, _ := control["scope"].(string)
	if canary == "" || baseline == "" {
		return fmt.Errorf("%s.scopes[%d] needs experimentScope.scope and controlScope.scope", k.at, chosen)
	}
	judge["canaryScope"], judge["baselineScope"] = canary, baseline
	k.checkHashLabel(fmt.Sprintf("%s.scopes[%d]", k.at, chosen), canary+" "+baseline)
	for _, side := range []struct {
		name   string
		detail map[string]any
	}{{"experimentScope", experiment}, {"controlScope", control}} {
		at, detail := fmt.Sprintf("scopes[%d].%s", chosen, side.name), side.detail
		for _, f := range []string{"start", "end"} {
			if v, ok := detail[f].(string); ok {
				k.timeArgs = append(k.timeArgs, argNames(v)...)
				k.dropped(at+"."+f, "the judge's window runs from its run's start (plus warmup) to each look")
			}
		}
		if _, ok := detail["region"]; ok {
			k.dropped(at+".region", "the judge's queries go to one Prometheus")
		}
	}
	if step, ok := number(experiment["step"]); ok && step > 0 {
		judge["resolution"] = strconv.FormatFloat(step, 'f', -1, 64) + "s"
	}
	return nil
}

// scoring sets pass, marginal and the group weights.
func (k *kayentaConversion) scoring(kayenta map[string]any, cfg *kayentaConfig, judge map[string]any) {
	pass, marginal := 0.0, 0.0
	if t := cfg.Classifier.ScoreThresholds; t != nil {
		pass, marginal = t.Pass, t.Marginal
	}
	// The provider's threshold overrides the config's, as in Kayenta's request.
	if t, ok := kayenta["threshold"].(map[string]any); ok {
		if v, ok := number(t["pass"]); ok {
			pass = v
		}
		if v, ok := number(t["marginal"]); ok {
			marginal = v
		}
	}
	if pass > 0 {
		judge["pass"] = k.whole("pass", pass)
	}
	if marginal > 0 {
		judge["marginal"] = k.whole("marginal", marginal)
	}
	var groups []any
	for _, name := range slices.Sorted(maps.Keys(cfg.Classifier.GroupWeights)) {
		groups = append(groups, map[string]any{"name": name, "weight": k.whole("group "+name+" weight", cfg.Classifier.GroupWeights[name])})
	}
	if len(groups) > 0 {
		judge["groups"] = groups
	}
}

// whole rounds a score or weight to the integer the judge takes.
func (k *kayentaConversion) whole(what string, v float64) int64 {
	r := math.Round(v)
	if r != v {
		k.note(fmt.Sprintf("%s: %s %v was rounded to %v", k.at, what, v, r))
	}
	return int64(r)
}

// metric maps one canary config metric onto a judge metric; false drops it.
func (k *kayentaConversion) metric(at string, m kayentaMetric, cfg *kayentaConfig) (map[string]any, bool) {
	query, ok := k.query(at, m.Query, cfg)
	if !ok {
		return nil, false
	}
	q := map[string]any{"name": m.Name, "query": query}
	if len(m.Groups) > 0 {
		q["group"] = m.Groups[0]
		if len(m.Groups) > 1 {
			k.note(fmt.Sprintf("Kayenta canary config %s: groups %v: a judge metric counts in one group, %s", at, m.Groups, m.Groups[0]))
		}
	}
	canary := m.AnalysisConfigurations.Canary
	for _, f := range slices.Sorted(maps.Keys(canary)) {
		v := canary[f]
		switch f {
		case "direction":
			q["direction"] = v
		case "critical":
			if v == true {
				q["critical"] = true
			}
		case "nanStrategy":
			q["nan"] = v
		case "effectSize":
			if es := k.effectSize(at, v); len(es) > 0 {
				q["effectSize"] = es
			}
		case "outliers":
			o, _ := v.(map[string]any)
			if s, ok := o["strategy"].(string); ok {
				q["outliers"] = s
			}
			for _, of := range slices.Sorted(maps.Keys(o)) {
				if of != "strategy" {
					k.note(fmt.Sprintf("Kayenta canary config %s: outliers.%s was dropped: the judge removes samples outside 1.5 interquartile ranges", at, of))
				}
			}
		case "mustHaveData":
			k.note(fmt.Sprintf("Kayenta canary config %s: mustHaveData was dropped: the judge's noData (Inconclusive or Failed) applies to every metric, and no data is never a pass", at))
		default:
			k.note(fmt.Sprintf("Kayenta canary config %s: analysisConfigurations.canary.%s was dropped: the judge has no such setting", at, f))
		}
	}
	if m.ScopeName != "" && m.ScopeName != "default" {
		k.note(fmt.Sprintf("Kayenta canary config %s: scopeName %q: the judge compares one scope for every metric", at, m.ScopeName))
	}
	return q, true
}

// effectSize maps allowedIncrease and allowedDecrease (ratios, as the judge's).
func (k *kayentaConversion) effectSize(at string, v any) map[string]any {
	es, _ := v.(map[string]any)
	out := map[string]any{}
	for _, f := range slices.Sorted(maps.Keys(es)) {
		n, isNumber := number(es[f])
		switch {
		case (f == "allowedIncrease" || f == "allowedDecrease") && isNumber:
			out[f] = strconv.FormatFloat(n, 'f', -1, 64)
		default:
			k.note(fmt.Sprintf("Kayenta canary config %s: effectSize.%s was dropped: the judge's effect size is allowedIncrease and allowedDecrease of the ratio of means", at, f))
		}
	}
	return out
}

// query is a config metric's PromQL with {{scope}} where Kayenta put the
// scope; false when the metric queries another kind of store.
func (k *kayentaConversion) query(at string, q map[string]any, cfg *kayentaConfig) (string, bool) {
	kind, _ := q["type"].(string)
	if kind == "" {
		kind, _ = q["serviceType"].(string)
	}
	if kind != "prometheus" {
		k.note(fmt.Sprintf("Kayenta canary config %s was dropped: it queries %q, and the judge queries Prometheus", at, kind))
		return "", false
	}
	metricName, _ := q["metricName"].(string)
	var query string
	switch inline, _ := q["customInlineTemplate"].(string); {
	case inline != "":
		query = strings.TrimSpace(strings.TrimPrefix(inline, "PromQL:"))
	case q["customFilterTemplate"] != nil:
		name, _ := q["customFilterTemplate"].(string)
		filter, ok := cfg.Templates[name]
		if !ok {
			k.note(fmt.Sprintf("Kayenta canary config %s was dropped: its customFilterTemplate %q is not among the config's templates", at, name))
			return "", false
		}
		query = metricName + "{" + filter + "}"
	case q["customFilter"] != nil:
		query = fmt.Sprintf("%s{%v}", metricName, q["customFilter"])
	default:
		query = metricName + `{pod_template_hash="${scope}"}`
		k.note(fmt.Sprintf("Kayenta canary config %s: no query template, so the judge query is %s{pod_template_hash=\"{{scope}}\"}: check the label that tells the sides apart (manifests/analysis/README.md)", at, metricName))
	}
	for _, f := range []string{"labelBindings", "groupByFields"} {
		if list, _ := q[f].([]any); len(list) > 0 {
			k.note(fmt.Sprintf("Kayenta canary config %s: query.%s was dropped: write them into the query", at, f))
		}
	}
	query = kayentaPlaceholder.ReplaceAllStringFunc(query, func(ref string) string {
		name := kayentaPlaceholder.FindStringSubmatch(ref)[1]
		if name == "scope" {
			return "{{scope}}"
		}
		k.note(fmt.Sprintf("Kayenta canary config %s: the query's ${%s} has no counterpart in the judge: edit the query", at, name))
		return ref
	})
	k.checkHashLabel("Kayenta canary config "+at+": the query", query)
	return query, true
}

// checkHashLabel warns about Argo's pod-template-hash label, which sluice's
// pods do not carry.
func (k *kayentaConversion) checkHashLabel(where, text string) {
	if strings.Contains(text, "rollouts-pod-template-hash") || strings.Contains(text, "rollouts_pod_template_hash") {
		k.note(fmt.Sprintf("%s names Argo's rollouts-pod-template-hash label; sluice's pods carry sluice.dev/pod-template-hash (as pod_template_hash in Prometheus, manifests/analysis/README.md)", where))
	}
}

// argRE matches {{args.NAME}}.
var argRE = regexp.MustCompile(`\{\{\s*args\.([^}\s]+)\s*\}\}`)

func argNames(s string) []string {
	var out []string
	for _, m := range argRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// dropUnusedArgs removes the template args among candidates that nothing
// in the converted template uses any more (the Kayenta scopes' start and end).
func dropUnusedArgs(obj map[string]any, candidates []string, note func(string)) {
	if len(candidates) == 0 {
		return
	}
	spec, _ := obj["spec"].(map[string]any)
	used := map[string]bool{}
	metrics, _ := json.Marshal(spec["metrics"])
	for _, n := range argNames(string(metrics)) {
		used[n] = true
	}
	args, _ := spec["args"].([]any)
	kept := args[:0:0]
	for _, a := range args {
		m, _ := a.(map[string]any)
		name, _ := m["name"].(string)
		if slices.Contains(candidates, name) && !used[name] {
			note(fmt.Sprintf("spec.args %q was dropped: only the Kayenta scopes' start or end used it", name))
			continue
		}
		kept = append(kept, a)
	}
	if len(kept) == 0 {
		delete(spec, "args")
	} else {
		spec["args"] = kept
	}
}

// number reads a YAML or JSON number.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	}
	return 0, false
}
