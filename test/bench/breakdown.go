package main

import (
	"sort"
	"strings"
)

// The breakdown says where a phase's event → action time went: how long the
// bench's own watch takes to see a write (every watcher, the controller
// included, waits about as long on this machine), the wait in each work queue,
// the Rollout reconcile, each kind of write as the controller timed it and as
// the API server did, and the syncs that found the cache behind their own
// write. The means are exact; p50 and p95 are interpolated inside histogram
// buckets (histograms.go).

// phaseBreakdown is one phase's breakdown.
type phaseBreakdown struct {
	// QueueWait is the wait in each of the controller's work queues, by
	// queue name (rollouts, analysisruns, notifications).
	QueueWait map[string]latencyStat `json:"queueWait"`
	// Reconcile is one Rollout reconcile, its API calls included.
	Reconcile latencyStat `json:"rolloutReconcile"`
	// Requests are the controller's requests (watches aside) and the bench's
	// own image patch, by verb and resource, most frequent first.
	Requests []requestLatency `json:"requestLatency"`
	// ServerScraped is false when kube-apiserver's /metrics could not be read
	// at both ends of the phase: the server columns are then empty.
	ServerScraped bool `json:"serverScraped"`
	// StaleRetries are Rollout syncs that found the cache behind their own
	// write and looked again 50 ms later, by the object that lagged.
	StaleRetries           map[string]float64 `json:"staleRetries,omitempty"`
	StaleRetriesPerRollout float64            `json:"staleRetriesPerRollout"`
	// OwnWriteReads are the objects syncs read from the controller's own
	// last write instead of waiting for the cache, by object.
	OwnWriteReads           map[string]float64 `json:"ownWriteReads,omitempty"`
	OwnWriteReadsPerRollout float64            `json:"ownWriteReadsPerRollout"`
}

// requestLatency is one verb and resource, timed by both ends.
type requestLatency struct {
	Verb     string `json:"verb"`
	Resource string `json:"resource"`
	// Controller is sluice_api_request_duration_seconds: sent → response
	// headers, after the client rate limiter.
	Controller latencyStat `json:"controller"`
	// APIServer is apiserver_request_duration_seconds: arrival → response,
	// for every client's requests of this verb and resource.
	APIServer latencyStat `json:"apiServer"`
}

// benchImagePatch is the bench's own write that starts the wave; the
// controller never patches a Rollout's spec.
const benchImagePatch = "patch rollouts.sluice.dev"

// breakdownBetween is the breakdown of the phase between two scrapes of the
// controller (a, b) and of the API server (sa, sb; nil when unreadable).
func breakdownBetween(a, b *snapshot, sa, sb serverLatency, perRollout int) *phaseBreakdown {
	out := &phaseBreakdown{
		QueueWait:     map[string]latencyStat{},
		Reconcile:     statOf(b.reconcile.minus(a.reconcile)),
		ServerScraped: sa != nil && sb != nil,
		StaleRetries:  mapDiff(a.staleRetries, b.staleRetries),
		OwnWriteReads: mapDiff(a.ownWriteReads, b.ownWriteReads),
	}
	for name, h := range b.queueWait {
		if s := statOf(h.minus(a.queueWait[name])); s.Count > 0 {
			out.QueueWait[name] = s
		}
	}
	total := 0.0
	for _, n := range out.StaleRetries {
		total += n
	}
	out.StaleRetriesPerRollout = total / float64(max(perRollout, 1))
	reads := 0.0
	for _, n := range out.OwnWriteReads {
		reads += n
	}
	out.OwnWriteReadsPerRollout = reads / float64(max(perRollout, 1))

	keys := map[string]bool{}
	for key, h := range b.clientLatency {
		if !strings.HasPrefix(key, "watch ") && h.count > a.clientLatency[key].count {
			keys[key] = true
		}
	}
	if out.ServerScraped && sb[benchImagePatch].count > sa[benchImagePatch].count {
		keys[benchImagePatch] = true
	}
	for key := range keys {
		rl := requestLatency{Controller: statOf(b.clientLatency[key].minus(a.clientLatency[key]))}
		rl.Verb, rl.Resource, _ = strings.Cut(key, " ")
		if out.ServerScraped {
			rl.APIServer = statOf(sb[key].minus(sa[key]))
		}
		out.Requests = append(out.Requests, rl)
	}
	sort.Slice(out.Requests, func(i, j int) bool {
		x, y := out.Requests[i], out.Requests[j]
		if x.Controller.Count != y.Controller.Count {
			return x.Controller.Count > y.Controller.Count
		}
		return x.Verb+x.Resource < y.Verb+y.Resource
	})
	return out
}

// isWrite tells a request that changes an object from a read.
func (rl requestLatency) isWrite() bool {
	switch strings.TrimPrefix(rl.Verb, "dryrun-") {
	case "create", "update", "patch", "delete", "deletecollection":
		return true
	}
	return false
}

// offPath tells the requests no reaction waits for: Events (a client of
// their own) and the process's Lease and discovery.
func (rl requestLatency) offPath() bool {
	return strings.HasPrefix(rl.Resource, "events") || processOverhead(rl.Resource)
}

// watchLag is, per Rollout of the wave, the time from its image patch's
// response to the bench's watch delivering the Rollout's new generation (the
// patch is the only spec change, so the first change of generation after it
// was sent), and the patch's own round trip, both in milliseconds. A small
// negative lag means the watch event overtook the response.
func watchLag(timelines map[string][]obs, wave map[string]rolloutWave) (lag, patch dist) {
	var lags, patches []float64
	for name, w := range wave {
		if w.done <= 0 {
			continue // never patched
		}
		patches = append(patches, ms(w.done-w.sent))
		for _, o := range timelines[name] {
			if o.At >= w.sent && o.Kind == obsRollout && !o.Write {
				lags = append(lags, ms(o.At-w.done))
				break
			}
		}
	}
	return distOf(lags), distOf(patches)
}
