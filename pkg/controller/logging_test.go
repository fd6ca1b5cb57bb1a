package controller

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
)

func decodeLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestJSONSink(t *testing.T) {
	var buf bytes.Buffer
	sink := newJSONSink(&buf)
	sink.now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC) }
	logger := logr.New(sink).WithName("rollout").WithValues("namespace", "shop")

	logger.V(2).Info("Scaled <canary>", "rollout", klog.KRef("shop", "web"), "after", 1500*time.Millisecond, "replicas", 3, "dangling")
	logger.Error(errors.New("boom"), "Reconcile failed", "ch", make(chan int))

	lines := decodeLines(t, buf.String())
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), buf.String())
	}
	info := lines[0]
	for k, want := range map[string]any{
		"ts": "2026-01-02T03:04:05.678Z", "level": "info", "v": 2.0, "logger": "rollout",
		"msg": "Scaled <canary>", "namespace": "shop", "after": "1.5s", "replicas": 3.0, "dangling": "(MISSING)",
	} {
		if info[k] != want {
			t.Errorf("info[%q] = %#v, want %#v", k, info[k], want)
		}
	}
	if ref, _ := info["rollout"].(map[string]any); ref["name"] != "web" || ref["namespace"] != "shop" {
		t.Errorf("klog.KRef logged as %#v, want {name: web, namespace: shop}", info["rollout"])
	}
	if c, _ := info["caller"].(string); !strings.HasPrefix(c, "controller/logging_test.go:") {
		t.Errorf("caller = %q, want this test file", info["caller"])
	}
	errLine := lines[1]
	if errLine["level"] != "error" || errLine["err"] != "boom" || errLine["msg"] != "Reconcile failed" {
		t.Errorf("error line = %v", errLine)
	}
	if _, ok := errLine["v"]; ok {
		t.Errorf("error line has a verbosity: %v", errLine)
	}
	if ch, _ := errLine["ch"].(string); !strings.HasPrefix(ch, "0x") {
		t.Errorf("unencodable value logged as %#v, want its %%+v text", errLine["ch"])
	}
}

// TestJSONThroughKlog checks the path the controller uses: klog calls (global
// and contextual) routed to the sink, with klog's -v applied first.
func TestJSONThroughKlog(t *testing.T) {
	var buf bytes.Buffer
	klog.SetLogger(logr.New(newJSONSink(&buf)))
	defer klog.ClearLogger()

	klog.InfoS("Starting", "workers", 10)
	klog.Background().V(9).Info("Too verbose for the default -v")
	klog.FromContext(t.Context()).WithValues("rollout", "web").Error(errors.New("conflict"), "Sync failed")
	klog.Flush()

	lines := decodeLines(t, buf.String())
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (the V(9) line is filtered):\n%s", len(lines), buf.String())
	}
	if lines[0]["msg"] != "Starting" || lines[0]["workers"] != 10.0 {
		t.Errorf("line 0 = %v", lines[0])
	}
	if lines[1]["err"] != "conflict" || lines[1]["rollout"] != "web" {
		t.Errorf("line 1 = %v", lines[1])
	}
	for i, l := range lines {
		if c, _ := l["caller"].(string); !strings.HasPrefix(c, "controller/logging_test.go:") {
			t.Errorf("line %d caller = %q, want this test file", i, l["caller"])
		}
	}
}
