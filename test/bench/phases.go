package main

import (
	"context"
	"os"
	"sort"
	"strings"
	"time"
)

// A run is a sequence of phases (startup, deploy, update, idle, …); each is
// measured from its start to the start of the next: wall time, the
// controller's CPU time and peak resident size, and the API requests and
// events it made meanwhile.

// phaseResult is one phase's measurements.
type phaseResult struct {
	Name        string  `json:"name"`
	WallSeconds float64 `json:"wallSeconds"`
	CPUSeconds  float64 `json:"cpuSeconds"`
	// CoreShare is CPU seconds per wall second (1 = one core busy).
	CoreShare float64 `json:"coreShare"`
	// BenchCPUSeconds is the bench's own CPU time: it shares the machine with
	// the controller and the cluster.
	BenchCPUSeconds float64 `json:"benchCPUSeconds"`
	PeakRSSMiB      float64 `json:"peakRSSMiB"`
	// Requests lists every request but Events, which are counted apart.
	Requests []requestCount `json:"requests"`
	// RequestsTotal is the work for the Rollouts: Requests without the
	// process's own overhead (leader election Lease, discovery).
	RequestsTotal float64 `json:"requestsTotal"`
	Overhead      float64 `json:"overheadRequests"`
	// PerRollout is RequestsTotal divided by the number of Rollouts (runs).
	PerRollout  float64            `json:"requestsPerRollout"`
	EventWrites float64            `json:"eventWrites"`
	Events      map[string]float64 `json:"eventsByReason,omitempty"`
	Lists       map[string]float64 `json:"lists,omitempty"`
	// Failed are requests answered with anything but 2xx, by "verb resource code".
	Failed       map[string]float64 `json:"failed,omitempty"`
	Reconciles   float64            `json:"reconciles"`
	Throttled    float64            `json:"throttledSeconds"`
	Measurements float64            `json:"measurements,omitempty"`
	// Means over the phase, in milliseconds: one Rollout reconcile, a key's
	// wait in a work queue (either controller's), one API request (client
	// side, after the rate limiter).
	ReconcileMs float64 `json:"meanReconcileMs"`
	QueueWaitMs float64 `json:"meanQueueWaitMs"`
	APIMs       float64 `json:"meanAPIRequestMs"`
	// Breakdown has p50 / p95 of the same by queue and by request, beside the
	// API server's own latency (breakdown.go).
	Breakdown *phaseBreakdown `json:"breakdown,omitempty"`
}

// openPhase is the phase being measured.
type openPhase struct {
	name  string
	start time.Time
	cpu   float64
	self  float64
	snap  *snapshot
	// server is kube-apiserver's request latency at the phase's start (nil
	// when its /metrics could not be read).
	server serverLatency
}

// startPhase ends the current phase (recording it) and starts the next; an
// empty name only ends the current one.
func (e *env) startPhase(name string) {
	now := time.Now()
	cpu, _ := cpuSeconds(e.controller.pid)
	self, _ := cpuSeconds(os.Getpid())
	e.markClusterPhase(name)
	snap, err := e.controller.scrape()
	if err != nil {
		snap = emptySnapshot() // before the metrics server is up: nothing counted yet
	}
	server := e.scrapeServerLatency()
	peak := e.sampler.takePeak()
	if p := e.open; p != nil {
		r := p.result(now, cpu, peak, snap, e.perRolloutDivisor())
		r.BenchCPUSeconds = self - p.self
		r.Breakdown = breakdownBetween(p.snap, snap, p.server, server, e.perRolloutDivisor())
		e.phases = append(e.phases, r)
		logf("phase %s: %.1fs, %.2f CPU s, peak RSS %.0f MiB", p.name, now.Sub(p.start).Seconds(), cpu-p.cpu, float64(peak)/(1<<20))
	}
	e.open = nil
	if name != "" {
		e.open = &openPhase{name: name, start: now, cpu: cpu, self: self, snap: snap, server: server}
	}
}

// scrapeServerLatency reads the API server's request latency for a phase
// boundary; nil (and a log line) when it cannot, which leaves the phase's
// server columns empty instead of failing the run.
func (e *env) scrapeServerLatency() serverLatency {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := e.scrapeAPIServer(ctx)
	if err != nil {
		logf("API server latency: %v", err)
		return nil
	}
	return s
}

func (p *openPhase) result(now time.Time, cpu float64, peak uint64, snap *snapshot, per int) phaseResult {
	wall := now.Sub(p.start).Seconds()
	r := phaseResult{
		Name: p.name, WallSeconds: wall, CPUSeconds: cpu - p.cpu,
		PeakRSSMiB:   float64(peak) / (1 << 20),
		Events:       mapDiff(p.snap.events, snap.events),
		Lists:        map[string]float64{},
		Failed:       mapDiff(p.snap.failed, snap.failed),
		Reconciles:   snap.reconciles - p.snap.reconciles,
		Throttled:    snap.throttled - p.snap.throttled,
		Measurements: snap.measurements - p.snap.measurements,
	}
	if wall > 0 {
		r.CoreShare = r.CPUSeconds / wall
	}
	r.ReconcileMs = meanMs(snap.reconcileSum-p.snap.reconcileSum, r.Reconciles)
	r.QueueWaitMs = meanMs(snap.queueSum-p.snap.queueSum, snap.queueCount-p.snap.queueCount)
	r.APIMs = meanMs(snap.apiSum-p.snap.apiSum, snap.apiCount-p.snap.apiCount)
	for _, rc := range requestsBetween(p.snap, snap, per) {
		if strings.HasPrefix(rc.Resource, "events") {
			r.EventWrites += rc.Count
			continue
		}
		if rc.Verb == "list" {
			r.Lists[rc.Resource] += rc.Count
		}
		r.Requests = append(r.Requests, rc)
		if processOverhead(rc.Resource) {
			r.Overhead += rc.Count
		} else {
			r.RequestsTotal += rc.Count
		}
	}
	r.PerRollout = r.RequestsTotal / float64(max(per, 1))
	sort.Slice(r.Requests, func(i, j int) bool { return r.Requests[i].Count > r.Requests[j].Count })
	return r
}

// perRolloutDivisor is what per-Rollout numbers are divided by.
func (e *env) perRolloutDivisor() int {
	if e.cfg.analysisRuns > 0 {
		return e.cfg.analysisRuns
	}
	return e.cfg.n
}

// phase returns a recorded phase by name.
func (e *env) phase(name string) *phaseResult {
	for i := range e.phases {
		if e.phases[i].Name == name {
			return &e.phases[i]
		}
	}
	return nil
}

func meanMs(sum, count float64) float64 {
	if count <= 0 {
		return 0
	}
	return 1000 * sum / count
}

// processOverhead tells the requests the process makes whatever the number of
// Rollouts: leader election and API discovery.
func processOverhead(resource string) bool {
	return resource == "leases.coordination.k8s.io" || resource == "discovery" || resource == "nonresource"
}
