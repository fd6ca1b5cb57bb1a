// Package judge is the `judge` metric provider (SPEC §9, docs/judge.md): it
// compares the canary with the baseline metric by metric in Prometheus, with
// the statistics of package analysis/judge, and decides the measurement's
// phase itself from the verdict's score.
//
// One measurement is one look: every metric's queries run for the canary's
// scope and then the baseline's over the window from the run's start (plus
// warmup) to now: a range query per side for a series metric, an instant
// events and total count per side for a ratio metric. The judge classifies each
// metric at the alpha this look may spend, and scores them. The verdict is
// stored as the measurement's value (package judgevalue).
package judge

import (
	"context"
	"errors"
	"fmt"
	"strings"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"k8s.io/utils/clock"

	judging "github.com/sluice-dev/sluice/analysis/judge"
	"github.com/sluice-dev/sluice/analysis/provider"
	"github.com/sluice-dev/sluice/analysis/provider/internal/httpshare"
	"github.com/sluice-dev/sluice/analysis/provider/internal/promquery"
	"github.com/sluice-dev/sluice/analysis/provider/judge/judgevalue"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// maxWarnings bounds the Prometheus warnings kept on a measurement.
const maxWarnings = 512

// maxResolvedQueries bounds the resolved queries kept as the metric's
// metadata: a judge of fifty metrics with long queries must not swell the
// run. Past it the rest are counted, not kept; a query that fails is always
// kept, so its error can be read next to it.
const maxResolvedQueries = 8192

// notShownKey is the metadata key that counts resolved queries left out.
const notShownKey = "queriesNotShown"

// Provider judges canaries against baselines. It is safe for concurrent use;
// it holds only immutable configuration and the shared HTTP transports.
type Provider struct {
	defaultAddress string
	transports     *httpshare.Transports
	clock          clock.PassiveClock
}

var _ provider.Provider = (*Provider)(nil)

// New returns a provider that queries defaultAddress (the controller's
// --prometheus-address) for judges that do not set their own address.
func New(defaultAddress string) *Provider {
	return &Provider{defaultAddress: defaultAddress, transports: httpshare.NewTransports(), clock: clock.RealClock{}}
}

// Type implements provider.Provider.
func (p *Provider) Type() string { return "judge" }

// Terminate implements provider.Provider. A look that waits for its window
// holds nothing to stop.
func (p *Provider) Terminate(context.Context, *v1alpha1.AnalysisRun, v1alpha1.Metric, v1alpha1.Measurement) error {
	return nil
}

// Measure takes one look. Until the window after warmup can hold the
// samples the series metrics need (firstLookWindow) it returns Running with
// the time left. The run must have
// started: its Status.StartedAt opens the window (a caller outside the
// controller, such as `kubectl sluice analyze`, sets it to the start of the
// window it wants judged). Its Status.MetricResults say which look this is.
// The outcome carries the resolved queries as MetricMetadata, also with an
// error, so status shows which query failed.
func (p *Provider) Measure(ctx context.Context, run *v1alpha1.AnalysisRun, metric v1alpha1.Metric, _ *v1alpha1.Measurement) (provider.Outcome, error) {
	spec := metric.Provider.Judge
	if spec == nil {
		return provider.Outcome{}, fmt.Errorf("metric %q has no judge provider", metric.Name)
	}
	s, err := parseSettings(spec)
	if err != nil {
		return provider.Outcome{}, provider.Permanent(err, "the judge's settings are invalid")
	}
	if run == nil || run.Status.StartedAt == nil {
		return provider.Outcome{}, errors.New("the run has not started, and its start opens the judge's window")
	}
	now := p.clock.Now()
	w, wait := windowAt(run.Status.StartedAt.Time, s.warmup, s.minWindow, now)
	if wait > 0 {
		return provider.Outcome{Phase: v1alpha1.AnalysisPhaseRunning, ResumeAfter: wait}, nil
	}
	server := promquery.FromJudge(spec)
	l := &lookRun{settings: s, window: w, look: lookOf(run, metric), resolved: map[string]string{}}
	verdict, err := p.look(ctx, server, l)
	outcome := provider.Outcome{MetricMetadata: l.resolved}
	if len(l.warnings) > 0 {
		outcome.Metadata = map[string]string{"warnings": promquery.Redact(clipText(strings.Join(l.warnings, "; "), maxWarnings), server)}
	}
	if err != nil {
		return outcome, promquery.RedactError(err, server)
	}
	outcome.Phase, err = phaseOf(verdict.Outcome)
	if err != nil {
		return outcome, err
	}
	outcome.Value, outcome.Text, outcome.Message = verdict, judgevalue.Encode(judgevalue.FromVerdict(verdict)), verdict.Reason
	return outcome, nil
}

// lookRun is one look's state: what it compares and what it has resolved.
type lookRun struct {
	settings settings
	window   window
	look     judging.Look
	// resolved holds the queries as sent, by "metric/side[/events|/total]",
	// up to maxResolvedQueries bytes; notShown counts those left out.
	resolved      map[string]string
	resolvedBytes int
	notShown      int
	warnings      []string
}

// look queries every metric and scores the results.
func (p *Provider) look(ctx context.Context, server promquery.Server, l *lookRun) (judging.Verdict, error) {
	client, err := promquery.Connect(p.transports, p.defaultAddress, server)
	if err != nil {
		return judging.Verdict{}, err
	}
	results := make([]judging.MetricResult, 0, len(l.settings.queries))
	for _, q := range l.settings.queries {
		var r judging.MetricResult
		if q.metric.Kind == judging.KindRatio {
			r, err = l.judgeRatio(ctx, client, q)
		} else {
			r, err = l.judgeSeries(ctx, client, q)
		}
		if err != nil {
			return judging.Verdict{}, fmt.Errorf("judge metric %q: %w", q.metric.Name, err)
		}
		results = append(results, r)
	}
	return judging.Score(results, l.settings.scoring), nil
}

// judgeSeries compares a series metric's samples over the window.
func (l *lookRun) judgeSeries(ctx context.Context, c *promquery.Client, q query) (judging.MetricResult, error) {
	r := promv1.Range{Start: l.window.seriesStart(l.settings.resolution), End: l.window.end, Step: l.settings.resolution}
	var sides [2][]float64
	for i, side := range l.sides() {
		key := q.metric.Name + "/" + side.name
		resolved := l.resolve(key, q.series, side.scope)
		samples, warnings, err := seriesSamples(ctx, c, resolved, r)
		if err != nil {
			return judging.MetricResult{}, l.failed(key, resolved, side.name, err)
		}
		l.warnings = append(l.warnings, warnings...)
		sides[i] = samples
	}
	return judging.JudgeSeries(q.metric, judging.Series{Canary: sides[0], Baseline: sides[1]}, l.settings.alpha, l.look), nil
}

// judgeRatio compares a ratio metric's counts over the window, taken now.
func (l *lookRun) judgeRatio(ctx context.Context, c *promquery.Client, q query) (judging.MetricResult, error) {
	var counts [2][2]float64 // [side][events, total]
	for i, side := range l.sides() {
		for j, part := range []struct{ name, query string }{{"events", q.events}, {"total", q.total}} {
			key := q.metric.Name + "/" + side.name + "/" + part.name
			resolved := l.resolve(key, part.query, side.scope)
			n, warnings, err := count(ctx, c, resolved, l.window.end)
			if err != nil {
				return judging.MetricResult{}, l.failed(key, resolved, side.name+" "+part.name, err)
			}
			l.warnings = append(l.warnings, warnings...)
			counts[i][j] = n
		}
	}
	return judging.JudgeRatio(q.metric, judging.Counts{
		CanaryEvents: counts[0][0], CanaryTotal: counts[0][1],
		BaselineEvents: counts[1][0], BaselineTotal: counts[1][1],
	}, l.settings.alpha, l.look), nil
}

// side is one of the two compared: its name in messages and its scope.
type side struct{ name, scope string }

func (l *lookRun) sides() [2]side {
	return [2]side{{"canary", l.settings.canaryScope}, {"baseline", l.settings.baselineScope}}
}

// resolve fills a query's placeholders and records it under key while the
// metadata has room.
func (l *lookRun) resolve(key, q, scope string) string {
	resolved := resolve(q, scope, l.window.length())
	if size := len(key) + len(resolved); l.resolvedBytes+size <= maxResolvedQueries {
		l.resolved[key] = resolved
		l.resolvedBytes += size
	} else {
		l.notShown++
		l.resolved[notShownKey] = fmt.Sprint(l.notShown)
	}
	return resolved
}

// failed records the query that failed, whatever the room left, and wraps
// its error with what it was for.
func (l *lookRun) failed(key, resolved, what string, err error) error {
	l.resolved[key] = resolved
	return fmt.Errorf("%s: %w", what, err)
}

// phaseOf is the measurement's phase for a verdict's outcome.
func phaseOf(o judging.Outcome) (v1alpha1.AnalysisPhase, error) {
	switch o {
	case judging.Successful:
		return v1alpha1.AnalysisPhaseSuccessful, nil
	case judging.Inconclusive:
		return v1alpha1.AnalysisPhaseInconclusive, nil
	case judging.Failed:
		return v1alpha1.AnalysisPhaseFailed, nil
	}
	return "", fmt.Errorf("the judge returned an unknown outcome %q", o)
}

// clipText shortens text to at most n bytes, marking the cut.
func clipText(text string, n int) string {
	if len(text) <= n {
		return text
	}
	return strings.ToValidUTF8(text[:n-len("…")], "") + "…"
}
