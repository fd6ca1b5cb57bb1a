package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Settings is the simulated behaviour of one version.
type Settings struct {
	// ErrorRate is the fraction of requests answered with a 5xx, in [0, 1].
	ErrorRate float64 `json:"errorRate"`
	// LatencyMs is the mean request duration in milliseconds.
	LatencyMs float64 `json:"latencyMs"`
	// Rate is the number of requests per second.
	Rate float64 `json:"rate"`
}

func (s Settings) validate() error {
	switch {
	case math.IsNaN(s.ErrorRate) || s.ErrorRate < 0 || s.ErrorRate > 1:
		return fmt.Errorf("errorRate must be between 0 and 1, got %v", s.ErrorRate)
	case math.IsNaN(s.LatencyMs) || s.LatencyMs < 0:
		return fmt.Errorf("latencyMs must be >= 0, got %v", s.LatencyMs)
	case math.IsNaN(s.Rate) || s.Rate < 0 || s.Rate > 1e6:
		return fmt.Errorf("rate must be between 0 and 1e6, got %v", s.Rate)
	}
	return nil
}

// controlRequest is the body of POST /control. Omitted fields keep their
// current value.
type controlRequest struct {
	Version   string   `json:"version"`
	ErrorRate *float64 `json:"errorRate"`
	LatencyMs *float64 `json:"latencyMs"`
	Rate      *float64 `json:"rate"`
}

// latencyCycle spreads latencies around the mean (their average is 1) so
// that histogram quantiles are meaningful yet reproducible.
var latencyCycle = []float64{0.5, 0.75, 1, 1.25, 1.5}

// versionState is a version's settings plus the simulation's carry-overs.
type versionState struct {
	Settings
	pending  float64 // fraction of a request not yet emitted
	errDebt  float64 // accumulated error fraction; an error is emitted per whole unit
	latencyI int     // position in latencyCycle
}

// Simulator produces the metrics. All methods are safe for concurrent use.
type Simulator struct {
	mu       sync.Mutex
	versions []string
	defaults Settings
	state    map[string]*versionState
	doc      []byte // the /json document

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// httpRequests counts the same requests under the name and labels an
	// instrumented application usually has, so that example AnalysisTemplates
	// written for a real cluster also work here. A version's series leave
	// namespace and pod_template_hash empty (to Prometheus: absent); hash
	// targets fill them.
	httpRequests *prometheus.CounterVec

	hashes      map[hashKey]*hashTarget
	hashMetrics *hashMetrics
}

// NewSimulator registers the metrics on reg and sets every version to the
// defaults.
func NewSimulator(reg prometheus.Registerer, versions []string, defaults Settings) *Simulator {
	s := &Simulator{
		defaults: defaults,
		state:    map[string]*versionState{},
		doc:      []byte("{}"),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_test_requests_total",
			Help: "Simulated requests served, by version and status code.",
		}, []string{"version", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_test_request_duration_seconds",
			Help:    "Simulated request durations, by version.",
			Buckets: []float64{.005, .01, .025, .05, .075, .1, .15, .2, .25, .3, .4, .5, .75, 1, 1.5, 2, 3, 5, 10},
		}, []string{"version"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "The simulated requests of sluice_test_requests_total again, the version named as the service.",
		}, []string{"namespace", "service", "pod_template_hash", "code"}),
		hashes: map[hashKey]*hashTarget{},
	}
	s.hashMetrics = newHashMetrics(s.httpRequests)
	reg.MustRegister(s.requests, s.duration, s.httpRequests)
	reg.MustRegister(s.hashMetrics.collectors()...)
	for _, v := range versions {
		s.addVersion(strings.TrimSpace(v))
	}
	return s
}

// addVersion starts simulating a version with the default settings. Tests use
// their own version names so they can change them without disturbing each other.
func (s *Simulator) addVersion(v string) {
	if v == "" || slices.Contains(s.versions, v) {
		return
	}
	s.versions = append(s.versions, v)
	s.state[v] = &versionState{Settings: s.defaults}
	// Create every series up front, so that queries such as the 5xx rate
	// return 0 rather than nothing before the first error.
	for _, code := range []string{"200", "500"} {
		s.requests.WithLabelValues(v, code)
		s.httpRequests.WithLabelValues("", v, "", code)
	}
	s.duration.WithLabelValues(v)
}

// Run advances the simulation every tick until ctx is done, by the time that
// really passed (so a late tick does not lose requests).
func (s *Simulator) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.Step(now.Sub(last))
			last = now
		}
	}
}

// Step adds the requests of dt of simulated traffic to the metrics.
func (s *Simulator) Step(dt time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.versions {
		st := s.state[v]
		st.pending += st.Rate * dt.Seconds()
		n := int(st.pending)
		st.pending -= float64(n)
		okCount, errCount := 0, 0
		for range n {
			st.errDebt += st.ErrorRate
			if st.errDebt >= 1-1e-9 {
				st.errDebt--
				errCount++
			} else {
				okCount++
			}
			obs := st.LatencyMs / 1000 * latencyCycle[st.latencyI]
			st.latencyI = (st.latencyI + 1) % len(latencyCycle)
			s.duration.WithLabelValues(v).Observe(obs)
		}
		s.requests.WithLabelValues(v, "200").Add(float64(okCount))
		s.requests.WithLabelValues(v, "500").Add(float64(errCount))
		s.httpRequests.WithLabelValues("", v, "", "200").Add(float64(okCount))
		s.httpRequests.WithLabelValues("", v, "", "500").Add(float64(errCount))
	}
	s.stepHashesLocked(dt.Seconds())
}

// Settings returns a copy of the current settings per version.
func (s *Simulator) Settings() map[string]Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Settings, len(s.state))
	for v, st := range s.state {
		out[v] = st.Settings
	}
	return out
}

// Apply changes one version's settings; a version not simulated yet starts
// with the defaults first.
func (s *Simulator) Apply(req controlRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !validVersion(req.Version) {
		return fmt.Errorf("version %q: want 1-63 letters, digits, '-', '_' or '.'", req.Version)
	}
	s.addVersion(req.Version)
	st := s.state[req.Version]
	next := st.Settings
	if req.ErrorRate != nil {
		next.ErrorRate = *req.ErrorRate
	}
	if req.LatencyMs != nil {
		next.LatencyMs = *req.LatencyMs
	}
	if req.Rate != nil {
		next.Rate = *req.Rate
	}
	if err := next.validate(); err != nil {
		return err
	}
	st.Settings = next
	st.errDebt = 0
	return nil
}

// SetRate sets a version's request rate (creating the version), keeping its
// other settings and carry-overs: the traffic follower calls it several times
// a second.
func (s *Simulator) SetRate(version string, rate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addVersion(version)
	s.state[version].Rate = max(0, rate)
}

// Reset puts every version back to the defaults and stops every hash target.
func (s *Simulator) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.state {
		*st = versionState{Settings: s.defaults}
	}
	s.deleteHashesLocked(hashKey{})
}

// Handler serves the endpoints listed in the package documentation.
func (s *Simulator) Handler(gatherer prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /control", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Settings())
	})
	mux.HandleFunc("POST /control", func(w http.ResponseWriter, r *http.Request) {
		var req controlRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			httpError(w, http.StatusBadRequest, fmt.Errorf("invalid JSON: %w", err))
			return
		}
		if err := s.Apply(req); err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusOK, s.Settings())
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, _ *http.Request) {
		s.Reset()
		writeJSON(w, http.StatusOK, s.Settings())
	})
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		doc := s.doc
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(doc)
	})
	mux.HandleFunc("PUT /json", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		if !json.Valid(body) {
			httpError(w, http.StatusBadRequest, errors.New("body is not valid JSON"))
			return
		}
		s.mu.Lock()
		s.doc = body
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	s.registerHashes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func httpError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

// validVersion keeps version names usable as label values in PromQL matchers.
func validVersion(v string) bool {
	if v == "" || len(v) > 63 {
		return false
	}
	for _, r := range v {
		ok := r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return false
		}
	}
	return true
}
