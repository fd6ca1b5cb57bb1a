package analysis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/sluice-dev/sluice/analysis/evaluate"
	"github.com/sluice-dev/sluice/analysis/metricmatch"
	"github.com/sluice-dev/sluice/analysis/provider"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// errorRetryDelay is how long after an Error measurement the next try comes
// (SPEC §3.2), whatever the metric's interval.
const errorRetryDelay = 10 * time.Second

// metric is one of a run's metrics, ready to measure: args substituted,
// durations and limits parsed, conditions compiled. It is built once per run
// generation, so a run measured every second does not recompile its expressions.
type metric struct {
	spec         v1alpha1.Metric
	interval     time.Duration
	initialDelay time.Duration
	// count is the number of measurements to take; nil takes them until the run
	// is terminated.
	count                                                  *int32
	failureLimit, inconclusiveLimit, consecutiveErrorLimit int32
	retain                                                 int32
	dryRun                                                 bool
	conditions                                             *evaluate.Conditions
	provider                                               provider.Provider
}

// preparedRun is a run's metrics and the secret values to hide in its messages.
type preparedRun struct {
	generation int64
	metrics    []*metric
	secrets    []string
	// startedAt is when this process started the run, kept while the write
	// that stores it is held (see holdStartWrite).
	startedAt *metav1.Time
}

// argRef matches {{args.name}} (spaces inside the braces allowed).
var argRef = regexp.MustCompile(`\{\{\s*args\.([^}\s]+)\s*\}\}`)

// prepareMetric substitutes args into a metric and parses and compiles it. Every
// error names the metric and says what to fix; the run becomes Error with it.
func prepareMetric(spec v1alpha1.Metric, args map[string]string, providers map[string]provider.Provider) (*metric, error) {
	resolved, err := substitute(spec, args)
	if err != nil {
		return nil, err
	}
	m := &metric{spec: resolved}
	if m.interval, err = parseDuration(resolved.Name, "interval", resolved.Interval); err != nil {
		return nil, err
	}
	if m.initialDelay, err = parseDuration(resolved.Name, "initialDelay", resolved.InitialDelay); err != nil {
		return nil, err
	}
	if err := m.parseLimits(); err != nil {
		return nil, err
	}
	if m.conditions, err = evaluate.Compile(resolved.Name, resolved.SuccessCondition, resolved.FailureCondition); err != nil {
		return nil, err
	}
	m.provider = providers[resolved.Provider.Type()]
	if m.provider == nil {
		return nil, fmt.Errorf("metric %q: no provider set (want one of prometheus, web, job, judge)", resolved.Name)
	}
	if w := resolved.Provider.Web; w != nil && w.Body != "" && len(w.JSONBody) > 0 {
		return nil, fmt.Errorf("metric %q: provider.web: set body or jsonBody, not both", resolved.Name)
	}
	return m, nil
}

// parseLimits reads count and the limits, which may be ints or (after arg
// substitution) numeric strings.
func (m *metric) parseLimits() error {
	s := m.spec
	var err error
	if m.count, err = countValue(s.Name, s.Count, m.interval); err != nil {
		return err
	}
	if m.failureLimit, err = limitValue(s.Name, "failureLimit", s.FailureLimit, 0); err != nil {
		return err
	}
	if m.inconclusiveLimit, err = limitValue(s.Name, "inconclusiveLimit", s.InconclusiveLimit, 0); err != nil {
		return err
	}
	m.consecutiveErrorLimit, err = limitValue(s.Name, "consecutiveErrorLimit", s.ConsecutiveErrorLimit, v1alpha1.DefaultConsecutiveErrorLimit)
	return err
}

// countValue is how many measurements a metric takes; nil measures until the
// run is terminated. No count and no interval means one measurement; an interval
// without a count measures until terminated. A count of 0 — written so, or
// substituted from {{args.NAME}} — is no count, as in Argo Rollouts: taken
// literally it would end the metric Successful before it measured anything,
// which passes an analysis that never looked (fail open).
func countValue(metricName string, v *intstr.IntOrString, interval time.Duration) (*int32, error) {
	var c int32
	if v != nil {
		n, err := intValue(metricName, "count", v)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, fmt.Errorf("metric %q: count must be 0 (no count) or more, got %d", metricName, n)
		}
		c = n
	}
	switch {
	case c > 1 && interval == 0:
		return nil, fmt.Errorf("metric %q: count %d needs an interval", metricName, c)
	case c > 0:
		return &c, nil
	case interval == 0:
		one := int32(1)
		return &one, nil
	}
	return nil, nil
}

func limitValue(metricName, field string, v *intstr.IntOrString, def int32) (int32, error) {
	if v == nil {
		return def, nil
	}
	n, err := intValue(metricName, field, v)
	if err == nil && n < -1 {
		err = fmt.Errorf("metric %q: %s must be -1 (disabled) or more, got %d", metricName, field, n)
	}
	return n, err
}

func intValue(metricName, field string, v *intstr.IntOrString) (int32, error) {
	if v.Type == intstr.Int {
		return v.IntVal, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v.StrVal), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("metric %q: %s %q is not a whole number", metricName, field, v.StrVal)
	}
	return int32(n), nil
}

func parseDuration(metricName, field string, v v1alpha1.DurationString) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(string(v))
	if err != nil || d < 0 {
		return 0, fmt.Errorf("metric %q: %s %q is not a duration like 30s or 5m", metricName, field, v)
	}
	return d, nil
}

// substitute replaces every {{args.name}} in every string of the metric. It
// works on the metric's JSON, escaping each value as a JSON string, so a value
// with quotes or newlines cannot change the metric's structure.
func substitute(spec v1alpha1.Metric, args map[string]string) (v1alpha1.Metric, error) {
	raw, err := json.Marshal(spec)
	if err != nil {
		return spec, fmt.Errorf("metric %q: %w", spec.Name, err)
	}
	var missing string
	out := argRef.ReplaceAllFunc(raw, func(ref []byte) []byte {
		name := string(argRef.FindSubmatch(ref)[1])
		value, ok := args[name]
		if !ok {
			if missing == "" {
				missing = name
			}
			return ref
		}
		quoted, _ := json.Marshal(value)
		return quoted[1 : len(quoted)-1]
	})
	if missing != "" {
		return spec, fmt.Errorf("metric %q uses argument %q, which the run does not define", spec.Name, missing)
	}
	var resolved v1alpha1.Metric
	if err := json.Unmarshal(out, &resolved); err != nil {
		return spec, fmt.Errorf("metric %q: after substituting args: %w", spec.Name, err)
	}
	return resolved, nil
}

// metricRules decides which metrics are dry-run and how many measurements each
// keeps, from the run's dryRun and measurementRetention rules (regular
// expressions over metric names, see package metricmatch). A rule that does
// not compile or names no metric makes the run Error, naming the rule: a
// dry-run rule that silently matched nothing would let a metric its author
// meant only to watch abort the rollout, and one that matched too much would
// stop a metric from deciding.
func metricRules(run *v1alpha1.AnalysisRun) (map[string]bool, map[string]int32, error) {
	names := make([]string, 0, len(run.Spec.Metrics))
	seen := map[string]bool{}
	for _, m := range run.Spec.Metrics {
		if seen[m.Name] {
			return nil, nil, fmt.Errorf("metric %q is defined twice", m.Name)
		}
		seen[m.Name] = true
		names = append(names, m.Name)
	}
	dryRun, err := metricmatch.DryRun(run.Spec.DryRun, names)
	if err != nil {
		return nil, nil, err
	}
	retain, err := metricmatch.Retention(run.Spec.MeasurementRetention, names, v1alpha1.DefaultMeasurementRetention)
	if err != nil {
		return nil, nil, err
	}
	return dryRun, retain, nil
}

// prepare returns the run's metrics ready to measure, building them once per
// generation of the run. An error (a missing argument, a condition that does not
// compile, a bad duration) means the run cannot start; its text names the
// metric or argument and never holds a secret value.
func (c *Controller) prepare(ctx context.Context, run *v1alpha1.AnalysisRun) (*preparedRun, error) {
	c.mu.Lock()
	p := c.prepared[run.UID]
	c.mu.Unlock()
	if p != nil && p.generation == run.Generation {
		return p, nil
	}
	args, secrets, err := resolveArgs(ctx, run, c.getSecret)
	if err != nil {
		return nil, err
	}
	p = &preparedRun{generation: run.Generation, secrets: secrets}
	dryRun, retain, err := metricRules(run)
	if err != nil {
		return nil, err
	}
	for _, spec := range run.Spec.Metrics {
		m, err := prepareMetric(spec, args, c.providers)
		if err != nil {
			return nil, errors.New(redact(err.Error(), secrets))
		}
		m.dryRun, m.retain = dryRun[spec.Name], retain[spec.Name]
		p.metrics = append(p.metrics, m)
	}
	c.mu.Lock()
	c.prepared[run.UID] = p
	c.mu.Unlock()
	return p, nil
}

func (c *Controller) getSecret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	return c.kube.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
}

// metric returns the prepared metric with the given name, or nil.
func (p *preparedRun) metric(name string) *metric {
	for _, m := range p.metrics {
		if m.spec.Name == name {
			return m
		}
	}
	return nil
}
