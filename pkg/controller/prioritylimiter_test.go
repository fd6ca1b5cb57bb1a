package controller

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/sluice-dev/sluice/internal/priority"
	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
)

// manualClock runs AfterFunc callbacks only when advance moves time past them,
// synchronously and outside its own lock (a callback reads Now).
type manualClock struct {
	mu      sync.Mutex
	now     time.Time
	pending []*manualCall
}

type manualCall struct {
	at        time.Time
	f         func()
	cancelled bool
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	call := &manualCall{at: c.now.Add(d), f: f}
	c.pending = append(c.pending, call)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !call.cancelled
		call.cancelled = true
		return was
	}
}

// advance moves the clock by d, running every callback due on the way in time
// order (a callback may schedule another that is due too).
func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		sort.SliceStable(c.pending, func(i, j int) bool { return c.pending[i].at.Before(c.pending[j].at) })
		if len(c.pending) == 0 || c.pending[0].at.After(end) {
			c.now = end
			c.mu.Unlock()
			return
		}
		call := c.pending[0]
		c.pending = c.pending[1:]
		c.now = call.at
		c.mu.Unlock()
		if !call.cancelled {
			call.f()
		}
	}
}

func isReady(t *ticket) bool {
	select {
	case <-t.ready:
		return true
	default:
		return false
	}
}

// Within the burst Wait returns at once, whatever the level.
func TestPriorityLimiterLetsTheBurstThrough(t *testing.T) {
	clock := &manualClock{now: lineStart}
	p := newPriorityLimiterWithClock(5, 3, clock)
	for i := range 3 {
		if err := p.Wait(context.Background()); err != nil {
			t.Fatalf("wait %d: %v", i+1, err)
		}
	}
	if p.TryAccept() {
		t.Fatal("a 4th request went through a burst of 3")
	}
	clock.advance(200 * time.Millisecond)
	if !p.TryAccept() {
		t.Error("no token 1/qps later")
	}
	if p.QPS() != 5 {
		t.Errorf("QPS() = %v, want 5", p.QPS())
	}
}

// The wake-up the limiter schedules hands tokens to the user-visible line
// first, then to the ordinary one in arrival order.
func TestPriorityLimiterWakesUserVisibleWaitersFirst(t *testing.T) {
	clock := &manualClock{now: lineStart}
	p := newPriorityLimiterWithClock(10, 1, clock)
	if !p.TryAccept() {
		t.Fatal("a full bucket refused")
	}
	first := p.join(priority.Ordinary)
	second := p.join(priority.Ordinary)
	visible := p.join(priority.UserVisible)
	if isReady(first) || isReady(second) || isReady(visible) {
		t.Fatal("granted with an empty bucket")
	}
	clock.advance(100 * time.Millisecond)
	if !isReady(visible) || isReady(first) || isReady(second) {
		t.Fatalf("after one token: visible %v, first %v, second %v; want only the user-visible one",
			isReady(visible), isReady(first), isReady(second))
	}
	clock.advance(100 * time.Millisecond)
	if !isReady(first) || isReady(second) {
		t.Fatalf("after two tokens: first %v, second %v; want first only", isReady(first), isReady(second))
	}
	clock.advance(100 * time.Millisecond)
	if !isReady(second) {
		t.Fatal("after three tokens the second ordinary request still waits")
	}
	clock.mu.Lock()
	defer clock.mu.Unlock()
	if len(clock.pending) != 0 {
		t.Errorf("%d wake-ups pending with nobody waiting", len(clock.pending))
	}
}

// On the real clock, many goroutines waiting at once (both levels, some giving
// up) all come out: nobody is left behind by a lost wake-up.
func TestPriorityLimiterServesConcurrentWaiters(t *testing.T) {
	p := newPriorityLimiter(2000, 1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	served, cancelled := 0, 0
	for i := range 60 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			if i%2 == 0 {
				ctx = priority.With(ctx, priority.UserVisible)
			}
			if i%5 == 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				cancel()
			}
			err := p.Wait(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				cancelled++
			} else {
				served++
			}
		}()
	}
	wg.Wait()
	if served != 48 || cancelled != 12 {
		t.Errorf("served %d, cancelled %d; want 48 and 12", served, cancelled)
	}
}

// A cancelled Wait returns the context's error at once and leaves the line:
// the token it would have had goes to the next waiter, on time.
func TestPriorityLimiterCancelledWaitLeavesTheLine(t *testing.T) {
	clock := &manualClock{now: lineStart}
	p := newPriorityLimiterWithClock(10, 1, clock)
	p.TryAccept()
	ctx, cancel := context.WithCancel(context.Background())
	gone := p.join(priority.UserVisible)
	next := p.join(priority.Ordinary)
	cancel()
	if err := p.await(ctx, gone); !errors.Is(err, context.Canceled) {
		t.Fatalf("await after cancel = %v, want context.Canceled", err)
	}
	clock.advance(100 * time.Millisecond)
	if !isReady(next) {
		t.Fatal("the waiter behind a cancelled one did not get the next token")
	}
	if p.TryAccept() {
		t.Error("a token too many: the cancelled waiter's token was counted twice")
	}
}

// A context cancelled before Wait is refused without touching the bucket.
func TestPriorityLimiterRefusesADoneContext(t *testing.T) {
	clock := &manualClock{now: lineStart}
	p := newPriorityLimiterWithClock(10, 1, clock)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait(done ctx) = %v, want context.Canceled", err)
	}
	if !p.TryAccept() {
		t.Error("a refused Wait spent the token")
	}
}

// recordingLimiter records the priority of each Wait's context.
type recordingLimiter struct {
	mu     sync.Mutex
	levels []priority.Level
}

func (r *recordingLimiter) Wait(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.levels = append(r.levels, priority.Of(ctx))
	return nil
}
func (r *recordingLimiter) Accept()         {}
func (r *recordingLimiter) TryAccept() bool { return true }
func (r *recordingLimiter) Stop()           {}
func (r *recordingLimiter) QPS() float32    { return 1 }
func (r *recordingLimiter) seen() []priority.Level {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]priority.Level(nil), r.levels...)
}

// The mark reaches the limiter: client-go hands the request's own context to
// RateLimiter.Wait, so a status write marked by the Rollout controller waits in
// the user-visible line.
func TestGeneratedClientPassesTheRequestContextToTheLimiter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"apiVersion":"sluice.dev/v1alpha1","kind":"Rollout","metadata":{"name":"web","namespace":"shop"}}`))
	}))
	defer srv.Close()
	rec := &recordingLimiter{}
	cs, err := sluiceclient.NewForConfig(&rest.Config{Host: srv.URL, RateLimiter: rec})
	if err != nil {
		t.Fatal(err)
	}
	rollouts := cs.SluiceV1alpha1().Rollouts("shop")
	if _, err := rollouts.Get(context.Background(), "web", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	ro, err := rollouts.Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rollouts.UpdateStatus(priority.With(context.Background(), priority.UserVisible), ro, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	got := rec.seen()
	want := []priority.Level{priority.Ordinary, priority.Ordinary, priority.UserVisible}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("levels seen by the limiter %v, want %v", got, want)
	}
}

// Only the sluice client gets the priority limiter; the notifications client,
// copied from the same configuration, keeps a limiter of its own.
func TestNewClientsGivesTheSluiceClientThePriorityLimiter(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Kubeconfig = kubeconfig
	o.LeaderElect = false
	cs, err := newClients(o)
	if err != nil {
		t.Fatal(err)
	}
	limiterOf := func(c sluiceclient.Interface) any {
		return c.SluiceV1alpha1().RESTClient().(*rest.RESTClient).GetRateLimiter()
	}
	pl, ok := limiterOf(cs.sluice).(*priorityLimiter)
	if !ok {
		t.Fatalf("the sluice client's limiter is %T, want *priorityLimiter", limiterOf(cs.sluice))
	}
	if pl.QPS() != o.QPS {
		t.Errorf("priority limiter QPS %v, want --qps %v", pl.QPS(), o.QPS)
	}
	if limiterOf(cs.notifications) == limiterOf(cs.sluice) {
		t.Error("the notifications client shares the sluice client's limiter")
	}
}
