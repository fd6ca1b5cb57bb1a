package main

// --notifications: every Rollout subscribed, with every built-in trigger, to
// a webhook the bench serves itself (docs/benchmarks.md, "Notifications").
// The bench configures the controller's own sluice-notifications ConfigMap in
// its namespace, waits until each Rollout's ledger has recorded its first
// deploy (which is not sent), and after the wave waits until every Rollout's
// on-rollout-completed has arrived. A run without the flag is the baseline:
// the same wave with the notifications controller idle.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
)

// webhookSink is the bench's receiver: it answers 200 to every delivery and
// counts them by CloudEvent id and type.
type webhookSink struct {
	url string
	srv *http.Server
	t0  time.Time

	mu        sync.Mutex
	total     int
	ids       map[string]int
	completed int
	last      time.Duration // bench clock of the latest delivery
}

func startWebhookSink(t0 time.Time) (*webhookSink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &webhookSink{url: "http://" + ln.Addr().String() + "/hook", ids: map[string]int{}, t0: t0}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.receive), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *webhookSink) receive(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var event struct{ ID, Type string }
	_ = json.Unmarshal(body, &event)
	s.mu.Lock()
	s.total++
	s.ids[event.ID]++
	if event.Type == "dev.sluice."+notifications.OnRolloutCompleted && s.ids[event.ID] == 1 {
		s.completed++
	}
	s.last = time.Since(s.t0)
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *webhookSink) stop() { _ = s.srv.Close() }

// counts returns deliveries received, distinct ids, ids received more than
// once, completed Rollouts and the bench time of the latest delivery.
func (s *webhookSink) counts() (total, distinct, repeated, completed int, last time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.ids {
		if n > 1 {
			repeated++
		}
	}
	return s.total, len(s.ids), repeated, s.completed, s.last
}

// notifyResult is what --notifications adds to the report.
type notifyResult struct {
	// Delivered and DistinctIDs count the wave's deliveries; Repeated the ids
	// that came more than once (want 0).
	Delivered   int `json:"delivered"`
	DistinctIDs int `json:"distinctIDs"`
	Repeated    int `json:"repeated"`
	// DrainedSeconds: first patch → last delivery received.
	DrainedSeconds float64 `json:"drainedSeconds"`
	// LedgerStartSeconds: how long every Rollout's ledger took to record the
	// first deploy after the ConfigMap was created.
	LedgerStartSeconds float64 `json:"ledgerStartSeconds"`
}

// configureNotifications creates the ConfigMap (the controller runs with
// --notifications-namespace set to the bench namespace) subscribing every
// Rollout to the sink.
func (e *env) configureNotifications(ctx context.Context) error {
	svc, _ := yaml.Marshal(map[string]any{"url": e.sink.url})
	subs, _ := yaml.Marshal([]map[string]any{{"recipients": []string{"webhook.bench"}, "triggers": notifications.BuiltinTriggers}})
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "sluice-notifications"},
		Data:       map[string]string{"service.webhook.bench": string(svc), "subscriptions": string(subs)},
	}
	_, err := e.kube.CoreV1().ConfigMaps(e.namespace).Create(ctx, cm, metav1.CreateOptions{})
	return err
}

// waitLedgersStarted waits until every Rollout carries its ledger.
func (e *env) waitLedgersStarted(ctx context.Context, o *observer) error {
	deadline := time.Now().Add(e.cfg.timeout)
	lastLog := time.Now()
	for {
		list, err := o.rollouts.Rollouts(e.namespace).List(labels.Everything())
		if err != nil {
			return err
		}
		started := 0
		for _, ro := range list {
			if ro.Annotations[ledger.Annotation] != "" {
				started++
			}
		}
		if started >= e.cfg.n {
			logf("%d/%d notification ledgers started", started, e.cfg.n)
			return nil
		}
		if time.Since(lastLog) > 5*time.Second {
			logf("%d/%d notification ledgers started", started, e.cfg.n)
			lastLog = time.Now()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s: %d/%d notification ledgers started", e.cfg.timeout, started, e.cfg.n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// waitNotificationsDrained waits until every Rollout's on-rollout-completed
// arrived and nothing more came for 2 s.
func (e *env) waitNotificationsDrained(ctx context.Context) error {
	deadline := time.Now().Add(e.cfg.timeout)
	lastTotal, quiet := -1, 0
	for {
		total, _, _, completed, _ := e.sink.counts()
		if total == lastTotal {
			quiet++
		} else {
			lastTotal, quiet = total, 0
		}
		if completed >= e.cfg.n && quiet >= 4 {
			logf("notifications drained: %d received, %d Rollouts completed", total, completed)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s: %d notifications, %d/%d completed", e.cfg.timeout, total, completed, e.cfg.n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// rolloutWrites counts a phase's writes to Rollouts (spec, metadata and
// status): the ledger is an annotation, so its claims and marks are here.
func rolloutWrites(p *phaseResult) float64 {
	n := 0.0
	for _, rc := range p.Requests {
		if strings.HasPrefix(rc.Resource, "rollouts.") && rc.Verb != "get" && rc.Verb != "list" && rc.Verb != "watch" {
			n += rc.Count
		}
	}
	return n
}
