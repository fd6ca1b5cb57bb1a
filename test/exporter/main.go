// Command exporter is the stand-in for an application's metrics in sluice's
// test cluster. Prometheus scrapes its /metrics; tests steer it over HTTP.
//
// It simulates traffic for a few versions of an application without serving
// any: every tick it adds the requests that the configured rate would have
// produced to
//
//	sluice_test_requests_total{version,code}              counter, code 200 or 500
//	sluice_test_request_duration_seconds{version}         histogram
//	http_requests_total{service,code}                     the same requests, the version as service
//
// and, for the pods of one pod-template hash that a test names (POST /hashes,
// see hashes.go and hashes_metrics.go), latency histograms and request counts
// per hash, as an application, Istio and Envoy export them — what a judge
// analysis compares between a canary and its baseline.
//
// The default versions are stable, canary and preview (the demo's and the
// tests'), and web-canary and web-preview: the Services whose success rate the
// examples in manifests/examples measure through http_requests_total, a name
// and labels such as an instrumented application exports on a real cluster.
//
// Endpoints:
//
//	GET  /metrics   Prometheus metrics
//	GET  /control   current settings per version, as JSON
//	POST /control   {"version":"canary","errorRate":0.5,"latencyMs":250,"rate":50}
//	                (fields other than version are optional and keep their value)
//	POST /reset     every version back to the defaults, every hash target stopped
//	GET  /json      a JSON document for web-metric provider tests ({} at start)
//	PUT  /json      replace that document (must be valid JSON)
//	POST /hashes    set the traffic of pod-template hashes (hashes_http.go)
//	GET  /hashes    the hash targets; DELETE /hashes?namespace=… stops some
//	GET  /healthz   ok
//
// The simulation is deterministic so that tests do not flake: the error
// fraction is exact over any window (errors are spread evenly, not drawn at
// random), and latencies cycle through 0.5, 0.75, 1, 1.25 and 1.5 times the
// configured mean. Hash targets draw log-normal latencies from a seeded
// generator: the same seed gives the same latencies, request for request.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:19100", "listen address")
	rate := flag.Float64("rate", 50, "simulated requests per second, per version")
	versions := flag.String("versions", "stable,canary,preview,web-canary,web-preview", "comma-separated versions to simulate")
	latency := flag.Float64("latency-ms", 50, "default mean latency in milliseconds")
	tick := flag.Duration("tick", 100*time.Millisecond, "simulation step")
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig for following Rollouts' traffic weights (POST /apps)")
	flag.Parse()

	defaults := Settings{Rate: *rate, LatencyMs: *latency}
	if err := defaults.validate(); err != nil {
		log.Fatalf("exporter: %v", err)
	}
	reg := prometheus.NewRegistry()
	sim := NewSimulator(reg, strings.Split(*versions, ","), defaults)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go sim.Run(ctx, *tick)
	follow := newFollower(sim, *kubeconfig)
	go follow.run(ctx)

	mux := http.NewServeMux()
	mux.Handle("/", sim.Handler(reg))
	follow.register(mux)
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	log.Printf("exporter: listening on %s, simulating %s at %g req/s each", *addr, *versions, *rate)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("exporter: %v", err)
	}
}
