package controller

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	kubefake "k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"

	sluicefake "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/fake"
	"github.com/sluice-dev/sluice/pkg/metrics"
)

// testOptions are fast leader election timings and no servers.
func testOptions(leaderElect bool) Options {
	o := DefaultOptions()
	o.LeaderElect = leaderElect
	o.LeaderElectionNamespace = "sluice-system"
	o.LeaseDuration = 2 * time.Second
	o.RenewDeadline = time.Second
	o.RetryPeriod = 200 * time.Millisecond
	o.HealthAddr = ""
	o.MetricsAddr = ""
	o.RolloutWorkers = 2
	return o
}

// startManager runs a manager on fake clients in the background; the returned
// channel yields Run's result.
func startManager(t *testing.T, ctx context.Context, o Options, kube *kubefake.Clientset) (*manager, <-chan error) {
	t.Helper()
	metrics.InstallClientGoHooks()
	cs := &clients{
		kube:     kube,
		sluice:   sluicefake.NewSimpleClientset(),
		metadata: metadatafake.NewSimpleMetadataClient(metadatafake.NewTestScheme()),
	}
	if o.LeaderElect {
		cs.leaderElection = kube
	}
	m, err := newManager(o, cs)
	if err != nil {
		t.Fatalf("newManager: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- m.run(ctx) }()
	return m, done
}

// waitReady waits until /readyz would answer 200 with a body containing want.
func waitReady(t *testing.T, m *manager, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ready, msg := m.health.readiness()
		if ready && strings.Contains(msg, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("readiness = %v %q, want ready with %q", ready, msg, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitResult(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

func TestRunWithoutLeaderElection(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	m, done := startManager(t, ctx, testOptions(false), kubefake.NewClientset())
	waitReady(t, m, "leader election disabled")
	cancel()
	if err := waitResult(t, done); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	if ready, msg := m.health.readiness(); ready {
		t.Errorf("ready after shutdown: %q", msg)
	}
}

func TestLeaderElectionHandsOverOnShutdown(t *testing.T) {
	kube := kubefake.NewClientset()
	ctxA, cancelA := context.WithCancel(t.Context())
	a, doneA := startManager(t, ctxA, testOptions(true), kube)
	waitReady(t, a, "ok: leader")

	ctxB, cancelB := context.WithCancel(t.Context())
	defer cancelB()
	b, doneB := startManager(t, ctxB, testOptions(true), kube)
	waitReady(t, b, "ok: standby, leader is ")

	// A clean shutdown releases the lease, so the standby takes over well
	// before the lease would have expired.
	cancelA()
	if err := waitResult(t, doneA); err != nil {
		t.Fatalf("leader's Run after cancel = %v, want nil", err)
	}
	waitReady(t, b, "ok: leader")

	cancelB()
	if err := waitResult(t, doneB); err != nil {
		t.Fatalf("second leader's Run after cancel = %v, want nil", err)
	}
}

func TestLostLeaseIsAnError(t *testing.T) {
	kube := kubefake.NewClientset()
	// Reactors must be in place before the clients are used; a flag switches
	// this one on.
	var apiDown atomic.Bool
	kube.PrependReactor("update", "leases", func(k8stesting.Action) (bool, runtime.Object, error) {
		if apiDown.Load() {
			return true, nil, errors.New("etcd unavailable")
		}
		return false, nil, nil
	})
	m, done := startManager(t, t.Context(), testOptions(true), kube)
	waitReady(t, m, "ok: leader")

	apiDown.Store(true) // the API server stops accepting renewals
	err := waitResult(t, done)
	if err == nil || !strings.Contains(err.Error(), "lost the leader lease sluice-system/sluice-controller") {
		t.Fatalf("Run after losing the lease = %v, want a lost-lease error", err)
	}
}

func TestStandbyShutdown(t *testing.T) {
	kube := kubefake.NewClientset()
	ctxA, cancelA := context.WithCancel(t.Context())
	defer cancelA()
	a, _ := startManager(t, ctxA, testOptions(true), kube)
	waitReady(t, a, "ok: leader")

	ctxB, cancelB := context.WithCancel(t.Context())
	b, doneB := startManager(t, ctxB, testOptions(true), kube)
	waitReady(t, b, "ok: standby")
	cancelB()
	if err := waitResult(t, doneB); err != nil {
		t.Fatalf("standby's Run after cancel = %v, want nil", err)
	}
}

func TestAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o := testOptions(false)
	o.HealthAddr = ln.Addr().String()
	_, done := startManager(t, t.Context(), o, kubefake.NewClientset())
	if err := waitResult(t, done); err == nil || !strings.Contains(err.Error(), "health server") {
		t.Fatalf("Run with the health port taken = %v, want a health server error", err)
	}
}
