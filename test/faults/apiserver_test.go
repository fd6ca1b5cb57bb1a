//go:build faults

package faults

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// The faults of this file hit the whole cluster, so these tests run one at a
// time (no t.Parallel: Go runs them before the parallel ones).

// TestAPIServerRestarted: kube-apiserver stops for 10 s at a random moment of
// four concurrent releases and starts again. The controller's requests fail
// meanwhile; it carries on once the API server is back and every release ends
// as its steps decide, with the invariants intact throughout.
func TestAPIServerRestarted(t *testing.T) {
	s := newScenario(t)
	s.startController("a")
	s.deploy(allKinds, nil)
	s.run(func() {
		time.Sleep(between(s.rng, 500*time.Millisecond, 4*time.Second))
		t.Logf("stopping kube-apiserver at %s", time.Now().Format("15:04:05.000"))
		if err := cluster.StopProcess("kube-apiserver"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second) // the outage itself, not an assertion
		if err := cluster.StartProcess("kube-apiserver"); err != nil {
			t.Fatal(err)
		}
		waitAPIServer(s.f)
		t.Logf("kube-apiserver ready again at %s", time.Now().Format("15:04:05.000"))
	})
}

// TestAPIServerUnreachable: kube-apiserver is frozen (SIGSTOP) for 20 s: it
// accepts connections and never answers. The controller backs off instead of
// spinning (its CPU over the 20 s stays under 5% of a core) and carries on
// when the API server thaws.
func TestAPIServerUnreachable(t *testing.T) {
	s := newScenario(t)
	ctl := s.startController("a")
	s.deploy(allKinds, nil)
	s.run(func() {
		time.Sleep(between(s.rng, 500*time.Millisecond, 4*time.Second))
		if err := cluster.SignalProcess("kube-apiserver", "STOP"); err != nil {
			t.Fatal(err)
		}
		thawed := false
		thaw := func() {
			if !thawed {
				thawed = true
				if err := cluster.SignalProcess("kube-apiserver", "CONT"); err != nil {
					t.Error(err)
				}
			}
		}
		defer thaw()
		frozenAt := time.Now()
		cpuBefore, err := framework.CPUSeconds(ctl.PID())
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Second) // the outage itself, not an assertion
		cpuAfter, err := framework.CPUSeconds(ctl.PID())
		if err != nil {
			t.Fatal(err)
		}
		elapsed := time.Since(frozenAt)
		thaw()
		share := (cpuAfter - cpuBefore) / elapsed.Seconds()
		t.Logf("controller CPU while the API server was frozen: %.2fs in %s = %.1f%% of a core", cpuAfter-cpuBefore, elapsed.Round(time.Millisecond), 100*share)
		if share >= 0.05 {
			t.Errorf("the controller used %.1f%% of a core while the API server did not answer, want < 5%% (a busy retry loop)", 100*share)
		}
		if !ctl.Running() {
			t.Fatal("the controller exited while the API server was frozen")
		}
		waitAPIServer(s.f)
	})
}

// TestWatchesExpire: mid-release, every watch of the controller is cut and
// etcd's history compacted up to its current revision (the fault
// cluster's API server runs without a watch cache, so a watch is served by
// etcd): each informer's next watch, from a revision etcd no longer has, gets
// 410 Gone and must list again. The controller talks to the API server
// through a proxy that sees each request, which shows the relists. A cut
// without compaction first shows the control: the informers resume from
// their resourceVersion and list nothing. The releases end as their steps
// decide.
func TestWatchesExpire(t *testing.T) {
	s := newScenario(t)
	proxy := startAPIProxy(t, cluster)
	s.startController("a", "--kubeconfig="+proxy.kubeconfig)
	s.deploy(allKinds, nil)
	kinds := []string{"rollouts", "replicasets"}
	s.run(func() {
		time.Sleep(between(s.rng, 300*time.Millisecond, 2*time.Second))
		cutAt := time.Now()
		t.Logf("control: cut %d open requests without compacting", proxy.cutAll())
		waitRequests(s.f, proxy, cutAt, kinds, "watch again from their resourceVersion", apiRequest.rewatch)
		s.f.Consistently("no relist after a cut that etcd's history covers", 2*time.Second, func() (bool, string) {
			var relists []apiRequest
			for _, k := range kinds {
				relists = append(relists, proxy.requestsSince(cutAt, both(forResource(k), apiRequest.relist))...)
			}
			return len(relists) == 0, fmt.Sprint(relists)
		})
		for round := 1; round <= 2; round++ {
			time.Sleep(between(s.rng, 300*time.Millisecond, 3*time.Second))
			// Held and cut first, so that no informer sees a revision
			// newer than the compaction before it watches again.
			proxy.hold()
			cutAt := time.Now()
			cut := proxy.cutAll()
			rev, err := cluster.CompactEtcd()
			proxy.release()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("round %d: cut %d open requests of the controller, compacted etcd at revision %d", round, cut, rev)
			waitRequests(s.f, proxy, cutAt, kinds, "list again (410 Gone on their watches)", apiRequest.relist)
		}
	})
}

// waitRequests waits until the controller has sent, since a moment, a request
// of each kind that matches.
func waitRequests(f *framework.Framework, proxy *apiProxy, since time.Time, kinds []string, what string, match func(apiRequest) bool) {
	f.T.Helper()
	f.Eventually("the controller's informers of "+strings.Join(kinds, " and ")+" "+what, 60*time.Second, func() (bool, string) {
		for _, k := range kinds {
			if len(proxy.requestsSince(since, both(forResource(k), match))) == 0 {
				return false, "none for " + k + " yet; since then: " + fmt.Sprint(proxy.requestsSince(since, forResource(k)))
			}
		}
		return true, ""
	})
}

func both(a, b func(apiRequest) bool) func(apiRequest) bool {
	return func(r apiRequest) bool { return a(r) && b(r) }
}

// waitAPIServer waits until kube-apiserver is ready again.
func waitAPIServer(f *framework.Framework) {
	f.T.Helper()
	f.Eventually("kube-apiserver answers /readyz", 120*time.Second, func() (bool, string) {
		err := cluster.APIServerReady(f.Ctx)
		return err == nil, fmt.Sprint(err)
	})
}
