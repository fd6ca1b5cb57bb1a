package prometheus

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-dev/sluice/analysis/provider"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// A query Prometheus rejects as invalid (HTTP 400, errorType bad_data) fails
// the same way every time: the error is permanent, with Prometheus' message.
// Everything that may pass on a later try stays transient.
func TestMeasurePermanentErrors(t *testing.T) {
	// The bodies are what Prometheus sends for these queries.
	parseError := `{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:14: parse error: unexpected \"}\" in label matching, expected string"}`
	tests := []struct {
		name      string
		server    *fakePrometheus // nil: nothing listens
		spec      v1alpha1.PrometheusMetric
		permanent bool
		message   string // a part of the error's text
	}{
		{name: "parse error", server: &fakePrometheus{status: http.StatusBadRequest, body: parseError}, permanent: true,
			message: `query failed (HTTP 400 Bad Request, bad_data): invalid parameter "query": 1:14: parse error: unexpected "}" in label matching, expected string`},
		{name: "parse error echoing a header", server: &fakePrometheus{status: http.StatusBadRequest,
			body: `{"status":"error","errorType":"bad_data","error":"1:1: parse error: t0ken-secret"}`},
			spec:      v1alpha1.PrometheusMetric{Headers: []v1alpha1.WebMetricHeader{{Key: "X-Api-Key", Value: "t0ken-secret"}}},
			permanent: true, message: "1:1: parse error: *****"},
		{name: "execution error", server: &fakePrometheus{status: http.StatusUnprocessableEntity,
			body: `{"status":"error","errorType":"execution","error":"found duplicate series for the match group"}`},
			message: "found duplicate series"},
		{name: "unavailable", server: &fakePrometheus{status: http.StatusServiceUnavailable,
			body: `{"status":"error","errorType":"unavailable","error":"TSDB not ready"}`},
			message: "HTTP 503"},
		{name: "HTTP 400 from a proxy, not Prometheus", server: &fakePrometheus{status: http.StatusBadRequest, body: "bad request"},
			message: "HTTP 400 Bad Request"},
		{name: "HTTP 500", server: &fakePrometheus{status: http.StatusInternalServerError, body: "oops"},
			message: "HTTP 500"},
		{name: "bad_data with another status", server: &fakePrometheus{status: http.StatusInternalServerError, body: parseError},
			message: "HTTP 500"},
		{name: "timeout", server: &fakePrometheus{delay: 5 * time.Second}, spec: v1alpha1.PrometheusMetric{Timeout: int64p(1)},
			message: "timed out"},
		{name: "connection refused", message: "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			address := "http://127.0.0.1:1"
			if tt.server != nil {
				address = startServer(t, tt.server).URL
			}
			spec := tt.spec
			spec.Address, spec.Query = address, `up{job="a"}}`
			_, err := newTestProvider("").Measure(context.Background(), nil, promMetric(spec), nil)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
			if reason := provider.PermanentReason(err); (reason != "") != tt.permanent {
				t.Errorf("permanent reason %q, want permanent %v (error %q)", reason, tt.permanent, err)
			}
		})
	}
}
