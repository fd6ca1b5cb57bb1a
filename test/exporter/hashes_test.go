package main

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

func postHashes(t *testing.T, url, body string) {
	t.Helper()
	if code, resp := do(t, http.MethodPost, url+"/hashes", body); code != http.StatusOK {
		t.Fatalf("POST /hashes %s: %d %s", body, code, resp)
	}
}

// histogram returns the http_request_duration_seconds histogram of one hash.
func histogram(t *testing.T, reg prometheus.Gatherer, hash string) *dto.Histogram {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "http_request_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "pod_template_hash" && l.GetValue() == hash {
					return m.GetHistogram()
				}
			}
		}
	}
	t.Fatalf("no http_request_duration_seconds for hash %s", hash)
	return nil
}

func hashRequests(sim *Simulator, ns, service, hash, code string) float64 {
	return testutil.ToFloat64(sim.httpRequests.WithLabelValues(ns, service, hash, code))
}

// Sides seeded together draw the same latencies request for request: equal
// settings give equal histograms, a scale gives exactly scaled latencies.
func TestHashTargetsSeededTogetherStayInStep(t *testing.T) {
	sim, reg, srv := newTestServer(t)
	postHashes(t, srv.URL, `[
		{"namespace":"ns","service":"web","hash":"base","rate":40,"latencyMs":100,"seed":7},
		{"namespace":"ns","service":"web","hash":"same","rate":40,"latencyMs":100,"seed":7},
		{"namespace":"ns","service":"web","hash":"slow","rate":40,"latencyMs":100,"latencyScale":1.3,"seed":7}]`)
	for range 50 {
		sim.Step(100 * time.Millisecond)
	}
	base, same, slow := histogram(t, reg, "base"), histogram(t, reg, "same"), histogram(t, reg, "slow")
	if base.GetSampleCount() != 200 {
		t.Fatalf("base saw %d requests in 5 s at 40/s, want 200", base.GetSampleCount())
	}
	for i, b := range base.GetBucket() {
		if got := same.GetBucket()[i].GetCumulativeCount(); got != b.GetCumulativeCount() {
			t.Errorf("bucket le=%v: same-seeded twin has %d, base %d", b.GetUpperBound(), got, b.GetCumulativeCount())
		}
	}
	if ratio := slow.GetSampleSum() / base.GetSampleSum(); math.Abs(ratio-1.3) > 1e-9 {
		t.Errorf("sum of slow latencies / base = %v, want 1.3", ratio)
	}
	if q := quantile(0.99, slow) / quantile(0.99, base); q < 1.15 {
		t.Errorf("p99 of slow / base from the buckets = %.3f, want about 1.3", q)
	}
}

// quantile interpolates within the buckets, as PromQL's histogram_quantile does.
func quantile(q float64, h *dto.Histogram) float64 {
	rank := q * float64(h.GetSampleCount())
	lower, below := 0.0, 0.0
	for _, b := range h.GetBucket() {
		if c := float64(b.GetCumulativeCount()); c >= rank {
			return lower + (b.GetUpperBound()-lower)*(rank-below)/(c-below)
		}
		lower, below = b.GetUpperBound(), float64(b.GetCumulativeCount())
	}
	return lower
}

// The latencies follow the configured log-normal: median latencyMs, the
// share below the median one half, and the same seed gives the same metrics
// in another process.
func TestHashLatenciesFollowTheDistribution(t *testing.T) {
	run := func() (*Simulator, *prometheus.Registry) {
		reg := prometheus.NewRegistry()
		sim := NewSimulator(reg, nil, Settings{Rate: 50, LatencyMs: 50})
		if err := sim.ApplyHashes([]hashRequest{{hashKey: hashKey{Service: "web", Hash: "a"}, Rate: ptrFloat(1000), LatencyMs: ptrFloat(100), Spread: ptrFloat(0.5)}}); err != nil {
			t.Fatal(err)
		}
		for range 20 {
			sim.Step(time.Second)
		}
		return sim, reg
	}
	_, reg := run()
	h := histogram(t, reg, "a")
	if median := quantile(0.5, h); math.Abs(median-0.1)/0.1 > 0.05 {
		t.Errorf("median from 20000 draws = %v s, want 0.1 s within 5%%", median)
	}
	wantMean := 0.1 * math.Exp(0.5*0.5/2)
	if mean := h.GetSampleSum() / float64(h.GetSampleCount()); math.Abs(mean-wantMean)/wantMean > 0.03 {
		t.Errorf("mean = %v s, want %v s (log-normal, sigma 0.5) within 3%%", mean, wantMean)
	}
	_, again := run()
	if h2 := histogram(t, again, "a"); h2.GetSampleSum() != h.GetSampleSum() {
		t.Errorf("the same seed gave sums %v and %v", h.GetSampleSum(), h2.GetSampleSum())
	}
}

func TestHashErrorRateIsExact(t *testing.T) {
	sim, _, srv := newTestServer(t)
	postHashes(t, srv.URL, `[
		{"namespace":"ns","service":"web","hash":"base","rate":100,"errorRate":0.005},
		{"namespace":"ns","service":"web","hash":"canary","rate":100,"errorRate":0.02}]`)
	sim.Step(10 * time.Second)
	for hash, want := range map[string]float64{"base": 5, "canary": 20} {
		if got := hashRequests(sim, "ns", "web", hash, "500"); got != want {
			t.Errorf("%s 500s of 1000 requests = %v, want %v", hash, got, want)
		}
		if got := hashRequests(sim, "ns", "web", hash, "200"); got != 1000-want {
			t.Errorf("%s 200s of 1000 requests = %v, want %v", hash, got, 1000-want)
		}
	}
}

// Every request shows in the Istio and Envoy series too, in their units.
func TestHashTargetsFeedIstioAndEnvoySeries(t *testing.T) {
	sim, _, srv := newTestServer(t)
	postHashes(t, srv.URL, `{"namespace":"ns","service":"web","hash":"h1","rate":10,"errorRate":0.1,"latencyMs":200,"spread":0}`)
	sim.Step(10 * time.Second)
	_, body := do(t, http.MethodGet, srv.URL+"/metrics", "")
	for _, want := range []string{
		`http_requests_total{code="500",namespace="ns",pod_template_hash="h1",service="web"} 10`,
		`http_request_duration_seconds_count{namespace="ns",pod_template_hash="h1",service="web"} 100`,
		`istio_requests_total{destination_workload="web",destination_workload_namespace="ns",pod_template_hash="h1",reporter="destination",response_code="200"} 90`,
		`istio_requests_total{destination_workload="web",destination_workload_namespace="ns",pod_template_hash="h1",reporter="source",response_code="500"} 10`,
		`istio_request_duration_milliseconds_bucket{destination_workload="web",destination_workload_namespace="ns",pod_template_hash="h1",reporter="destination",response_code="200",le="250"} 90`,
		`istio_request_duration_milliseconds_bucket{destination_workload="web",destination_workload_namespace="ns",pod_template_hash="h1",reporter="destination",response_code="200",le="100"} 0`,
		`envoy_cluster_upstream_rq_total{envoy_cluster_name="ns/web"} 100`,
		`envoy_cluster_upstream_rq_xx{envoy_cluster_name="ns/web",envoy_response_code_class="5"} 10`,
		`envoy_cluster_upstream_rq{envoy_cluster_name="ns/web",envoy_response_code="200"} 90`,
		`envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="ns/web",le="250"} 100`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestHashUpdateKeepsOmittedSettingsAndSeedRestarts(t *testing.T) {
	sim, _, srv := newTestServer(t)
	postHashes(t, srv.URL, `{"service":"web","hash":"h1","rate":10,"latencyMs":80,"spread":0.1,"seed":3}`)
	sim.Step(time.Second)
	postHashes(t, srv.URL, `{"service":"web","hash":"h1","errorRate":0.5}`)
	_, body := do(t, http.MethodGet, srv.URL+"/hashes", "")
	var got []HashTarget
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	want := HashSettings{Rate: 10, ErrorRate: 0.5, LatencyMs: 80, LatencyScale: 1, Spread: 0.1, Seed: 3}
	if len(got) != 1 || got[0].HashSettings != want {
		t.Fatalf("GET /hashes = %s, want one target with %+v", body, want)
	}

	// A seed restarts the draws: a target restarted with another's seed and
	// settings draws what that one drew from its start.
	postHashes(t, srv.URL, `[{"service":"web","hash":"h1","errorRate":0,"seed":9},{"service":"web","hash":"h2","rate":10,"latencyMs":80,"spread":0.1,"seed":9}]`)
	fresh := NewSimulator(prometheus.NewRegistry(), nil, Settings{Rate: 50, LatencyMs: 50})
	if err := fresh.ApplyHashes([]hashRequest{{hashKey: hashKey{Service: "web", Hash: "h2"}, Rate: ptrFloat(10), LatencyMs: ptrFloat(80), Spread: ptrFloat(0.1), Seed: ptrUint(9)}}); err != nil {
		t.Fatal(err)
	}
	h1Start := sim.hashes[hashKey{Service: "web", Hash: "h1"}].advance(1)
	h2Start := fresh.hashes[hashKey{Service: "web", Hash: "h2"}].advance(1)
	if len(h1Start) != 10 || len(h2Start) != 10 {
		t.Fatalf("requests in 1 s at 10/s: %d and %d, want 10", len(h1Start), len(h2Start))
	}
	for i := range h1Start {
		if h1Start[i] != h2Start[i] {
			t.Fatalf("request %d after the restart: %+v, a fresh target with seed 9 drew %+v", i, h1Start[i], h2Start[i])
		}
	}
}

func ptrUint(v uint64) *uint64 { return &v }

// A bad target in a list changes nothing, with a message naming the problem.
func TestHashRequestsRejectBadInput(t *testing.T) {
	sim, _, srv := newTestServer(t)
	postHashes(t, srv.URL, `{"service":"web","hash":"h1","rate":10}`)
	for body, want := range map[string]string{
		`[{"service":"web","hash":"h1","rate":20},{"service":"web","hash":"h2","spread":-1}]`: "spread must be between 0 and 3",
		`{"service":"web","hash":"h1","latencyScale":0}`:                                      "latencyScale must be above 0",
		`{"service":"web","hash":"h1","errorRate":2}`:                                         "errorRate must be between 0 and 1",
		`{"service":"web","hash":"bad hash"}`:                                                 `hash "bad hash"`,
		`{"service":"web"}`:                                                                   `hash ""`,
		`{"service":"web","hash":"h1","latency":5}`:                                           `unknown field "latency"`,
		`[{"service":"web","hash":"h3"},{"service":"web","hash":"h3"}]`:                       "listed twice",
		`[]`: "no targets given",
	} {
		code, resp := do(t, http.MethodPost, srv.URL+"/hashes", body)
		var msg struct{ Error string }
		_ = json.Unmarshal([]byte(resp), &msg)
		if code != http.StatusBadRequest || !strings.Contains(msg.Error, want) {
			t.Errorf("POST /hashes %s = %d %s, want 400 with %q", body, code, resp, want)
		}
	}
	targets := sim.HashTargets()
	if len(targets) != 1 || targets[0].Rate != 10 {
		t.Errorf("after bad requests the targets are %+v, want only h1 at rate 10", targets)
	}
}

func TestDeleteHashesDropsTheirSeries(t *testing.T) {
	sim, _, srv := newTestServer(t)
	postHashes(t, srv.URL, `[{"namespace":"a","service":"web","hash":"h1"},{"namespace":"a","service":"web","hash":"h2"},{"namespace":"b","service":"web","hash":"h1"}]`)
	sim.Step(time.Second)
	if code, resp := do(t, http.MethodDelete, srv.URL+"/hashes", ""); code != http.StatusBadRequest {
		t.Errorf("DELETE /hashes without a filter = %d %s, want 400", code, resp)
	}
	if code, resp := do(t, http.MethodDelete, srv.URL+"/hashes?namespace=a&hash=h1", ""); code != http.StatusOK || !strings.Contains(resp, `"deleted":1`) {
		t.Errorf("DELETE a/h1 = %d %s, want 1 deleted", code, resp)
	}
	_, body := do(t, http.MethodGet, srv.URL+"/metrics", "")
	if strings.Contains(body, `namespace="a",pod_template_hash="h1"`) {
		t.Error("the series of a/h1 are still exported after DELETE")
	}
	// h2 still feeds Envoy's cluster a/web: it stays.
	if !strings.Contains(body, `envoy_cluster_upstream_rq_total{envoy_cluster_name="a/web"}`) || !strings.Contains(body, `namespace="b",pod_template_hash="h1"`) {
		t.Error("DELETE a/h1 removed series of other targets")
	}
	do(t, http.MethodDelete, srv.URL+"/hashes?namespace=a", "")
	_, body = do(t, http.MethodGet, srv.URL+"/metrics", "")
	if strings.Contains(body, `envoy_cluster_name="a/web"`) {
		t.Error("Envoy's cluster a/web is still exported after its last target went")
	}
	if code, _ := do(t, http.MethodPost, srv.URL+"/reset", ""); code != http.StatusOK {
		t.Fatal("POST /reset failed")
	}
	if got := sim.HashTargets(); len(got) != 0 {
		t.Errorf("after /reset the targets are %+v, want none", got)
	}
}
