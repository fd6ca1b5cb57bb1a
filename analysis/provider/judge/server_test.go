package judge

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The scopes the tests' judges use; the fake server tells the sides apart by
// them, as Prometheus would by the pod-template-hash label.
const (
	canaryHash   = "6d4f8b7c9"
	baselineHash = "7f9c6d5b8"
)

// fakePrometheus speaks Prometheus' query API (/api/v1/query and
// /api/v1/query_range, form POST or GET as client_golang sends). It answers
// from per-scope data: a range query with every sample of the scope's series,
// an instant query with the count named by the query's first word ("events"
// or "total") for the scope. A query matching fail gets that error instead.
type fakePrometheus struct {
	// series are the samples per scope, per series (pod).
	series map[string][][]float64
	// counts are the instant answers per scope: "events" and "total"; a
	// missing one is an empty vector.
	counts map[string]map[string]float64
	// fail answers queries containing a substring with a status and body.
	fail map[string]failure

	mu       sync.Mutex
	requests []recordedRequest
}

type failure struct {
	status int
	body   string
}

// recordedRequest is what the server saw of one query.
type recordedRequest struct {
	path, query, time, start, end, step string
}

func (f *fakePrometheus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	q := r.Form.Get("query")
	f.mu.Lock()
	f.requests = append(f.requests, recordedRequest{path: r.URL.Path, query: q, time: r.Form.Get("time"),
		start: r.Form.Get("start"), end: r.Form.Get("end"), step: r.Form.Get("step")})
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	for part, fail := range f.fail {
		if strings.Contains(q, part) {
			w.WriteHeader(fail.status)
			_, _ = w.Write([]byte(fail.body))
			return
		}
	}
	scope := scopeIn(q)
	switch r.URL.Path {
	case "/api/v1/query_range":
		_, _ = w.Write([]byte(success("matrix", matrix(f.series[scope]))))
	case "/api/v1/query":
		kind, _, _ := strings.Cut(q, "{")
		n, ok := f.counts[scope][kind]
		result := "[]"
		if ok {
			result = fmt.Sprintf(`[{"metric":{},"value":[1740830400,"%s"]}]`, strconv.FormatFloat(n, 'g', -1, 64))
		}
		_, _ = w.Write([]byte(success("vector", result)))
	default:
		http.NotFound(w, r)
	}
}

// scopeIn finds which side a query is for.
func scopeIn(q string) string {
	for _, scope := range []string{canaryHash, baselineHash} {
		if strings.Contains(q, scope) {
			return scope
		}
	}
	return ""
}

func (f *fakePrometheus) recorded() []recordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recordedRequest(nil), f.requests...)
}

// matrix is a matrix result with one series per pod, one sample per 15 s.
func matrix(pods [][]float64) string {
	var series []string
	for i, samples := range pods {
		var values []string
		for j, v := range samples {
			values = append(values, fmt.Sprintf(`[%d,"%s"]`, 1740830000+15*j, strconv.FormatFloat(v, 'g', -1, 64)))
		}
		series = append(series, fmt.Sprintf(`{"metric":{"pod":"p%d"},"values":[%s]}`, i, strings.Join(values, ",")))
	}
	return "[" + strings.Join(series, ",") + "]"
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

// testNow is the fake clock's time; testStart is when the test runs started.
var (
	testNow   = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	testStart = testNow.Add(-10 * time.Minute)
)

// newTestProvider returns a provider with a fake clock at testNow.
func newTestProvider(defaultAddress string) *Provider {
	p := New(defaultAddress)
	p.clock = clocktesting.NewFakePassiveClock(testNow)
	return p
}

// startedRun is a run that started at testStart, with count measurements of
// the metric named name already counted.
func startedRun(name string, counted int32) *v1alpha1.AnalysisRun {
	started := metav1.NewTime(testStart)
	return &v1alpha1.AnalysisRun{Status: v1alpha1.AnalysisRunStatus{
		Phase: v1alpha1.AnalysisPhaseRunning, StartedAt: &started,
		MetricResults: []v1alpha1.MetricResult{{Name: name, Phase: v1alpha1.AnalysisPhaseRunning, Count: counted}},
	}}
}

// judgeMetric wraps a judge spec in an analysis metric measured count times.
func judgeMetric(spec v1alpha1.JudgeMetric, count int32) v1alpha1.Metric {
	c := intOrString(count)
	return v1alpha1.Metric{Name: "canary-vs-baseline", Interval: "1m", Count: &c,
		Provider: v1alpha1.MetricProvider{Judge: &spec}}
}

// latencyJudge is a judge with one series metric, with the API's defaults.
func latencyJudge(address string) v1alpha1.JudgeMetric {
	return v1alpha1.JudgeMetric{
		Address: address, CanaryScope: canaryHash, BaselineScope: baselineHash,
		Warmup: "0s", Resolution: "15s", Alpha: "0.05", Pass: 95, Marginal: 75, NoData: "Inconclusive",
		Metrics: []v1alpha1.JudgeQuery{{
			Name: "p99-latency", Type: v1alpha1.JudgeSeries, Direction: v1alpha1.JudgeIncrease, MinSamples: 10,
			Query: `histogram_quantile(0.99, sum by (le) (rate(latency_bucket{hash="{{scope}}"}[1m])))`,
		}},
	}
}

// errorsJudge is a judge with one ratio metric.
func errorsJudge(address string) v1alpha1.JudgeMetric {
	j := latencyJudge(address)
	j.Metrics = []v1alpha1.JudgeQuery{{
		Name: "error-rate", Type: v1alpha1.JudgeRatio, Direction: v1alpha1.JudgeIncrease, MinSamples: 100, Critical: true,
		Events: `events{hash="{{scope}}",code=~"5.."}[{{window}}]`,
		Total:  `total{hash="{{scope}}"}[{{window}}]`,
	}}
	return j
}

// latencies is a deterministic, spread sample of n latencies around base:
// the same for both sides unless shifted.
func latencies(n int, base float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = base + float64((i*37)%23) - 11
	}
	return out
}

func scaled(samples []float64, factor float64) []float64 {
	out := make([]float64, len(samples))
	for i, v := range samples {
		out[i] = v * factor
	}
	return out
}
