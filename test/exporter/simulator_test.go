package main

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func newTestServer(t *testing.T) (*Simulator, *prometheus.Registry, *httptest.Server) {
	t.Helper()
	reg := prometheus.NewRegistry()
	sim := NewSimulator(reg, []string{"stable", "canary", "preview"}, Settings{Rate: 50, LatencyMs: 50})
	srv := httptest.NewServer(sim.Handler(reg))
	t.Cleanup(srv.Close)
	return sim, reg, srv
}

func count(sim *Simulator, version, code string) float64 {
	return testutil.ToFloat64(sim.requests.WithLabelValues(version, code))
}

func do(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

func TestCountersMoveAtTheConfiguredRate(t *testing.T) {
	sim, _, _ := newTestServer(t)
	for range 10 {
		sim.Step(100 * time.Millisecond)
	}
	for _, v := range []string{"stable", "canary", "preview"} {
		if got := count(sim, v, "200"); got != 50 {
			t.Errorf("%s 200s after 1s at 50 req/s = %v, want 50", v, got)
		}
		if got := count(sim, v, "500"); got != 0 {
			t.Errorf("%s 500s with errorRate 0 = %v, want 0", v, got)
		}
	}
	// Fractions of a request carry over between steps.
	for range 4 {
		sim.Step(5 * time.Millisecond) // 0.25 requests each
	}
	if got := count(sim, "canary", "200"); got != 51 {
		t.Errorf("after 4 x 0.25 requests, canary 200s = %v, want 51", got)
	}
}

func TestControlChangesErrorFraction(t *testing.T) {
	sim, _, srv := newTestServer(t)

	code, body := do(t, http.MethodPost, srv.URL+"/control", `{"version":"canary","errorRate":0.5,"latencyMs":250}`)
	if code != http.StatusOK {
		t.Fatalf("POST /control: %d %s", code, body)
	}
	sim.Step(2 * time.Second) // 100 requests per version

	if ok, bad := count(sim, "canary", "200"), count(sim, "canary", "500"); ok != 50 || bad != 50 {
		t.Errorf("canary 200/500 = %v/%v, want 50/50", ok, bad)
	}
	if bad := count(sim, "stable", "500"); bad != 0 {
		t.Errorf("stable 500s = %v, want 0 (only canary was changed)", bad)
	}

	// Partial update: only the error rate changes, latency stays at 250.
	if code, body := do(t, http.MethodPost, srv.URL+"/control", `{"version":"canary","errorRate":0.1}`); code != http.StatusOK {
		t.Fatalf("POST /control: %d %s", code, body)
	}
	code, body = do(t, http.MethodGet, srv.URL+"/control", "")
	if code != http.StatusOK {
		t.Fatalf("GET /control: %d %s", code, body)
	}
	var settings map[string]Settings
	if err := json.Unmarshal([]byte(body), &settings); err != nil {
		t.Fatal(err)
	}
	if got := settings["canary"]; got.ErrorRate != 0.1 || got.LatencyMs != 250 || got.Rate != 50 {
		t.Errorf("canary settings = %+v, want errorRate 0.1, latencyMs 250, rate 50", got)
	}
	before := count(sim, "canary", "500")
	sim.Step(2 * time.Second)
	if got := count(sim, "canary", "500") - before; got != 10 {
		t.Errorf("canary 500s over 100 requests at errorRate 0.1 = %v, want 10", got)
	}

	if code, _ := do(t, http.MethodPost, srv.URL+"/reset", ""); code != http.StatusOK {
		t.Fatalf("POST /reset: %d", code)
	}
	if got := sim.Settings()["canary"]; got.ErrorRate != 0 || got.LatencyMs != 50 {
		t.Errorf("after reset canary = %+v, want the defaults", got)
	}
}

func TestControlRejectsBadInput(t *testing.T) {
	_, _, srv := newTestServer(t)
	for _, body := range []string{
		`{"version":"bad name!","errorRate":0.5}`,
		`{"version":"canary","errorRate":1.5}`,
		`{"version":"canary","latencyMs":-1}`,
		`{"version":"canary","typo":1}`,
		`not json`,
	} {
		if code, resp := do(t, http.MethodPost, srv.URL+"/control", body); code != http.StatusBadRequest {
			t.Errorf("POST /control %s: %d %s, want 400", body, code, resp)
		}
	}
}

func TestMetricsEndpoint(t *testing.T) {
	sim, reg, srv := newTestServer(t)
	if code, _ := do(t, http.MethodPost, srv.URL+"/control", `{"version":"preview","latencyMs":220}`); code != http.StatusOK {
		t.Fatal("POST /control failed")
	}
	sim.Step(time.Second)
	code, body := do(t, http.MethodGet, srv.URL+"/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", code)
	}
	for _, want := range []string{
		`sluice_test_requests_total{code="200",version="stable"} 50`,
		`sluice_test_requests_total{code="500",version="canary"} 0`,
		`sluice_test_request_duration_seconds_count{version="preview"} 50`,
		// Latencies cycle through 110, 165, 220, 275 and 330ms.
		`sluice_test_request_duration_seconds_bucket{version="preview",le="0.2"} 20`,
		`sluice_test_request_duration_seconds_bucket{version="preview",le="0.3"} 40`,
		// The same requests under the name an instrumented application uses;
		// Prometheus stores an empty label as no label, so queries such as
		// http_requests_total{service="stable"} see {service,code} only.
		`http_requests_total{code="200",namespace="",pod_template_hash="",service="stable"} 50`,
		`http_requests_total{code="500",namespace="",pod_template_hash="",service="canary"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// The mean latency is the configured one.
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "sluice_test_request_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			if m.GetLabel()[0].GetValue() != "preview" {
				continue
			}
			h := m.GetHistogram()
			if mean := h.GetSampleSum() / float64(h.GetSampleCount()); math.Abs(mean-0.22) > 1e-9 {
				t.Errorf("preview mean latency = %v, want 0.22", mean)
			}
		}
	}
}

func TestJSONDocument(t *testing.T) {
	_, _, srv := newTestServer(t)
	if code, body := do(t, http.MethodGet, srv.URL+"/json", ""); code != http.StatusOK || body != "{}" {
		t.Errorf("initial GET /json = %d %q, want 200 {}", code, body)
	}
	doc := `{"status":{"successRate":0.99,"items":[1,2,3]}}`
	if code, _ := do(t, http.MethodPut, srv.URL+"/json", doc); code != http.StatusNoContent {
		t.Errorf("PUT /json = %d, want 204", code)
	}
	if code, body := do(t, http.MethodGet, srv.URL+"/json", ""); code != http.StatusOK || body != doc {
		t.Errorf("GET /json = %d %q, want %q", code, body, doc)
	}
	if code, _ := do(t, http.MethodPut, srv.URL+"/json", "{broken"); code != http.StatusBadRequest {
		t.Errorf("PUT invalid JSON = %d, want 400", code)
	}
}

func TestControlAddsUnknownVersion(t *testing.T) {
	s := NewSimulator(prometheus.NewRegistry(), []string{"stable"}, Settings{Rate: 10, LatencyMs: 50})
	if err := s.Apply(controlRequest{Version: "ns-1-canary", ErrorRate: ptrFloat(0.5)}); err != nil {
		t.Fatal(err)
	}
	got, ok := s.Settings()["ns-1-canary"]
	if !ok || got.ErrorRate != 0.5 || got.Rate != 10 {
		t.Errorf("new version settings = %+v (present %v), want the defaults with errorRate 0.5", got, ok)
	}
}

func ptrFloat(v float64) *float64 { return &v }

// http_requests_total carries exactly the requests of sluice_test_requests_total,
// errors included, so a query over either agrees.
func TestHTTPRequestsMirrorTheSimulatedRequests(t *testing.T) {
	sim, _, srv := newTestServer(t)
	if code, body := do(t, http.MethodPost, srv.URL+"/control", `{"version":"web-preview","errorRate":0.25}`); code != http.StatusOK {
		t.Fatalf("POST /control: %d %s", code, body)
	}
	sim.Step(2 * time.Second)
	for _, v := range []string{"stable", "web-preview"} {
		for _, code := range []string{"200", "500"} {
			want := count(sim, v, code)
			if got := testutil.ToFloat64(sim.httpRequests.WithLabelValues("", v, "", code)); got != want {
				t.Errorf("http_requests_total{service=%q,code=%q} = %v, want %v as in sluice_test_requests_total", v, code, got, want)
			}
		}
	}
	if got := testutil.ToFloat64(sim.httpRequests.WithLabelValues("", "web-preview", "", "500")); got != 25 {
		t.Errorf("web-preview 5xx over 100 requests at errorRate 0.25 = %v, want 25", got)
	}
}
