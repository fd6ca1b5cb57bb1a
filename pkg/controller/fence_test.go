package controller

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	kubefake "k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	sluicefake "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/fake"
	"github.com/sluice-dev/sluice/pkg/metrics"
)

// fakeNow is a settable clock for the fence.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeNow) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeNow) step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestFencedTransportHoldsWritesBackUnlessRenewed(t *testing.T) {
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { got.Add(1) }))
	defer srv.Close()
	clock := &fakeNow{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	fence := newLeaseFence(10 * time.Second)
	fence.now = clock.now
	client := &http.Client{Transport: fence.wrap(http.DefaultTransport)}
	send := func(method string) error {
		req, _ := http.NewRequest(method, srv.URL+"/apis/apps/v1/namespaces/ns/replicasets", strings.NewReader("{}"))
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	writes := []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
	expect := func(state string, writesPass bool) {
		t.Helper()
		got.Store(0)
		if err := send(http.MethodGet); err != nil {
			t.Fatalf("%s: a read was held back: %v", state, err)
		}
		for _, m := range writes {
			err := send(m)
			if writesPass != (err == nil) || (err != nil && !errors.Is(err, errFenced)) {
				t.Fatalf("%s: %s returned %v, want passing=%v", state, m, err, writesPass)
			}
		}
		want := int32(1)
		if writesPass {
			want += int32(len(writes))
		}
		if got.Load() != want {
			t.Fatalf("%s: the server saw %d requests, want %d", state, got.Load(), want)
		}
	}

	expect("before the lease is acquired", false)
	fence.renewedAt(clock.now())
	expect("just renewed", true)
	clock.step(9 * time.Second)
	expect("renewed 9s ago (renew deadline 10s)", true)
	clock.step(time.Second)
	expect("renewed 10s ago", false)
	fence.renewedAt(clock.now().Add(-time.Second))
	expect("renewed again", true)
	fence.close()
	expect("released", false)
}

func TestFencedLockOpensFromWhenTheRenewalWasSent(t *testing.T) {
	clock := &fakeNow{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	fence := newLeaseFence(10 * time.Second)
	fence.now = clock.now
	inner := &slowLock{identity: "me", clock: clock, took: 3 * time.Second}
	lock := fencedLock{Interface: inner, fence: fence}
	ctx := context.Background()

	if err := lock.Create(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: "me"}); err != nil {
		t.Fatal(err)
	}
	// Sent at 0, answered at 3s: the lease runs from 0, so the fence shuts at 10s.
	clock.step(6 * time.Second)
	if !fence.open() {
		t.Fatal("fence shut 9s after the acquisition was sent")
	}
	clock.step(time.Second)
	if fence.open() {
		t.Fatal("fence open 10s after the acquisition was sent")
	}

	inner.err = errors.New("conflict")
	if err := lock.Update(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: "me"}); err == nil || fence.open() {
		t.Fatalf("a failed renewal: err %v, open %v", err, fence.open())
	}
	inner.err = nil
	if err := lock.Update(ctx, resourcelock.LeaderElectionRecord{HolderIdentity: "me"}); err != nil || !fence.open() {
		t.Fatalf("a renewal: err %v, open %v", err, fence.open())
	}
	if err := lock.Update(ctx, resourcelock.LeaderElectionRecord{}); err != nil || fence.open() {
		t.Fatalf("the release: err %v, open %v", err, fence.open())
	}
}

// slowLock is a lock whose writes take a while on the fake clock.
type slowLock struct {
	resourcelock.Interface
	identity string
	clock    *fakeNow
	took     time.Duration
	err      error
}

func (l *slowLock) Identity() string { return l.identity }
func (l *slowLock) Create(context.Context, resourcelock.LeaderElectionRecord) error {
	l.clock.step(l.took)
	return l.err
}
func (l *slowLock) Update(context.Context, resourcelock.LeaderElectionRecord) error {
	l.clock.step(l.took)
	return l.err
}

// TestStuckLeaderStopsControllersAtRenewDeadline: a leader whose renewal does
// not come back — as in a process frozen mid-renewal — stops its controllers
// once its last renewal is RenewDeadline old, though client-go's elector is
// still waiting on that renewal and has not given leadership up.
func TestStuckLeaderStopsControllersAtRenewDeadline(t *testing.T) {
	kube := kubefake.NewClientset()
	var stuck atomic.Bool
	release := make(chan struct{})
	kube.PrependReactor("update", "leases", func(k8stesting.Action) (bool, runtime.Object, error) {
		if stuck.Load() {
			<-release
			return true, nil, errors.New("too late")
		}
		return false, nil, nil
	})
	metrics.InstallClientGoHooks()
	o := testOptions(true)
	m, err := newManager(o, &clients{
		kube:           kube,
		sluice:         sluicefake.NewSimpleClientset(),
		metadata:       metadatafake.NewSimpleMetadataClient(metadatafake.NewTestScheme()),
		leaderElection: kube,
	})
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan time.Time, 1)
	m.controllers = append(m.controllers, runnable{name: "probe", run: func(ctx context.Context) error {
		<-ctx.Done()
		stopped <- time.Now()
		return nil
	}})
	done := make(chan error, 1)
	go func() { done <- m.run(t.Context()) }()
	waitReady(t, m, "ok: leader")

	stuck.Store(true)
	since := time.Now()
	select {
	case at := <-stopped:
		// The last renewal was sent at most a retry period (and the time it
		// took) before the renewals got stuck.
		if d := at.Sub(since); d > o.RenewDeadline+fenceCheckInterval+500*time.Millisecond {
			t.Errorf("controllers stopped %s after the renewals got stuck, want within the renew deadline (%s)", d, o.RenewDeadline)
		}
	case <-time.After(5 * o.RenewDeadline):
		t.Fatal("controllers still running 5 renew deadlines after the last renewal")
	}
	if m.clients.fence.open() {
		t.Error("the fence lets writes through after the controllers stopped")
	}
	close(release)
	if err := waitResult(t, done); err == nil || !strings.Contains(err.Error(), "lost the leader lease") {
		t.Fatalf("Run = %v, want a lost-lease error", err)
	}
}
