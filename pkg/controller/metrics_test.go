package controller

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	clientmetrics "k8s.io/client-go/tools/metrics"
	"k8s.io/client-go/util/workqueue"

	"github.com/sluice-dev/sluice/pkg/metrics"
)

func TestMetricsEndpointServesWorkqueueMetrics(t *testing.T) {
	metrics.InstallClientGoHooks()
	q := workqueue.NewTypedRateLimitingQueueWithConfig(
		// A retry waits an hour, so the retried item never lands in the depth.
		workqueue.NewTypedItemExponentialFailureRateLimiter[string](time.Hour, time.Hour),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "metrics_test_queue"})
	defer q.ShutDown()
	q.Add("a")
	q.Add("b")
	item, _ := q.Get()
	q.Done(item)
	q.AddRateLimited("c") // a retry

	srv := httptest.NewServer(metricsHandler(metrics.Registry, false))
	defer srv.Close()
	code, body := get(t, srv.URL+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics = %d", code)
	}
	for _, want := range []string{
		`workqueue_depth{name="metrics_test_queue"} 1`,
		`workqueue_adds_total{name="metrics_test_queue"} 2`,
		`workqueue_retries_total{name="metrics_test_queue"} 1`,
		`workqueue_queue_duration_seconds_count{name="metrics_test_queue"} 1`,
		`workqueue_work_duration_seconds_count{name="metrics_test_queue"} 1`,
		`workqueue_unfinished_work_seconds{name="metrics_test_queue"}`,
		`workqueue_longest_running_processor_seconds{name="metrics_test_queue"}`,
		"go_goroutines ",
		"process_start_time_seconds ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	// REST client results arrive through client-go's global hook.
	clientmetrics.RequestResult.Increment(t.Context(), "200", "GET", "127.0.0.1:6443")
	_, body = get(t, srv.URL+"/metrics")
	if want := `rest_client_requests_total{code="200",host="127.0.0.1:6443",method="GET"} 1`; !strings.Contains(body, want) {
		t.Errorf("/metrics lacks %q", want)
	}
}

func TestPprofOnlyWhenAsked(t *testing.T) {
	for _, on := range []bool{false, true} {
		srv := httptest.NewServer(metricsHandler(metrics.Registry, on))
		code, _ := get(t, srv.URL+"/debug/pprof/cmdline")
		srv.Close()
		if want := map[bool]int{false: 404, true: 200}[on]; code != want {
			t.Errorf("pprof=%v: /debug/pprof/cmdline = %d, want %d", on, code, want)
		}
	}
}
