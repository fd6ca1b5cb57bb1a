package main

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Hash targets simulate the pods of one pod-template hash of an application:
// what a judge analysis compares. A test reads the canary's and the baseline's
// hashes from their ReplicaSets and tells the exporter how each behaves:
// request rate, error rate and a latency distribution.
//
// Latencies are log-normal: latencyMs·latencyScale·exp(spread·Z) + latencyShiftMs
// with Z a standard normal drawn from a generator seeded with seed. Two targets
// with the same seed, started by the same request, draw the same Z for their
// i-th request, so "identical" sides are identical at every scrape and a
// "+30%" side is exactly 1.3 times the other, request for request: an e2e test
// then asserts the judge's verdict, not luck. Different seeds give independent
// noise (an A/A simulation). Errors are spread evenly, as for versions: the
// error fraction is exact over any window.

// hashKey names one target. The namespace keeps the same hash in two test
// namespaces (the same pod template) apart.
type hashKey struct {
	Namespace string `json:"namespace,omitempty"`
	Service   string `json:"service"`
	Hash      string `json:"hash"`
}

// HashSettings is the simulated behaviour of one pod-template hash.
type HashSettings struct {
	// Rate is requests per second.
	Rate float64 `json:"rate"`
	// ErrorRate is the fraction of requests answered 500, in [0, 1].
	ErrorRate float64 `json:"errorRate"`
	// LatencyMs is the median latency before scale and shift.
	LatencyMs float64 `json:"latencyMs"`
	// LatencyScale multiplies every latency (1.3 = 30% slower).
	LatencyScale float64 `json:"latencyScale"`
	// LatencyShiftMs is added to every latency (may be negative; a latency
	// never goes below 0).
	LatencyShiftMs float64 `json:"latencyShiftMs"`
	// Spread is the log-normal sigma: 0 gives every request the same latency.
	Spread float64 `json:"spread"`
	// Seed starts the latency draws.
	Seed uint64 `json:"seed"`
}

// defaultSpread makes the p99 about 1.8 times the median: noisy enough that a
// judge has something to test, narrow enough that +30% stands out.
const defaultSpread = 0.25

func defaultHashSettings(d Settings) HashSettings {
	return HashSettings{Rate: d.Rate, LatencyMs: d.LatencyMs, LatencyScale: 1, Spread: defaultSpread, Seed: 1}
}

func (s HashSettings) validate() error {
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	switch {
	case bad(s.Rate) || s.Rate < 0 || s.Rate > 1e5:
		return fmt.Errorf("rate must be between 0 and 1e5, got %v", s.Rate)
	case bad(s.ErrorRate) || s.ErrorRate < 0 || s.ErrorRate > 1:
		return fmt.Errorf("errorRate must be between 0 and 1, got %v", s.ErrorRate)
	case bad(s.LatencyMs) || s.LatencyMs < 0 || s.LatencyMs > 1e6:
		return fmt.Errorf("latencyMs must be between 0 and 1e6, got %v", s.LatencyMs)
	case bad(s.LatencyScale) || s.LatencyScale <= 0 || s.LatencyScale > 1000:
		return fmt.Errorf("latencyScale must be above 0 and at most 1000, got %v", s.LatencyScale)
	case bad(s.LatencyShiftMs) || math.Abs(s.LatencyShiftMs) > 1e6:
		return fmt.Errorf("latencyShiftMs must be between -1e6 and 1e6, got %v", s.LatencyShiftMs)
	case bad(s.Spread) || s.Spread < 0 || s.Spread > 3:
		return fmt.Errorf("spread must be between 0 and 3, got %v", s.Spread)
	}
	return nil
}

// hashRequest is one target in the body of POST /hashes. Omitted settings
// keep their value (a new target starts from the defaults); a seed restarts
// the target's draws.
type hashRequest struct {
	hashKey
	Rate           *float64 `json:"rate"`
	ErrorRate      *float64 `json:"errorRate"`
	LatencyMs      *float64 `json:"latencyMs"`
	LatencyScale   *float64 `json:"latencyScale"`
	LatencyShiftMs *float64 `json:"latencyShiftMs"`
	Spread         *float64 `json:"spread"`
	Seed           *uint64  `json:"seed"`
}

func (k hashKey) String() string {
	if k.Namespace == "" {
		return k.Service + "/" + k.Hash
	}
	return k.Namespace + "/" + k.Service + "/" + k.Hash
}

func (k hashKey) validate() error {
	if k.Namespace != "" && !validVersion(k.Namespace) {
		return fmt.Errorf("namespace %q: want 1-63 letters, digits, '-', '_' or '.'", k.Namespace)
	}
	if !validVersion(k.Service) {
		return fmt.Errorf("service %q: want 1-63 letters, digits, '-', '_' or '.'", k.Service)
	}
	if !validVersion(k.Hash) {
		return fmt.Errorf("hash %q: want 1-63 letters, digits, '-', '_' or '.'", k.Hash)
	}
	return nil
}

// merge applies the request's fields to current.
func (r hashRequest) merge(current HashSettings) HashSettings {
	set := func(dst *float64, v *float64) {
		if v != nil {
			*dst = *v
		}
	}
	next := current
	set(&next.Rate, r.Rate)
	set(&next.ErrorRate, r.ErrorRate)
	set(&next.LatencyMs, r.LatencyMs)
	set(&next.LatencyScale, r.LatencyScale)
	set(&next.LatencyShiftMs, r.LatencyShiftMs)
	set(&next.Spread, r.Spread)
	if r.Seed != nil {
		next.Seed = *r.Seed
	}
	return next
}

// hashTarget is a target's settings plus the simulation's carry-overs.
type hashTarget struct {
	HashSettings
	rng     *rand.Rand
	pending float64 // fraction of a request not yet emitted
	errDebt float64 // accumulated error fraction; an error per whole unit
}

func newHashTarget(s HashSettings) *hashTarget {
	t := &hashTarget{HashSettings: s}
	t.restart()
	return t
}

// restart begins the draws again from the seed, with nothing carried over, so
// targets restarted together stay in step.
func (t *hashTarget) restart() {
	t.rng = rand.New(rand.NewPCG(t.Seed, t.Seed^0x9e3779b97f4a7c15))
	t.pending, t.errDebt = 0, 0
}

// request is one simulated request.
type request struct {
	failed  bool
	seconds float64
}

// advance returns the requests of dt seconds of traffic.
func (t *hashTarget) advance(dt float64) []request {
	t.pending += t.Rate * dt
	n := int(t.pending)
	t.pending -= float64(n)
	out := make([]request, n)
	for i := range out {
		t.errDebt += t.ErrorRate
		if t.errDebt >= 1-1e-9 {
			t.errDebt--
			out[i].failed = true
		}
		out[i].seconds = t.latencyMs(t.rng.NormFloat64()) / 1000
	}
	return out
}

// latencyMs is the latency for the standard normal draw z.
func (s HashSettings) latencyMs(z float64) float64 {
	return max(0, s.LatencyMs*s.LatencyScale*math.Exp(s.Spread*z)+s.LatencyShiftMs)
}
