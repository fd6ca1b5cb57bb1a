//go:build faults

package faults

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// leaseTimings are the leader election flags of a controller.
type leaseTimings struct{ lease, renew, retry time.Duration }

func (l leaseTimings) args(namespace string) []string {
	return []string{
		"--leader-elect=true",
		"--leader-election-namespace=" + namespace,
		"--leader-election-lease-duration=" + l.lease.String(),
		"--leader-election-renew-deadline=" + l.renew.String(),
		"--leader-election-retry-period=" + l.retry.String(),
	}
}

// TestLeaderFrozenPastItsLease (SPEC §2.7 rule 6): of two controllers the
// leader is frozen (SIGSTOP) at a random moment of four concurrent releases,
// stays frozen well past its lease while the standby takes over, and is then
// thawed. It must not write once: it finds its lease gone and exits. Each
// controller talks to the API server through a proxy of its own, which
// records every write it sends. The releases finish under the new leader
// with no duplicate ReplicaSet or AnalysisRun.
func TestLeaderFrozenPastItsLease(t *testing.T) {
	t.Parallel()
	s := newScenario(t)
	leaseNS := s.f.NewNamespace("lease").Namespace
	short := leaseTimings{lease: 6 * time.Second, renew: 4 * time.Second, retry: time.Second}
	patient := leaseTimings{lease: 15 * time.Second, renew: 10 * time.Second, retry: time.Second}
	proxyA, proxyB := startAPIProxy(t, cluster), startAPIProxy(t, cluster)
	a := s.startController("a", append(short.args(leaseNS), "--kubeconfig="+proxyA.kubeconfig)...)
	waitLeading(s.f, a, "a")
	b := s.startController("b", append(patient.args(leaseNS), "--kubeconfig="+proxyB.kubeconfig)...)
	waitStandby(s.f, b, "b")
	s.deploy(allKinds, nil)

	s.run(func() {
		time.Sleep(between(s.rng, 300*time.Millisecond, 3*time.Second))
		a.Suspend()
		frozen := time.Now()
		t.Logf("leader a frozen at %s", frozen.Format("15:04:05.000"))
		waitLeading(s.f, b, "b")
		if d := time.Since(frozen); d <= short.renew {
			t.Errorf("the standby led %s after the freeze, before the frozen leader's renew deadline (%s)", d, short.renew)
		}
		// The new leader works on while the old one stays frozen.
		time.Sleep(between(s.rng, time.Second, 4*time.Second))
		woke := time.Now()
		a.Resume()
		code, exited := a.WaitExit(30 * time.Second)
		if !exited {
			t.Fatal("the thawed leader did not exit after finding its lease gone")
		}
		if code == 0 {
			t.Errorf("the thawed leader exited with 0 after losing its lease, want non-zero")
		}
		if !strings.Contains(a.LogText(), "lost the leader lease") {
			t.Error("the thawed leader's log does not say it lost the lease")
		}
		writes := proxyA.writesSince(frozen, notLeaderElection)
		t.Logf("thawed %s after a %s freeze; exited with %d; %d writes from it since the freeze", woke.Format("15:04:05.000"), woke.Sub(frozen).Round(time.Millisecond), code, len(writes))
		for _, w := range writes {
			t.Errorf("the frozen leader wrote after losing its lease: %s", w)
		}
	})
}

// waitLeading waits until a controller's /readyz says it leads.
func waitLeading(f *framework.Framework, ctl *framework.Controller, name string) {
	f.T.Helper()
	f.Eventually("controller "+name+" leads", 60*time.Second, func() (bool, string) {
		code, body, err := ctl.Readyz()
		return err == nil && code == 200 && strings.HasPrefix(body, "ok: leader,"), fmt.Sprint(code, " ", body, " ", err)
	})
}

// waitStandby waits until a controller's /readyz says it is a ready standby.
func waitStandby(f *framework.Framework, ctl *framework.Controller, name string) {
	f.T.Helper()
	f.Eventually("controller "+name+" is a ready standby", 60*time.Second, func() (bool, string) {
		code, body, err := ctl.Readyz()
		return err == nil && code == 200 && strings.HasPrefix(body, "ok: standby"), fmt.Sprint(code, " ", body, " ", err)
	})
}
