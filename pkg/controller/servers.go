package controller

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/klog/v2"

	"github.com/sluice-dev/sluice/pkg/metrics"
)

// serverShutdownTimeout bounds how long in-flight scrapes and probes may take
// once the process is stopping.
const serverShutdownTimeout = 5 * time.Second

// server is one of the process's HTTP endpoints, already listening.
type server struct {
	name string
	srv  *http.Server
	ln   net.Listener
}

// listen binds the health and metrics servers whose address is set, so an
// address in use fails start-up instead of surfacing later.
func (m *manager) listen() ([]*server, error) {
	var servers []*server
	for _, s := range []struct {
		name, addr string
		handler    http.Handler
	}{
		{"health", m.opts.HealthAddr, m.health.handler()},
		{"metrics", m.opts.MetricsAddr, metricsHandler(metrics.Registry, m.opts.Pprof)},
	} {
		if s.addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			for _, open := range servers {
				_ = open.ln.Close()
			}
			return nil, fmt.Errorf("%s server: %w", s.name, err)
		}
		servers = append(servers, &server{
			name: s.name,
			ln:   ln,
			srv:  &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second},
		})
	}
	return servers, nil
}

// serve serves in the background; fail is called if the server stops for any
// reason other than shutdown.
func (s *server) serve(ctx context.Context, fail func(error)) {
	klog.FromContext(ctx).Info("Serving", "server", s.name, "address", s.ln.Addr().String())
	go func() {
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fail(fmt.Errorf("%s server: %w", s.name, err))
		}
	}()
}

// shutdownServers stops the servers, letting in-flight requests finish for up
// to serverShutdownTimeout.
func shutdownServers(ctx context.Context, servers []*server) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), serverShutdownTimeout)
	defer cancel()
	for _, s := range servers {
		if err := s.srv.Shutdown(ctx); err != nil {
			klog.FromContext(ctx).Error(err, "Server shutdown", "server", s.name)
		}
	}
}

// metricsHandler serves /metrics from a registry and, with pprof, Go's
// profiles under /debug/pprof/ (registered here rather than through the
// net/http/pprof side effect on http.DefaultServeMux, so they appear only when
// asked for).
func metricsHandler(g prometheus.Gatherer, pprof bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	if pprof {
		mux.HandleFunc("/debug/pprof/", httppprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", httppprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", httppprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", httppprof.Trace)
	}
	return mux
}
