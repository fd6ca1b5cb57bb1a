package main

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// snapshot is what the bench reads from the controller's /metrics at a phase
// boundary. Counters and histograms only: a phase's numbers are the difference
// of two snapshots.
type snapshot struct {
	// requests by "verb resource" (sluice_api_requests_total, summed over codes).
	requests map[string]float64
	// failed requests by "verb resource code" (any code but 2xx).
	failed map[string]float64
	// events recorded by the Rollout controller, by reason.
	events     map[string]float64
	reconciles float64
	// throttled is the time requests spent in the client-side rate limiter
	// (rest_client_rate_limiter_duration_seconds_sum): how much --qps held the
	// controller back.
	throttled    float64
	measurements float64
	// Sums and counts of histograms, for means over a phase: one Rollout
	// reconcile, a key's wait in a work queue (Rollouts and AnalysisRuns), an
	// API request.
	reconcileSum, queueSum, queueCount, apiSum, apiCount float64

	// Histograms for the phase breakdown (breakdown.go): each work queue's
	// wait by queue name, the Rollout reconcile, and the controller's API
	// request latency by "verb resource".
	queueWait     map[string]histogram
	reconcile     histogram
	clientLatency map[string]histogram
	// staleRetries are Rollout syncs that met a cache behind their own
	// write, by the object that lagged.
	staleRetries map[string]float64
	// ownWriteReads are objects a sync read from the controller's own last
	// write because the cache did not show it yet (instead of waiting).
	ownWriteReads map[string]float64
}

func (p *controllerProc) scrape() (*snapshot, error) {
	resp, err := http.Get("http://" + p.metricsAddr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: %s", resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parse /metrics: %w", err)
	}
	s := emptySnapshot()
	for _, m := range families["sluice_api_requests_total"].GetMetric() {
		key := label(m, "verb") + " " + label(m, "resource")
		s.requests[key] += m.GetCounter().GetValue()
		if code := label(m, "code"); !strings.HasPrefix(code, "2") {
			s.failed[key+" "+code] += m.GetCounter().GetValue()
		}
	}
	for _, m := range families["sluice_rollout_events_total"].GetMetric() {
		s.events[label(m, "reason")] += m.GetCounter().GetValue()
	}
	for _, m := range families["sluice_rollout_reconcile_duration_seconds"].GetMetric() {
		s.reconciles += float64(m.GetHistogram().GetSampleCount())
		s.reconcileSum += m.GetHistogram().GetSampleSum()
		s.reconcile = s.reconcile.plus(histogramOf(m.GetHistogram()))
	}
	for _, m := range families["workqueue_queue_duration_seconds"].GetMetric() {
		s.queueSum += m.GetHistogram().GetSampleSum() // every queue
		s.queueCount += float64(m.GetHistogram().GetSampleCount())
		name := label(m, "name")
		s.queueWait[name] = s.queueWait[name].plus(histogramOf(m.GetHistogram()))
	}
	for _, m := range families["sluice_api_request_duration_seconds"].GetMetric() {
		key := label(m, "verb") + " " + label(m, "resource")
		s.clientLatency[key] = s.clientLatency[key].plus(histogramOf(m.GetHistogram()))
	}
	for _, m := range families["sluice_rollout_stale_retries_total"].GetMetric() {
		s.staleRetries[label(m, "object")] += m.GetCounter().GetValue()
	}
	for _, m := range families["sluice_rollout_own_write_reads_total"].GetMetric() {
		s.ownWriteReads[label(m, "object")] += m.GetCounter().GetValue()
	}
	for _, m := range families["rest_client_request_duration_seconds"].GetMetric() {
		s.apiSum += m.GetHistogram().GetSampleSum()
		s.apiCount += float64(m.GetHistogram().GetSampleCount())
	}
	for _, m := range families["rest_client_rate_limiter_duration_seconds"].GetMetric() {
		s.throttled += m.GetHistogram().GetSampleSum()
	}
	for _, m := range families["sluice_analysis_measurements_total"].GetMetric() {
		s.measurements += m.GetCounter().GetValue()
	}
	return s, nil
}

func emptySnapshot() *snapshot {
	return &snapshot{requests: map[string]float64{}, failed: map[string]float64{}, events: map[string]float64{},
		queueWait: map[string]histogram{}, clientLatency: map[string]histogram{}, staleRetries: map[string]float64{}, ownWriteReads: map[string]float64{}}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// requestCount is one verb and resource's requests in a phase.
type requestCount struct {
	Verb     string  `json:"verb"`
	Resource string  `json:"resource"`
	Count    float64 `json:"count"`
	// PerRollout is Count divided by the number of Rollouts (or runs).
	PerRollout float64 `json:"perRollout"`
}

// requestsBetween lists the requests made between two snapshots, largest
// first.
func requestsBetween(a, b *snapshot, per int) []requestCount {
	var out []requestCount
	for key, v := range b.requests {
		d := v - a.requests[key]
		if d <= 0 {
			continue
		}
		var rc requestCount
		fmt.Sscan(key, &rc.Verb, &rc.Resource)
		rc.Count, rc.PerRollout = d, d/float64(max(per, 1))
		out = append(out, rc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Verb+out[i].Resource < out[j].Verb+out[j].Resource
	})
	return out
}

// mapDiff is b − a for counters by key, dropping keys that did not grow.
func mapDiff(a, b map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range b {
		if d := v - a[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}
