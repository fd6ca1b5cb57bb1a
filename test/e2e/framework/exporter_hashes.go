package framework

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// HashTraffic is how the test exporter simulates the pods of one
// pod-template hash (test/exporter/hashes.go): its requests show as
//
//	http_requests_total{namespace,service,pod_template_hash,code}
//	http_request_duration_seconds{namespace,service,pod_template_hash}
//	istio_requests_total / istio_request_duration_milliseconds{destination_workload=Service,
//	    destination_workload_namespace,pod_template_hash,reporter,response_code}
//	envoy_cluster_upstream_rq_total / _xx / _time{envoy_cluster_name="<namespace>/<Service>"}
//
// with namespace the test's. A zero field takes the exporter's default (rate
// and latency from its flags, scale 1, spread 0.25), except ErrorRate, which is
// always set.
type HashTraffic struct {
	// Service names the application (the service / destination_workload
	// label), usually the Rollout's name.
	Service string `json:"service"`
	// Hash is the pod-template hash (a ReplicaSet's sluice.dev/pod-template-hash).
	Hash string `json:"hash"`
	// Rate is requests per second.
	Rate float64 `json:"rate,omitempty"`
	// ErrorRate is the fraction answered 500, exact over any window.
	ErrorRate float64 `json:"errorRate"`
	// LatencyMs is the median latency.
	LatencyMs float64 `json:"latencyMs,omitempty"`
	// LatencyScale multiplies every latency (1.3 = 30% slower).
	LatencyScale float64 `json:"latencyScale,omitempty"`
	// LatencyShiftMs is added to every latency.
	LatencyShiftMs float64 `json:"latencyShiftMs,omitempty"`
	// Spread is the log-normal sigma of the latencies.
	Spread float64 `json:"spread,omitempty"`
	// Seed starts the latency draws (1 when 0).
	Seed uint64 `json:"seed"`
}

// SimulateHashes sets the exporter's traffic for pod-template hashes of this
// test's namespace, all in one request, and restarts their latency draws
// together: sides with the same seed and settings then report identical
// histograms at every scrape, and a side with LatencyScale 1.3 is exactly 30%
// slower request for request, so a judge's verdict is the same on every run.
// List every side in each call to keep them in step. The hashes stop being
// simulated when the test ends.
func (f *Framework) SimulateHashes(targets ...HashTraffic) {
	f.T.Helper()
	type target struct {
		Namespace string `json:"namespace"`
		HashTraffic
	}
	body := make([]target, len(targets))
	for i, t := range targets {
		if t.Seed == 0 {
			t.Seed = 1
		}
		body[i] = target{Namespace: f.Namespace, HashTraffic: t}
	}
	raw, _ := json.Marshal(body)
	resp, err := http.Post(f.Info.ExporterURL+"/hashes", "application/json", bytes.NewReader(raw))
	if err != nil {
		f.T.Fatalf("exporter POST /hashes: %v", err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		f.T.Fatalf("exporter POST /hashes: %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	f.T.Cleanup(f.StopHashes)
}

// StopHashes stops simulating every hash of this test's namespace; their
// series leave the exporter (Prometheus marks them stale).
func (f *Framework) StopHashes() {
	req, _ := http.NewRequest(http.MethodDelete, f.Info.ExporterURL+"/hashes?namespace="+url.QueryEscape(f.Namespace), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.T.Errorf("exporter DELETE /hashes: %v", err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		f.T.Errorf("exporter DELETE /hashes?namespace=%s: %s", f.Namespace, resp.Status)
	}
}
