package controller

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp.StatusCode, strings.TrimSpace(string(body))
}

func TestHealthEndpoints(t *testing.T) {
	type probe struct {
		code int
		body string
	}
	tests := []struct {
		name        string
		leaderElect bool
		setup       func(*health)
		readyz      probe
	}{
		{"starting", true, func(*health) {}, probe{503, "informer caches not synced yet"}},
		{"synced without leader election", false, (*health).setSynced,
			probe{200, "ok: leader election disabled, controllers running"}},
		{"synced, waiting for the lease", true, (*health).setSynced,
			probe{200, "ok: standby, waiting for the lease"}},
		{"synced, standby", true, func(h *health) { h.setSynced(); h.setLeader("other-pod_1234") },
			probe{200, "ok: standby, leader is other-pod_1234"}},
		{"synced, leader", true, func(h *health) { h.setSynced(); h.setLeader("me"); h.setLeading(true) },
			probe{200, "ok: leader, controllers running"}},
		{"leader but caches not synced", true, func(h *health) { h.setLeading(true) },
			probe{503, "informer caches not synced yet"}},
		{"shutting down", false, func(h *health) { h.setSynced(); h.setStopping() },
			probe{503, "shutting down"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHealth(tt.leaderElect)
			tt.setup(h)
			srv := httptest.NewServer(h.handler())
			defer srv.Close()

			// /healthz is about the process only: 200 in every state.
			if code, body := get(t, srv.URL+"/healthz"); code != 200 || body != "ok" {
				t.Errorf("/healthz = %d %q, want 200 \"ok\"", code, body)
			}
			if code, body := get(t, srv.URL+"/readyz"); code != tt.readyz.code || body != tt.readyz.body {
				t.Errorf("/readyz = %d %q, want %d %q", code, body, tt.readyz.code, tt.readyz.body)
			}
		})
	}
}
