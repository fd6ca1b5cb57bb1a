//go:build e2e

package e2e

// Operations (issue #9): leader election, scoping by namespace and instance id,
// /metrics and /readyz, and the install manifests' RBAC, each against real
// controller processes. Every test runs controllers of its own, with an
// instance id of its own, so the test binary's shared controller never sees
// their Rollouts; they are stopped when the test ends, pass or fail.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// startController starts a controller process of the test's own, named for its
// log file (sluice-controller-<namespace>-<name>.log beside the shared one's). The extra
// arguments follow NewController's defaults, so they override them (the last
// occurrence of a flag wins). It is stopped when the test ends; its log is
// dumped if the test failed and removed otherwise.
func startController(t *testing.T, f *framework.Framework, name string, args ...string) *framework.Controller {
	t.Helper()
	ctl, err := cluster.NewController(controller.Binary, args...)
	if err != nil {
		t.Fatal(err)
	}
	ctl.LogPath = filepath.Join(filepath.Dir(controller.LogPath), fmt.Sprintf("sluice-controller-%s-%s.log", f.Namespace, name))
	t.Cleanup(func() {
		ctl.Stop()
		if t.Failed() {
			t.Logf("controller %q (%s):", name, ctl.LogPath)
			ctl.DumpLogTo(t)
		} else {
			_ = os.Remove(ctl.LogPath)
		}
	})
	if err := ctl.Start(); err != nil {
		t.Fatal(err)
	}
	return ctl
}

// instanceFor is a controller instance id for one test: the binary's own id
// with a suffix, so it is unique per run and tells whose objects these are.
func instanceFor(suffix string) string { return cluster.InstanceID + "-" + suffix }

// leaseTimings are the leader election flags of a controller.
type leaseTimings struct{ lease, renew, retry time.Duration }

func (l leaseTimings) args(instance, namespace string) []string {
	return []string{
		"--instance-id=" + instance,
		"--leader-elect=true",
		"--leader-election-namespace=" + namespace,
		"--leader-election-lease-duration=" + l.lease.String(),
		"--leader-election-renew-deadline=" + l.renew.String(),
		"--leader-election-retry-period=" + l.retry.String(),
	}
}

// leaseName is the Lease a controller with this instance id elects through (SPEC §5).
func leaseName(instance string) string { return "sluice-controller-" + instance }

// leaderState is what the Lease and each live controller's /readyz say.
type leaderState struct {
	holder  string
	renewed time.Time
	leaders []int  // indexes of the controllers that say they lead
	detail  string // for failure messages
}

func readLeaderState(f *framework.Framework, namespace, lease string, ctls []*framework.Controller) leaderState {
	var st leaderState
	for i, ctl := range ctls {
		code, body, err := ctl.Readyz()
		st.detail += fmt.Sprintf("controller %d: %d %q %v; ", i, code, body, err)
		if err == nil && code == 200 && strings.HasPrefix(body, "ok: leader,") {
			st.leaders = append(st.leaders, i)
		}
	}
	// Read after the controllers: one says it leads only once its Lease write
	// has succeeded, so the holder read here is never older than that claim.
	l, err := f.Kube.CoordinationV1().Leases(namespace).Get(f.Ctx, lease, metav1.GetOptions{})
	if err != nil {
		st.detail += "lease: " + err.Error()
		return st
	}
	if l.Spec.HolderIdentity != nil {
		st.holder = *l.Spec.HolderIdentity
	}
	if l.Spec.RenewTime != nil {
		st.renewed = l.Spec.RenewTime.Time
	}
	st.detail += fmt.Sprintf("lease holder %q", st.holder)
	return st
}

// waitForOneLeader waits until the Lease has a holder, exactly one of ctls says
// it leads and every other one is a ready standby that names the holder, and
// returns the leader's index and identity.
func waitForOneLeader(f *framework.Framework, namespace, lease string, ctls ...*framework.Controller) (int, string) {
	f.T.Helper()
	var st leaderState
	f.Eventually("exactly one controller holds the Lease "+lease, 60*time.Second, func() (bool, string) {
		st = readLeaderState(f, namespace, lease, ctls)
		if st.holder == "" || len(st.leaders) != 1 {
			return false, st.detail
		}
		for i, ctl := range ctls {
			if i == st.leaders[0] {
				continue
			}
			if code, body, err := ctl.Readyz(); err != nil || code != 200 || body != "ok: standby, leader is "+st.holder {
				return false, st.detail
			}
		}
		return true, ""
	})
	return st.leaders[0], st.holder
}

// stepCompletions counts the RolloutStepCompleted events of each step ("1/5",
// "2/5", …) of a Rollout, repeats folded into one event included.
func stepCompletions(f *framework.Framework, rollout string) map[string]int32 {
	f.T.Helper()
	events, err := f.Kube.CoreV1().Events(f.Namespace).List(f.Ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + rollout + ",reason=RolloutStepCompleted"})
	if err != nil {
		f.T.Fatal(err)
	}
	out := map[string]int32{}
	for _, e := range events.Items {
		var step string
		if _, err := fmt.Sscanf(e.Message, "Rollout step %s completed", &step); err != nil {
			f.T.Fatalf("unexpected RolloutStepCompleted message %q", e.Message)
		}
		out[step] += max(e.Count, 1)
	}
	return out
}

// TestOperationsLeaderFailoverMidRollout (SPEC §2.7 rules 5 and 6): of two
// controllers exactly one holds the Lease; when it is SIGKILLed in a timed pause
// of a canary, the standby takes over once the lease has expired (and not
// before), and the rollout finishes with no extra ReplicaSet and every step
// completed exactly once.
func TestOperationsLeaderFailoverMidRollout(t *testing.T) {
	f := newTest(t)
	id := instanceFor("failover")
	g := f.WithInstance(id)
	leaseNS := f.NewNamespace("lease").Namespace // its own, so the Lease's events stay out of the rollout's
	timings := leaseTimings{lease: 6 * time.Second, renew: 4 * time.Second, retry: time.Second}
	ctls := []*framework.Controller{
		startController(t, f, "a", timings.args(id, leaseNS)...),
		startController(t, f, "b", timings.args(id, leaseNS)...),
	}
	leader, holder := waitForOneLeader(f, leaseNS, leaseName(id), ctls...)

	const steps = `
      - setWeight: 25
      - pause: {duration: 10s}
      - setWeight: 50
      - pause: {duration: 2s}
      - setWeight: 75`
	deployHealthy(g, canaryRollout("web", 4, steps, "", ""))
	g.SetImage("web", imageV2)
	g.WaitForPausedAtStep("web", 1, 60*time.Second)
	// The first step's event is out before the kill, so a lost event cannot
	// pass for a missing step below.
	f.Eventually("step 1 has its RolloutStepCompleted event", 30*time.Second, func() (bool, string) {
		got := stepCompletions(f, "web")
		return got["1/5"] == 1, fmt.Sprint(got)
	})

	ctls[leader].Kill()
	killed := time.Now()
	survivor := ctls[1-leader]
	// The dead leader's last renewal; a standby may take over only once the
	// lease has run for its whole duration from there.
	last := readLeaderState(f, leaseNS, leaseName(id), nil)
	if last.holder != holder {
		t.Fatalf("the Lease changed hands before the leader was killed: %s", last.detail)
	}
	newLeader, newHolder := waitForOneLeader(f, leaseNS, leaseName(id), survivor)
	takeover := time.Since(killed)
	if newLeader != 0 || newHolder == holder {
		t.Fatalf("the standby did not take over: holder %q (was %q)", newHolder, holder)
	}
	l, err := f.Kube.CoordinationV1().Leases(leaseNS).Get(f.Ctx, leaseName(id), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if early := last.renewed.Add(timings.lease).Sub(l.Spec.AcquireTime.Time); early > 0 {
		t.Fatalf("the standby acquired the lease %s before it expired (last renewal %s, acquired %s)",
			early, last.renewed.Format(time.StampMicro), l.Spec.AcquireTime.Format(time.StampMicro))
	}
	// The standby sees the last renewal within a retry period (with jitter),
	// waits out the lease from then, and tries again every retry period; the
	// rest is slack for a loaded machine.
	if bound := timings.lease + 3*timings.retry + 3*time.Second; takeover > bound {
		t.Fatalf("takeover took %s, want at most %s", takeover, bound)
	}
	t.Logf("takeover %s after the kill (lease %s)", takeover.Round(time.Millisecond), timings.lease)

	pausedAtSecond := false
	ro := g.WaitForRollout("web", "is Healthy on the new template", 90*time.Second, func(ro *v1alpha1.Rollout) bool {
		if ro.Status.Phase == v1alpha1.RolloutPhasePaused && ro.Status.CurrentStepIndex != nil && *ro.Status.CurrentStepIndex == 3 {
			pausedAtSecond = true
		}
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy &&
			ro.Status.StableRS == ro.Status.CurrentPodHash
	})
	if n := len(g.ReplicaSets("web")); n != 2 {
		t.Fatalf("%d ReplicaSets after the failover, want 2", n)
	}
	if !pausedAtSecond {
		t.Fatalf("the second timed pause was skipped: %s", framework.Describe(ro))
	}
	want := map[string]int32{"1/5": 1, "2/5": 1, "3/5": 1, "4/5": 1, "5/5": 1}
	var got map[string]int32
	f.Eventually("every step has completed once", 30*time.Second, func() (bool, string) {
		got = stepCompletions(f, "web")
		return len(got) == len(want), fmt.Sprint(got)
	})
	for step, n := range got {
		if n != want[step] {
			t.Fatalf("RolloutStepCompleted per step = %v, want each once", got)
		}
	}
}

// TestOperationsSuspendedLeaderStopsWriting (SPEC §2.7 rule 6): a leader frozen
// (SIGSTOP) past its renew deadline loses the Lease to the standby; when it
// wakes (SIGCONT) it writes nothing more — though a Rollout it had been waiting
// on was promoted meanwhile — and exits non-zero at once. The new leader then
// finishes the rollout. (Before pkg/controller/fence.go, the woken leader ran
// its controllers for another renew deadline and promoted the Rollout.)
//
// The new leader is frozen too while the old one wakes, so that any write in
// that window can only be the old leader's. It has a long renew deadline so it
// keeps its lease through that freeze: the holder's own timings are the ones
// that count (they are written into the Lease).
func TestOperationsSuspendedLeaderStopsWriting(t *testing.T) {
	f := newTest(t)
	id := instanceFor("frozen")
	g := f.WithInstance(id)
	leaseNS := f.NewNamespace("lease").Namespace
	short := leaseTimings{lease: 6 * time.Second, renew: 4 * time.Second, retry: time.Second}
	long := leaseTimings{lease: 40 * time.Second, renew: 30 * time.Second, retry: 2 * time.Second}
	a := startController(t, f, "a", short.args(id, leaseNS)...)
	waitForOneLeader(f, leaseNS, leaseName(id), a)
	b := startController(t, f, "b", long.args(id, leaseNS)...)
	if leader, _ := waitForOneLeader(f, leaseNS, leaseName(id), a, b); leader != 0 {
		t.Fatal("the second controller took the lease from a live leader")
	}

	deployHealthy(g, canaryRollout("web", 4, `
      - setWeight: 50
      - pause: {}
      - setWeight: 75`, "", ""))
	g.SetImage("web", imageV2)
	g.WaitForPausedAtStep("web", 1, 60*time.Second)
	// Settled: every pod available, so nothing (the ReplicaSet controller
	// included) has a reason to write while the leaders are frozen.
	g.WaitForRollout("web", "has every pod available at the pause", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		for _, rs := range g.ReplicaSets("web") {
			if rs.Status.ObservedGeneration != rs.Generation || rs.Status.AvailableReplicas != replicasOf(rs) || rs.Status.Replicas != replicasOf(rs) {
				return false
			}
		}
		return ro.Status.AvailableReplicas == 4
	})

	a.Suspend()
	frozen := time.Now()
	if leader, _ := waitForOneLeader(f, leaseNS, leaseName(id), b); leader != 0 {
		t.Fatal("unreachable: one controller asked")
	}
	if d := time.Since(frozen); d <= short.renew {
		t.Fatalf("the standby took over %s after the freeze, before the leader's renew deadline (%s)", d, short.renew)
	}
	snapshot := func() map[string]string {
		rv := g.ResourceVersions("web")
		rv["rollout"] = g.Rollout("web").ResourceVersion
		return rv
	}
	// The new leader finds nothing to do at an indefinite pause; it must be
	// idle before it is frozen, or one of its writes could land later.
	idle := snapshot()
	f.Consistently("the new leader writes nothing at the indefinite pause", 2*time.Second, func() (bool, string) {
		return fmt.Sprint(snapshot()) == fmt.Sprint(idle), fmt.Sprintf("%v → %v", idle, snapshot())
	})
	b.Suspend()
	g.Promote("web") // work the old leader would do if it still acted
	before := snapshot()

	a.Resume()
	resumed := time.Now()
	code, exited := a.WaitExit(60 * time.Second)
	if !exited {
		t.Fatal("the old leader did not exit after losing its lease")
	}
	// At once, not after one more renew attempt of up to the renew deadline.
	if d := time.Since(resumed); d >= short.renew {
		t.Errorf("the old leader took %s to stop after it woke, want less than its renew deadline (%s)", d, short.renew)
	}
	if code == 0 {
		t.Fatal("the old leader exited with 0 after losing its lease, want non-zero")
	}
	if !strings.Contains(a.LogText(), "lost the leader lease") {
		t.Error("the old leader's log does not say it lost the lease")
	}
	if after := snapshot(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("the old leader wrote after losing its lease: %v → %v", before, after)
	}

	b.Resume()
	ro := g.WaitForRollout("web", "is Healthy on the new template under the new leader", 90*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy &&
			ro.Status.StableRS == ro.Status.CurrentPodHash
	})
	if n := len(g.ReplicaSets("web")); n != 2 {
		t.Fatalf("%d ReplicaSets, want 2: %s", n, framework.Describe(ro))
	}
	waitForOneLeader(f, leaseNS, leaseName(id), b)
}

// TestOperationsNamespaceFlagScopesTheController: a controller started with
// --namespace a runs Rollouts in a and never touches one in b, which a
// controller for b then runs.
func TestOperationsNamespaceFlagScopesTheController(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	id := instanceFor("namespace")
	a, b := f.WithInstance(id), f.NewNamespace("b").WithInstance(id)
	ctl := startController(t, f, "a", "--instance-id="+id, "--namespace="+a.Namespace)
	for _, g := range []*framework.Framework{a, b} {
		g.Apply(services("web") + "---" + canaryRollout("web", 2, demoSteps, "", ""))
	}
	a.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	expectUntouched(b, "web", 3*time.Second)
	expectInfo(f, ctl, map[string]bool{a.Namespace + "/web": true, b.Namespace + "/web": false})

	startController(t, f, "b", "--instance-id="+id, "--namespace="+b.Namespace)
	b.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
}

// TestOperationsInstanceIDScopesTheController: a controller started with
// --instance-id x runs the Rollout labelled x and never touches an unlabelled
// one; a controller without --instance-id (held to this namespace, where no
// other test's objects are) runs the unlabelled one and not the labelled one.
func TestOperationsInstanceIDScopesTheController(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	id := instanceFor("instance")
	labelled, plain := f.WithInstance(id), f.WithInstance("")
	x := startController(t, f, "x", "--instance-id="+id)
	labelled.Apply(services("labelled") + "---" + canaryRollout("labelled", 2, demoSteps, "", ""))
	plain.Apply(services("plain") + "---" + canaryRollout("plain", 2, demoSteps, "", ""))
	ro := labelled.WaitForPhase("labelled", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	if rs := labelled.ReplicaSets("labelled")[ro.Status.StableRS]; rs == nil || rs.Labels[framework.InstanceLabel] != id {
		t.Errorf("the labelled Rollout's ReplicaSet should carry instance label %q: %v", id, rs)
	}
	expectUntouched(plain, "plain", 3*time.Second)
	expectInfo(f, x, map[string]bool{f.Namespace + "/labelled": true, f.Namespace + "/plain": false})

	unnamed := startController(t, f, "default", "--instance-id=", "--namespace="+f.Namespace)
	ro = plain.WaitForPhase("plain", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	if rs := plain.ReplicaSets("plain")[ro.Status.StableRS]; rs == nil || rs.Labels[framework.InstanceLabel] != "" {
		t.Errorf("the unlabelled Rollout's ReplicaSet: %v", rs)
	}
	expectInfo(f, unnamed, map[string]bool{f.Namespace + "/labelled": false, f.Namespace + "/plain": true})
}

// expectUntouched asserts for a while that no controller has written the
// Rollout's status or created a ReplicaSet for it.
func expectUntouched(f *framework.Framework, name string, d time.Duration) {
	f.T.Helper()
	f.Consistently("Rollout "+f.Namespace+"/"+name+" untouched", d, func() (bool, string) {
		ro := f.Rollout(name)
		n := len(f.ReplicaSets(name))
		return ro.Status.ObservedGeneration == 0 && ro.Status.Phase == "" && n == 0,
			fmt.Sprintf("%s, %d ReplicaSets", framework.Describe(ro), n)
	})
}

// expectInfo waits until a controller's sluice_rollout_info has a series for
// exactly the "namespace/name" keys marked true among those given.
func expectInfo(f *framework.Framework, ctl *framework.Controller, want map[string]bool) {
	f.T.Helper()
	f.Eventually("sluice_rollout_info lists exactly the Rollouts the controller runs", 30*time.Second, func() (bool, string) {
		text, err := ctl.Metrics()
		if err != nil {
			return false, err.Error()
		}
		for key, present := range want {
			ns, name, _ := strings.Cut(key, "/")
			has := strings.Contains(text, fmt.Sprintf(`sluice_rollout_info{name=%q,namespace=%q,`, name, ns))
			if has != present {
				return false, fmt.Sprintf("%s present=%v", key, has)
			}
		}
		return true, ""
	})
}

// metricValue returns the value of one series of a /metrics text, given as it
// is printed: the name, then the labels in alphabetical order.
func metricValue(text, series string) (float64, bool) {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}

// TestOperationsMetrics: /metrics of a controller of the test's own reports
// each Rollout with its phase and strategy, reconcile durations, each AnalysisRun
// and its measurements, the time each update took by outcome (promoted, rolled
// back, aborted: once each), work queues and the Go process.
func TestOperationsMetrics(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	id := instanceFor("metrics")
	g := f.WithInstance(id)
	ctl := startController(t, f, "metrics", "--instance-id="+id)
	series := func(format string, args ...any) string { return fmt.Sprintf(format, args...) }
	info := func(name, strategy, phase string) string {
		return series(`sluice_rollout_info{name=%q,namespace=%q,phase=%q,strategy=%q}`, name, f.Namespace, phase, strategy)
	}
	// expect waits until every series has its value (-1: any value).
	expect := func(what string, want map[string]float64) {
		t.Helper()
		f.Eventually("/metrics shows "+what, 30*time.Second, func() (bool, string) {
			text, err := ctl.Metrics()
			if err != nil {
				return false, err.Error()
			}
			for s, v := range want {
				got, ok := metricValue(text, s)
				if !ok || (v >= 0 && got != v) || (v < 0 && got <= 0) {
					return false, fmt.Sprintf("%s = %v (present %v), want %v", s, got, ok, v)
				}
			}
			return true, ""
		})
	}

	g.Apply(standaloneRun("check", `
  - name: always
    successCondition: result[0] == 1
    provider:
      prometheus: {query: vector(1)}`))
	g.Apply(canaryRollout("no-services", 1, demoSteps, "", "")) // its Services are missing: InvalidSpec
	deployHealthy(g, canaryRollout("web", 2, `
      - setWeight: 50
      - pause: {}`, "", `
  rollbackWindow: {revisions: 1}`))
	updateStarted := time.Now()
	g.SetImage("web", imageV2)
	g.WaitForPausedAtStep("web", 1, 60*time.Second)
	g.WaitForPhase("no-services", v1alpha1.RolloutPhaseDegraded, 30*time.Second)
	g.WaitForRunPhase("check", v1alpha1.AnalysisPhaseSuccessful, 60*time.Second)
	expect("a paused and a degraded Rollout, and the run", map[string]float64{
		info("web", "canary", "Paused"):           1,
		info("no-services", "canary", "Degraded"): 1,
		series(`sluice_analysis_run_info{name="check",namespace=%q,phase="Successful"}`, f.Namespace): 1,
		`sluice_analysis_measurements_total{phase="Successful",provider="prometheus"}`:                1,
	})

	promoted := time.Now()
	g.PromoteFull("web")
	g.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	// The update took at least until the promotion and at most until Healthy;
	// a second either way for the status's one-second timestamps.
	minTook, maxTook := promoted.Sub(updateStarted)-time.Second, time.Since(updateStarted)+time.Second
	g.SetImage("web", imageV1) // undo, within the rollback window
	ro := g.WaitForRollout("web", "is Healthy on the first template again", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy &&
			ro.Status.StableRS == ro.Status.CurrentPodHash
	})
	if n := len(g.ReplicaSets("web")); n != 2 {
		t.Fatalf("the undo made a new ReplicaSet (%d): %s", n, framework.Describe(ro))
	}

	g.Apply(blueGreenRollout(1, `
      autoPromotionEnabled: false`))
	g.WaitForPhase("bg", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	g.SetImage("bg", imageV2)
	g.WaitForPhase("bg", v1alpha1.RolloutPhasePaused, 60*time.Second)
	g.Abort("bg")
	g.WaitForPhase("bg", v1alpha1.RolloutPhaseDegraded, 30*time.Second)

	expect("every Rollout's phase and one observation per update outcome", map[string]float64{
		info("web", "canary", "Healthy"):                                       1,
		info("bg", "blueGreen", "Degraded"):                                    1,
		`sluice_rollout_duration_seconds_count{outcome="Promoted"}`:            1,
		`sluice_rollout_duration_seconds_count{outcome="RolledBack"}`:          1,
		`sluice_rollout_duration_seconds_count{outcome="Aborted"}`:             1,
		`sluice_rollout_duration_seconds_bucket{outcome="Promoted",le="+Inf"}`: 1,
		`sluice_rollout_reconcile_duration_seconds_count`:                      -1,
		`sluice_rollout_reconcile_duration_seconds_bucket{le="+Inf"}`:          -1,
		`sluice_rollout_events_total{reason="RolloutCompleted"}`:               2,
		`workqueue_adds_total{name="rollouts"}`:                                -1,
		`workqueue_adds_total{name="analysisruns"}`:                            -1,
		`workqueue_work_duration_seconds_count{name="rollouts"}`:               -1,
		`go_goroutines`:                 -1,
		`process_resident_memory_bytes`: -1,
		`process_start_time_seconds`:    -1,
	})
	text, err := ctl.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`workqueue_depth{name="rollouts"}`, `workqueue_depth{name="analysisruns"}`} {
		if _, ok := metricValue(text, s); !ok {
			t.Errorf("/metrics lacks %s", s)
		}
	}
	if d, _ := metricValue(text, `sluice_rollout_duration_seconds_sum{outcome="Promoted"}`); d < minTook.Seconds() || d > maxTook.Seconds() {
		t.Errorf("the promoted update took %.1fs by the metric, want %.1fs to %.1fs", d, minTook.Seconds(), maxTook.Seconds())
	}
}

// installYAML is manifests/install.yaml, relative to this package.
const installYAML = "../../manifests/install.yaml"

// installObjects decodes the RBAC objects of install.yaml.
type installObjects struct {
	serviceAccount     corev1.ServiceAccount
	clusterRole        rbacv1.ClusterRole
	clusterRoleBinding rbacv1.ClusterRoleBinding
	role               rbacv1.Role
	roleBinding        rbacv1.RoleBinding
}

func readInstallRBAC(t *testing.T) installObjects {
	t.Helper()
	raw, err := os.ReadFile(installYAML)
	if err != nil {
		t.Fatal(err)
	}
	var objs installObjects
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			t.Fatal(err)
		}
		var into any
		switch tm.Kind {
		case "ServiceAccount":
			into = &objs.serviceAccount
		case "ClusterRole":
			into = &objs.clusterRole
		case "ClusterRoleBinding":
			into = &objs.clusterRoleBinding
		case "Role":
			into = &objs.role
		case "RoleBinding":
			into = &objs.roleBinding
		default:
			continue
		}
		if err := yaml.UnmarshalStrict(doc, into); err != nil {
			t.Fatalf("%s in %s: %v", tm.Kind, installYAML, err)
		}
	}
	if len(objs.clusterRole.Rules) == 0 || len(objs.role.Rules) == 0 || objs.serviceAccount.Name == "" {
		t.Fatalf("%s lacks the controller's ServiceAccount, ClusterRole or leader election Role", installYAML)
	}
	return objs
}

// installRBAC gives the test install.yaml's identity: its ServiceAccount in the
// test's namespace, its ClusterRole and ClusterRoleBinding (names suffixed with
// the namespace, deleted when the test ends) and its leader election Role and
// RoleBinding in the test's namespace. edit may change the ClusterRole's rules
// first. It waits until the API server authorizes with the new bindings, and
// returns a kubeconfig that authenticates as the ServiceAccount with a token
// from the TokenRequest API, and the ClusterRole's name.
func installRBAC(f *framework.Framework, edit func(*rbacv1.ClusterRole)) (kubeconfig, clusterRole string) {
	f.T.Helper()
	t, ctx, ns := f.T, f.Ctx, f.Namespace
	objs := readInstallRBAC(t)
	name := objs.clusterRole.Name + "-" + ns
	meta := func(om metav1.ObjectMeta, name, namespace string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: om.Labels}
	}
	sa := objs.serviceAccount
	sa.ObjectMeta = meta(sa.ObjectMeta, sa.Name, ns)
	subjects := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa.Name, Namespace: ns}}

	cr := objs.clusterRole
	cr.ObjectMeta = meta(cr.ObjectMeta, name, "")
	if edit != nil {
		edit(&cr)
	}
	crb := objs.clusterRoleBinding
	crb.ObjectMeta = meta(crb.ObjectMeta, name, "")
	crb.RoleRef.Name, crb.Subjects = name, subjects
	role := objs.role
	role.ObjectMeta = meta(role.ObjectMeta, role.Name, ns)
	rb := objs.roleBinding
	rb.ObjectMeta = meta(rb.ObjectMeta, rb.Name, ns)
	rb.Subjects = subjects

	t.Cleanup(func() {
		// Cluster-scoped: the namespace's deletion does not take them along.
		_ = f.Kube.RbacV1().ClusterRoleBindings().Delete(context.Background(), name, metav1.DeleteOptions{})
		_ = f.Kube.RbacV1().ClusterRoles().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	rbac := f.Kube.RbacV1()
	must := func(_ any, err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}
	must(f.Kube.CoreV1().ServiceAccounts(ns).Create(ctx, &sa, metav1.CreateOptions{}))
	must(rbac.ClusterRoles().Create(ctx, &cr, metav1.CreateOptions{}))
	must(rbac.ClusterRoleBindings().Create(ctx, &crb, metav1.CreateOptions{}))
	must(rbac.Roles(ns).Create(ctx, &role, metav1.CreateOptions{}))
	must(rbac.RoleBindings(ns).Create(ctx, &rb, metav1.CreateOptions{}))

	// The authorizer follows RBAC objects through its own informers; a
	// controller started before it has caught up would log "forbidden" errors.
	user := fmt.Sprintf("system:serviceaccount:%s:%s", ns, sa.Name)
	for _, attrs := range []authorizationv1.ResourceAttributes{
		{Verb: "list", Group: "apps", Resource: "replicasets"},                            // ClusterRole and its binding
		{Verb: "update", Group: "coordination.k8s.io", Resource: "leases", Namespace: ns}, // Role and its binding
	} {
		f.Eventually(fmt.Sprintf("the ServiceAccount may %s %s", attrs.Verb, attrs.Resource), 30*time.Second, func() (bool, string) {
			sar, err := f.Kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{
				Spec: authorizationv1.SubjectAccessReviewSpec{User: user, Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns}, ResourceAttributes: &attrs},
			}, metav1.CreateOptions{})
			if err != nil {
				return false, err.Error()
			}
			return sar.Status.Allowed, sar.Status.Reason
		})
	}

	expiry := int64(3600)
	token, err := f.Kube.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa.Name, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("TokenRequest for %s: %v", user, err)
	}
	return writeKubeconfig(t, token.Status.Token), name
}

// writeKubeconfig writes a kubeconfig for the local API server (server and CA
// from the cluster's own kubeconfig) that authenticates with token.
func writeKubeconfig(t *testing.T, token string) string {
	t.Helper()
	admin, err := clientcmd.LoadFromFile(cluster.Info.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	current, ok := admin.Contexts[admin.CurrentContext]
	if !ok || admin.Clusters[current.Cluster] == nil {
		t.Fatalf("%s: no cluster for the current context %q", cluster.Info.Kubeconfig, admin.CurrentContext)
	}
	src := admin.Clusters[current.Cluster]
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: src.Server, CertificateAuthority: src.CertificateAuthority,
		CertificateAuthorityData: src.CertificateAuthorityData}
	cfg.AuthInfos["sluice-controller"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["local"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "sluice-controller"}
	cfg.CurrentContext = "local"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// forbidden finds the log lines of requests the API server refused.
var forbidden = regexp.MustCompile(`(?i).*forbidden.*`)

// TestOperationsInstallRBACSuffices: a controller with exactly the rights
// install.yaml gives it (ServiceAccount token, ClusterRole, leader election
// Role) leads, runs a canary through a Prometheus analysis step to Healthy and
// restarts its pods, and the API server refuses none of its requests.
func TestOperationsInstallRBACSuffices(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	id := instanceFor("rbac")
	g := f.WithInstance(id)
	kubeconfig, _ := installRBAC(f, nil)
	ctl := startController(t, f, "rbac", "--kubeconfig="+kubeconfig, "--instance-id="+id,
		"--leader-elect=true", "--leader-election-namespace="+f.Namespace)
	waitForOneLeader(f, f.Namespace, leaseName(id), ctl)

	version := startVersion(f, 0)
	g.Apply(errorRateTemplate("error-rate", `
    interval: 1s
    count: 2
    successCondition: result[0] < 0.1`))
	deployHealthy(g, canaryRollout("web", 2, analysisStep("error-rate", version), "", ""))
	g.SetImage("web", imageV2)
	run := waitForRunOfKind(g, v1alpha1.AnalysisKindStep, 1)
	g.WaitForRunPhase(run, v1alpha1.AnalysisPhaseSuccessful, 60*time.Second)
	ro := g.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	if ro.Status.StableRS != ro.Status.CurrentPodHash {
		t.Fatalf("after the analysis: %s", framework.Describe(ro))
	}

	oldPods := g.PodNames("app=web")
	restartAt := time.Now().UTC().Truncate(time.Second).Add(time.Second)
	g.PatchSpec("web", map[string]any{"restartAt": restartAt.Format(time.RFC3339)})
	g.WaitForRollout("web", "has restarted its pods", 90*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.RestartedAt != nil && !ro.Status.RestartedAt.Time.Before(restartAt)
	})
	g.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	for _, p := range g.PodNames("app=web") {
		for _, old := range oldPods {
			if p == old {
				t.Errorf("pod %s was not restarted", p)
			}
		}
	}
	if lines := forbidden.FindAllString(ctl.LogText(), 10); len(lines) > 0 {
		t.Fatalf("the API server refused requests of install.yaml's ServiceAccount:\n%s", strings.Join(lines, "\n"))
	}
}

// TestOperationsReadyzWaitsForInformerSync: /readyz answers 503 until every
// informer has synced, and 200 after. To hold the process in the unsynced state
// for as long as the test needs, its ClusterRole lacks the Services rule, so
// the Service informer cannot list; once the rule is granted, the informer's
// next retry syncs it. (Polling a normal start-up would mostly see 200: the
// caches of a small cluster sync in milliseconds.)
func TestOperationsReadyzWaitsForInformerSync(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	id := instanceFor("readyz")
	var servicesRule rbacv1.PolicyRule
	kubeconfig, role := installRBAC(f, func(cr *rbacv1.ClusterRole) {
		kept := cr.Rules[:0]
		for _, r := range cr.Rules {
			if len(r.Resources) == 1 && r.Resources[0] == "services" && len(r.APIGroups) == 1 && r.APIGroups[0] == "" {
				servicesRule = r
				continue
			}
			kept = append(kept, r)
		}
		cr.Rules = kept
	})
	if servicesRule.Verbs == nil {
		t.Fatal("install.yaml's ClusterRole has no rule for Services")
	}
	ctl := startController(t, f, "readyz", "--kubeconfig="+kubeconfig, "--instance-id="+id)

	f.Consistently("/readyz is 503 while the Service informer cannot list", 3*time.Second, func() (bool, string) {
		code, body, err := ctl.Readyz()
		return err == nil && code == 503 && body == "informer caches not synced yet", fmt.Sprint(code, " ", body, " ", err)
	})
	if !forbidden.MatchString(ctl.LogText()) {
		t.Fatal("the controller's log does not show the refused Service list")
	}

	cr, err := f.Kube.RbacV1().ClusterRoles().Get(f.Ctx, role, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cr.Rules = append(cr.Rules, servicesRule)
	if _, err := f.Kube.RbacV1().ClusterRoles().Update(f.Ctx, cr, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The informer retries with a backoff that has grown to a few seconds.
	f.Eventually("/readyz is 200 once the informers have synced", 60*time.Second, func() (bool, string) {
		code, body, err := ctl.Readyz()
		return err == nil && code == 200 && body == "ok: leader election disabled, controllers running", fmt.Sprint(code, " ", body, " ", err)
	})
}

// TestOperationsInstallManifestPassesServerDryRun: the API server accepts every
// object of install.yaml (schema, field validation, admission) in a server-side
// dry run. Such a run creates nothing, so the Namespace it creates does not
// exist for the objects after it; they are checked in the test's namespace
// instead of sluice-system.
func TestOperationsInstallManifestPassesServerDryRun(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	if cluster.Info.Kubectl == "" {
		t.Fatal("cluster.json names no kubectl")
	}
	raw, err := os.ReadFile(installYAML)
	if err != nil {
		t.Fatal(err)
	}
	manifest := strings.ReplaceAll(string(raw), "namespace: sluice-system", "namespace: "+f.Namespace)
	cmd := exec.Command(cluster.Info.Kubectl, "--kubeconfig="+cluster.Info.Kubeconfig, "apply", "--dry-run=server", "-f", "-")
	cmd.Stdin = strings.NewReader(manifest)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl apply --dry-run=server -f install.yaml: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	objects := regexp.MustCompile(`(?m)^kind: `).FindAllString(string(raw), -1)
	accepted := regexp.MustCompile(`(?m)\(server dry run\)$`).FindAllString(stdout.String(), -1)
	if len(accepted) != len(objects) {
		t.Fatalf("%d of %d objects accepted:\n%s%s", len(accepted), len(objects), stdout.String(), stderr.String())
	}
}
