package metrics

import (
	"context"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// REST client metrics are labelled by verb/method, status code and API server
// host only — never by URL path, which would carry object names and make the
// label set unbounded.
var (
	restRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Subsystem: "rest_client", Name: "requests_total",
		Help: "Requests the controller sent to the API server, by status code, method and host.",
	}, []string{"code", "method", "host"})
	restRequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Subsystem: "rest_client", Name: "request_duration_seconds",
		Help:    "API request latency, by verb and host.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14), // 1ms .. ~8s
	}, []string{"verb", "host"})
	restRateLimiterDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Subsystem: "rest_client", Name: "rate_limiter_duration_seconds",
		Help:    "Time API requests waited in the client-side rate limiter (--qps/--burst), by verb and host.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"verb", "host"})
)

func restClientCollectors() []prometheus.Collector {
	return []prometheus.Collector{restRequests, restRequestDuration, restRateLimiterDuration}
}

type requestResult struct{}

func (requestResult) Increment(_ context.Context, code, method, host string) {
	restRequests.WithLabelValues(code, method, host).Inc()
}

type requestLatency struct{}

func (requestLatency) Observe(_ context.Context, verb string, u url.URL, latency time.Duration) {
	restRequestDuration.WithLabelValues(verb, u.Host).Observe(latency.Seconds())
}

type rateLimiterLatency struct{}

func (rateLimiterLatency) Observe(_ context.Context, verb string, u url.URL, latency time.Duration) {
	restRateLimiterDuration.WithLabelValues(verb, u.Host).Observe(latency.Seconds())
}
