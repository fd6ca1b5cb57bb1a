package rollout

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func TestUpdateEnd(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	now := t0.Add(10 * time.Minute)
	cond := func(typ v1alpha1.RolloutConditionType, status corev1.ConditionStatus, reason string, at time.Time) v1alpha1.RolloutCondition {
		return v1alpha1.RolloutCondition{Type: typ, Status: status, Reason: reason, LastTransitionTime: metav1.NewTime(at)}
	}
	// updating is the status in the middle of an update that began at t0.
	updating := v1alpha1.RolloutStatus{StableRS: "old", CurrentPodHash: "new", Conditions: []v1alpha1.RolloutCondition{
		cond(v1alpha1.RolloutCompleted, corev1.ConditionFalse, "", t0),
		cond(v1alpha1.RolloutProgressing, corev1.ConditionTrue, v1alpha1.ReasonReplicaSetUpdated, t0),
	}}
	with := func(st v1alpha1.RolloutStatus, edit func(*v1alpha1.RolloutStatus)) v1alpha1.RolloutStatus {
		out := *st.DeepCopy()
		edit(&out)
		return out
	}
	promoted := with(updating, func(st *v1alpha1.RolloutStatus) { st.StableRS = "new" })
	aborted := with(updating, func(st *v1alpha1.RolloutStatus) {
		st.Abort = true
		st.Conditions[1] = cond(v1alpha1.RolloutProgressing, corev1.ConditionFalse, v1alpha1.ReasonRolloutAborted, now)
	})
	cases := []struct {
		name        string
		prev, next  v1alpha1.RolloutStatus
		rolledBack  bool
		created     time.Time
		wantOutcome string
		wantStart   time.Time
	}{
		{name: "promoted: from when Completed turned False", prev: updating, next: promoted, created: t0.Add(-time.Second),
			wantOutcome: outcomePromoted, wantStart: t0},
		{name: "undo to an older revision", prev: updating, next: promoted, rolledBack: true, created: t0.Add(-30 * 24 * time.Hour),
			wantOutcome: outcomeRolledBack, wantStart: t0},
		{name: "not before the new ReplicaSet existed", prev: updating, next: promoted, created: t0.Add(time.Minute),
			wantOutcome: outcomePromoted, wantStart: t0.Add(time.Minute)},
		{name: "began and ended within one sync", next: promoted, created: now.Add(-time.Hour),
			prev: with(updating, func(st *v1alpha1.RolloutStatus) {
				st.Conditions[0] = cond(v1alpha1.RolloutCompleted, corev1.ConditionTrue, v1alpha1.ReasonRolloutCompleted, t0)
			}),
			wantOutcome: outcomePromoted, wantStart: now},
		{name: "aborted (also when a user wrote status.abort)", prev: with(updating, func(st *v1alpha1.RolloutStatus) { st.Abort = true }), next: aborted,
			wantOutcome: outcomeAborted, wantStart: t0},
		{name: "an aborted undo is Aborted", prev: updating, next: aborted, rolledBack: true, wantOutcome: outcomeAborted, wantStart: t0},
		{name: "still aborted: observed once", prev: aborted, next: aborted},
		{name: "first deploy is not an update", prev: v1alpha1.RolloutStatus{CurrentPodHash: "new"}, next: v1alpha1.RolloutStatus{StableRS: "new", CurrentPodHash: "new"}},
		{name: "a step completes", prev: updating, next: with(updating, func(st *v1alpha1.RolloutStatus) { st.CurrentStepIndex = ptrTo(int32(2)) })},
		{name: "idle", prev: promoted, next: promoted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			outcome, start, ended := updateEnd(&tc.prev, &tc.next, tc.rolledBack, tc.created, now)
			if ended != (tc.wantOutcome != "") || outcome != tc.wantOutcome || !start.Equal(tc.wantStart) {
				t.Fatalf("updateEnd = %q, %s, %v; want %q, %s", outcome, start, ended, tc.wantOutcome, tc.wantStart)
			}
		})
	}
}

// TestSyncObservesRolloutDuration drives updates through the sync with a fake
// clock and checks that each ends in exactly one observation of its outcome,
// measured from the sync that first saw the new template.
func TestSyncObservesRolloutDuration(t *testing.T) {
	ro := testRollout("web:1")
	ro.Spec.RollbackWindow = &v1alpha1.RollbackWindowSpec{Revisions: 1}
	f := newFixture(t, ro, service("web-stable"), service("web-canary"))
	f.endpointsFollow = true
	ctx := context.Background()
	syncs := func(n int) {
		for i := 0; i < n; i++ {
			f.sync()
		}
	}
	setImage := func(image string) {
		ro := f.rollout()
		ro.Spec.Template.Spec.Containers[0].Image = image
		ro.Generation++
		if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Update(ctx, ro, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	writeStatus := func(edit func(*v1alpha1.RolloutStatus)) {
		ro := f.rollout()
		edit(&ro.Status)
		if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").UpdateStatus(ctx, ro, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	before := map[string]observations{}
	for _, o := range []string{outcomePromoted, outcomeAborted, outcomeRolledBack} {
		before[o] = durationObservations(t, o)
	}
	expect := func(step string, want map[string]observations) {
		t.Helper()
		for o, b := range before {
			got := durationObservations(t, o)
			got.count -= b.count
			got.sum -= b.sum
			if got != want[o] {
				t.Fatalf("%s: %s observations %+v, want %+v (%s)", step, o, got, want[o], describeStatus(f.rollout()))
			}
		}
	}

	syncs(3) // the first deploy is no update
	expect("first deploy", nil)

	setImage("web:2")
	syncs(2)
	if ro := f.rollout(); ro.Status.Phase != v1alpha1.RolloutPhasePaused {
		t.Fatalf("web:2 is not paused at its step: %s", describeStatus(ro))
	}
	f.clock.Step(90 * time.Second)
	writeStatus(func(st *v1alpha1.RolloutStatus) { st.PromoteFull = true })
	syncs(5)
	if ro := f.rollout(); ro.Status.StableRS != ro.Status.CurrentPodHash {
		t.Fatalf("web:2 was not promoted: %s", describeStatus(ro))
	}
	expect("promoted", map[string]observations{outcomePromoted: {1, 90}})

	// Back to web:1, one revision older than the stable one: within the
	// rollback window, so it skips the steps.
	setImage("web:1")
	f.sync()
	f.clock.Step(45 * time.Second)
	syncs(5)
	if ro := f.rollout(); ro.Status.StableRS != ro.Status.CurrentPodHash || ro.Status.Phase != v1alpha1.RolloutPhaseHealthy {
		t.Fatalf("the undo did not finish: %s", describeStatus(ro))
	}
	expect("rolled back", map[string]observations{outcomePromoted: {1, 90}, outcomeRolledBack: {1, 45}})

	setImage("web:3")
	syncs(2)
	f.clock.Step(30 * time.Second)
	writeStatus(func(st *v1alpha1.RolloutStatus) { st.Abort = true })
	syncs(5)
	if ro := f.rollout(); ro.Status.Phase != v1alpha1.RolloutPhaseDegraded {
		t.Fatalf("web:3 was not aborted: %s", describeStatus(ro))
	}
	expect("aborted", map[string]observations{outcomePromoted: {1, 90}, outcomeRolledBack: {1, 45}, outcomeAborted: {1, 30}})

	// A retry and a second abort count again (the plan tells no second
	// RolloutAborted event in that case, so the observation does not follow
	// the events), from the update's first start.
	writeStatus(func(st *v1alpha1.RolloutStatus) { st.Abort = false })
	syncs(2)
	f.clock.Step(20 * time.Second)
	writeStatus(func(st *v1alpha1.RolloutStatus) { st.Abort = true })
	syncs(3)
	expect("aborted again", map[string]observations{outcomePromoted: {1, 90}, outcomeRolledBack: {1, 45}, outcomeAborted: {2, 30 + 50}})
}

type observations struct {
	count uint64
	sum   float64
}

// durationObservations reads one outcome's sample count and sum (the histogram
// is process-wide, so callers compare with an earlier reading).
func durationObservations(t *testing.T, outcome string) observations {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(rolloutDuration)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range families {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					return observations{m.GetHistogram().GetSampleCount(), m.GetHistogram().GetSampleSum()}
				}
			}
		}
	}
	t.Fatalf("no %s series", outcome)
	return observations{}
}

func describeStatus(ro *v1alpha1.Rollout) string {
	st := ro.Status
	return string(st.Phase) + " " + st.Message + " stable=" + st.StableRS + " current=" + st.CurrentPodHash
}

// TestOwnWritesStandInForALaggingCache: a sync that finds the cache behind
// its own last write does not stop to wait for the watch: it acts on the
// object that write returned, counts that under the object that lagged — and
// only there — and repeats none of the writes the cache does not show yet.
func TestOwnWritesStandInForALaggingCache(t *testing.T) {
	ctx := context.Background()
	key := cache.ObjectName{Namespace: "ns", Name: "web"}
	cases := []struct {
		name    string
		lagging []string
		// lag runs syncs until the next one must meet a cache behind its
		// own write to the lagging object.
		lag func(t *testing.T, f *fixture)
	}{
		{name: "the Rollout is cached without the status it just wrote (and without the ReplicaSet it created)", lagging: []string{lagRollout, lagReplicaSetCreated},
			lag: func(t *testing.T, f *fixture) {
				versionRolloutWrites(f)
				f.refresh(ctx)
				if _, err := f.c.sync(ctx, key); err != nil { // writes the first status
					t.Fatal(err)
				}
			}},
		{name: "the ReplicaSet it just created is not cached yet", lagging: []string{lagReplicaSetCreated},
			lag: func(t *testing.T, f *fixture) {
				f.refresh(ctx)
				if _, err := f.c.sync(ctx, key); err != nil { // creates the first ReplicaSet
					t.Fatal(err)
				}
			}},
		{name: "the Services it just switched are cached as before", lagging: []string{lagService},
			lag: func(t *testing.T, f *fixture) {
				f.versionWrites("services")
				for range 5 {
					before, _ := f.kube.CoreV1().Services("ns").List(ctx, metav1.ListOptions{})
					f.sync()
					if f.selects("web-stable") == "" {
						continue
					}
					f.refresh(ctx)
					var lagging []any
					for i := range before.Items {
						lagging = append(lagging, &before.Items[i])
					}
					if err := f.kubeInf.Core().V1().Services().Informer().GetStore().Replace(lagging, ""); err != nil {
						t.Fatal(err)
					}
					return
				}
				t.Fatal("the Services were never pointed at the first ReplicaSet")
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stable, canary := service("web-stable"), service("web-canary")
			stable.UID, canary.UID = "svc-stable", "svc-canary"
			f := newFixture(t, testRollout("web:1"), stable, canary)
			tc.lag(t, f)
			retriesBefore, readsBefore := staleRetryCounts(), ownWriteReadCounts()
			writesBefore := f.writes()
			if _, err := f.c.sync(ctx, key); err != nil {
				t.Fatal(err)
			}
			retries, reads := staleRetryCounts(), ownWriteReadCounts()
			for object := range reads {
				if d := retries[object] - retriesBefore[object]; d != 0 {
					t.Errorf("the sync waited for the cache (stale retries on %s grew by %v)", object, d)
				}
				grew := reads[object] - readsBefore[object]
				lagging := slices.Contains(tc.lagging, object)
				if lagging && grew == 0 {
					t.Errorf("the sync did not read the lagging %s from its own write", object)
				}
				if !lagging && grew != 0 {
					t.Errorf("own-write reads on %s grew by %v, want 0", object, grew)
				}
			}
			if rss, _ := f.kube.AppsV1().ReplicaSets("ns").List(ctx, metav1.ListOptions{}); len(rss.Items) != 1 {
				t.Errorf("%d ReplicaSets after the sync, want the one created before", len(rss.Items))
			}
			for _, w := range f.writes()[len(writesBefore):] {
				if w == "update services" || w == "patch services" {
					t.Errorf("the sync switched a Service again: %s", w)
				}
			}
		})
	}
}

// staleRetryCounts reads sluice_rollout_stale_retries_total by object (the
// counter is process-wide, so callers compare with an earlier reading).
func staleRetryCounts() map[string]float64 {
	out := map[string]float64{}
	for _, o := range []string{lagRollout, lagReplicaSet, lagReplicaSetCreated, lagService, lagAnalysisRun} {
		out[o] = testutil.ToFloat64(staleRetries.WithLabelValues(o))
	}
	return out
}

// ownWriteReadCounts reads sluice_rollout_own_write_reads_total by object.
func ownWriteReadCounts() map[string]float64 {
	out := map[string]float64{}
	for _, o := range []string{lagRollout, lagReplicaSet, lagReplicaSetCreated, lagService, lagAnalysisRun} {
		out[o] = testutil.ToFloat64(ownWriteReads.WithLabelValues(o))
	}
	return out
}

// versionRolloutWrites makes the fake API give every Rollout write a new
// resourceVersion, as etcd does, so the freshness tracker has versions to compare.
func versionRolloutWrites(f *fixture) {
	rv := 1000
	f.sluice.PrependReactor("*", "rollouts", func(a clienttesting.Action) (bool, runtime.Object, error) {
		switch a.GetVerb() {
		case "update", "patch":
		default:
			return false, nil, nil
		}
		handled, obj, err := clienttesting.ObjectReaction(f.sluice.Tracker())(a)
		if err != nil || obj == nil {
			return handled, obj, err
		}
		rv++
		m, _ := meta.Accessor(obj)
		m.SetResourceVersion(strconv.Itoa(rv))
		if err := f.sluice.Tracker().Update(a.GetResource(), obj, m.GetNamespace()); err != nil {
			return true, nil, err
		}
		return true, obj, nil
	})
}

// writes lists the fake API's write actions so far, as "verb resource".
func (f *fixture) writes() []string {
	var out []string
	for _, a := range append(f.kube.Actions(), f.sluice.Actions()...) {
		switch a.GetVerb() {
		case "create", "update", "patch", "delete":
			out = append(out, a.GetVerb()+" "+a.GetResource().Resource)
		}
	}
	return out
}
