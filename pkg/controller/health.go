package controller

import (
	"fmt"
	"net/http"
	"sync"
)

// health is what /healthz and /readyz report. The manager updates it as the
// informers sync, leadership changes and shutdown begins.
type health struct {
	leaderElect bool

	mu       sync.Mutex
	synced   bool
	leading  bool
	leader   string // identity of the current leader, when known
	stopping bool
}

func newHealth(leaderElect bool) *health {
	return &health{leaderElect: leaderElect}
}

func (h *health) setSynced() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.synced = true
}

func (h *health) setLeading(leading bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.leading = leading
}

func (h *health) setLeader(identity string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.leader = identity
}

func (h *health) setStopping() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopping = true
}

// readiness says whether the process is ready and why, in one line.
//
// A standby replica is ready: it has warm caches and can take over at once, and
// a Deployment rolling the controller must not wait for a replica that may
// never lead.
func (h *health) readiness() (bool, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.stopping:
		return false, "shutting down"
	case !h.synced:
		return false, "informer caches not synced yet"
	case !h.leaderElect:
		return true, "ok: leader election disabled, controllers running"
	case h.leading:
		return true, "ok: leader, controllers running"
	case h.leader != "":
		return true, fmt.Sprintf("ok: standby, leader is %s", h.leader)
	default:
		return true, "ok: standby, waiting for the lease"
	}
}

// handler serves /healthz (the process is alive: always 200) and /readyz.
func (h *health) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		ready, msg := h.readiness()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		fmt.Fprintln(w, msg)
	})
	return mux
}
