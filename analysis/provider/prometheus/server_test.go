package prometheus

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// fakePrometheus speaks Prometheus' instant query API (/api/v1/query, form
// POST or GET as client_golang sends) and answers every query with a canned
// status and body. It records what each request carried.
type fakePrometheus struct {
	status int
	body   string
	delay  time.Duration // answer only after this long (or when the client gives up)

	mu       sync.Mutex
	requests []recordedRequest
}

// recordedRequest is what the server saw of one request.
type recordedRequest struct {
	method, path, host   string
	query, time, timeout string
	header               http.Header
	user, password       string
	hasBasicAuth         bool
}

func (f *fakePrometheus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	user, password, ok := r.BasicAuth()
	f.mu.Lock()
	f.requests = append(f.requests, recordedRequest{
		method: r.Method, path: r.URL.Path, host: r.Host,
		query: r.Form.Get("query"), time: r.Form.Get("time"), timeout: r.Form.Get("timeout"),
		header: r.Header.Clone(), user: user, password: password, hasBasicAuth: ok,
	})
	f.mu.Unlock()
	if f.delay > 0 {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(f.delay):
		}
	}
	if r.URL.Path != "/api/v1/query" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	status := f.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(f.body))
}

// lastRequest returns the last recorded request.
func (f *fakePrometheus) lastRequest(t *testing.T) recordedRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		t.Fatal("the server got no request")
	}
	return f.requests[len(f.requests)-1]
}

// success wraps data in Prometheus' success envelope.
func success(resultType, result string) string {
	return `{"status":"success","data":{"resultType":"` + resultType + `","result":` + result + `}}`
}

// startServer serves f over plain HTTP until the test ends.
func startServer(t *testing.T, f *fakePrometheus) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

// testNow is the fake clock's time; queries must be made at it.
var testNow = time.Date(2025, 3, 1, 12, 0, 0, 500_000_000, time.UTC)

// newTestProvider returns a provider with a fake clock.
func newTestProvider(defaultAddress string) *Provider {
	p := New(defaultAddress)
	p.clock = clocktesting.NewFakePassiveClock(testNow)
	return p
}

// promMetric returns a metric with a Prometheus provider.
func promMetric(spec v1alpha1.PrometheusMetric) v1alpha1.Metric {
	return v1alpha1.Metric{Name: "error-rate", Provider: v1alpha1.MetricProvider{Prometheus: &spec}}
}

func int64p(i int64) *int64 { return &i }
