package cli

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
)

// lockedBuffer is a bytes.Buffer a test may read while a command writes to it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// watchRun is `get rollout web -w` running in the background.
type watchRun struct {
	stdout lockedBuffer
	done   chan result
}

// startGetWatch runs `get rollout web -w` against c with the given settle limit.
func startGetWatch(c *fakeCluster, settleLimit time.Duration) *watchRun {
	o := c.options()
	o.settleLimit = settleLimit
	return startCommand(o, "get", "rollout", "web", "-w")
}

// startCommand runs a command in the background; the test can read its output
// as it is written (waitFrame) before it ends (wait).
func startCommand(o *options, args ...string) *watchRun {
	w := &watchRun{done: make(chan result, 1)}
	go func() {
		var stderr bytes.Buffer
		cmd := newRootCommand(o)
		cmd.SetArgs(args)
		cmd.SetOut(&w.stdout)
		cmd.SetErr(&stderr)
		code := ReportError(&stderr, cmd.ExecuteContext(context.Background()))
		w.done <- result{stdout: w.stdout.String(), stderr: stderr.String(), code: code}
	}()
	return w
}

// waitFrame waits until the watch has drawn a frame containing every want, or
// has exited.
func (w *watchRun) waitFrame(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		out := w.stdout.String()
		last := out[max(strings.LastIndex(out, "Name:"), 0):]
		found := true
		for _, s := range want {
			found = found && strings.Contains(last, s)
		}
		if found || len(w.done) > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no frame with %q within 10s; output:\n%s", want, w.stdout.String())
}

func (w *watchRun) wait(t *testing.T) result {
	t.Helper()
	select {
	case r := <-w.done:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("get -w did not exit; output:\n%s", w.stdout.String())
	}
	return result{}
}

// lastFrame is the last frame a watch printed.
func lastFrame(stdout string) string { return stdout[max(strings.LastIndex(stdout, "Name:"), 0):] }

// justAborted is "web" (no traffic router) a moment after an abort: the
// controller has reported Degraded and scaled the canary ReplicaSet to 0, but
// the ReplicaSet still counts its pod as available and the pod is terminating.
// The header reads SetWeight 0, ActualWeight 20.
func justAborted() (*v1alpha1.Rollout, *appsv1.ReplicaSet, *corev1.Pod, []runtime.Object) {
	ro := canaryRollout()
	ro.Status.Phase = v1alpha1.RolloutPhaseDegraded
	ro.Status.Message = "RolloutAborted: Rollout aborted: step analysis is Failed"
	ro.Status.Abort = true
	ro.Status.PauseConditions, ro.Status.ControllerPause = nil, false
	ro.Status.CurrentStepIndex = ptr(int32(0))
	stable := replicaSet(ro, stableHash, 1, "example.com/web:1.0", 4, 4, 26*time.Hour)
	canary := replicaSet(ro, canaryHash, 2, "example.com/web:2.0", 1, 1, 5*time.Minute)
	canary.Spec.Replicas = ptr(int32(0))
	leaving := pod(canary, "m3t9w", true, 0, 4*time.Minute)
	deleted := metav1.NewTime(testNow)
	leaving.DeletionTimestamp = &deleted
	objs := []runtime.Object{ro, stable, canary, leaving}
	for _, suffix := range []string{"2kq7x", "8vbnm", "qz4lp", "w2x3y"} {
		objs = append(objs, pod(stable, suffix, true, 0, 26*time.Hour))
	}
	return ro, canary, leaving, objs
}

// After an abort, `get -w` ends on the frame where the canary is gone and its
// weight is 0, not on the controller's first Degraded report while the canary
// pod is still terminating (issue 22, item 6).
func TestGetRolloutWatchWaitsForAbortToSettle(t *testing.T) {
	_, canary, leaving, objs := justAborted()
	c := newFakeCluster(t, objs...)
	ctx := context.Background()
	w := startGetWatch(c, time.Minute)
	w.waitFrame(t, "ActualWeight:  20", "Terminating")

	// The ReplicaSet catches up; its pod is still terminating.
	canary = canary.DeepCopy()
	canary.Status = appsv1.ReplicaSetStatus{}
	if _, err := c.kube.AppsV1().ReplicaSets("default").UpdateStatus(ctx, canary, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	w.waitFrame(t, "ActualWeight:  0", "Terminating")
	// The pod is gone.
	if err := c.kube.CoreV1().Pods("default").Delete(ctx, leaving.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	r := w.wait(t)
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "web" is Degraded: RolloutAborted: Rollout aborted: step analysis is Failed`)
	if !strings.Contains(r.stdout, "Waiting for the rollout to settle: ReplicaSet web-"+canaryHash+" scaling 1 → 0, 1 pod terminating, canary weight 20 → 0") {
		t.Errorf("the first frame does not say what is still moving:\n%s", r.stdout)
	}
	last := lastFrame(r.stdout)
	for _, want := range []string{"✖ Degraded", "SetWeight:     0", "ActualWeight:  0"} {
		if !strings.Contains(last, want) {
			t.Errorf("the last frame lacks %q:\n%s", want, last)
		}
	}
	for _, unwanted := range []string{"Terminating", "Waiting for the rollout to settle"} {
		if strings.Contains(last, unwanted) {
			t.Errorf("the watch ended on a frame with %q:\n%s", unwanted, last)
		}
	}
}

// A pod that never finishes terminating (a finalizer) does not keep the watch
// open for ever: at the settle limit it ends with the phase's exit code and
// names what is still moving.
func TestGetRolloutWatchStopsWaitingAtTheSettleLimit(t *testing.T) {
	t.Run("Degraded", func(t *testing.T) {
		_, canary, _, objs := justAborted()
		canary.Status = appsv1.ReplicaSetStatus{}
		c := newFakeCluster(t, objs...)
		r := startGetWatch(c, 300*time.Millisecond).wait(t)
		wantExit(t, r, 1)
		wantOneErrorLine(t, r, `error: rollout "web" is Degraded: RolloutAborted: Rollout aborted: step analysis is Failed (still moving after 300ms: 1 pod terminating)`)
		if last := lastFrame(r.stdout); !strings.HasSuffix(last, "\nStopped waiting after 300ms; still moving: 1 pod terminating\n") {
			t.Errorf("the last frame does not end with what is still moving:\n%s", last)
		}
	})
	t.Run("Healthy", func(t *testing.T) {
		ro := healthyRollout()
		current := replicaSet(ro, canaryHash, 2, "example.com/web:2.0", 4, 4, 20*time.Minute)
		old := replicaSet(ro, stableHash, 1, "example.com/web:1.0", 0, 0, 26*time.Hour)
		stuck := pod(old, "2kq7x", true, 0, 26*time.Hour)
		deleted := metav1.NewTime(testNow)
		stuck.DeletionTimestamp, stuck.Finalizers = &deleted, []string{"example.com/hold"}
		c := newFakeCluster(t, ro, current, old, stuck)
		r := startGetWatch(c, 300*time.Millisecond).wait(t)
		wantExit(t, r, 0)
		if last := lastFrame(r.stdout); !strings.Contains(last, "✔ Healthy") || !strings.HasSuffix(last, "\nStopped waiting after 300ms; still moving: 1 pod terminating\n") {
			t.Errorf("the last frame is not Healthy with what is still moving:\n%s", last)
		}
	})
}

func TestStillMoving(t *testing.T) {
	ro := canaryRollout()
	aborted := ro.DeepCopy()
	aborted.Status.Abort = true
	routedAborted := aborted.DeepCopy()
	routedAborted.Status.Canary.Weights = &v1alpha1.TrafficWeights{Canary: v1alpha1.WeightDestination{Weight: 0}, Stable: v1alpha1.WeightDestination{Weight: 100}}
	rs := func(hash string, spec, have int32, mutate func(*appsv1.ReplicaSet)) *appsv1.ReplicaSet {
		r := replicaSet(ro, hash, 1, "example.com/web:1.0", have, have, time.Hour)
		r.Spec.Replicas = ptr(spec)
		if mutate != nil {
			mutate(r)
		}
		return r
	}
	terminating := func(r *appsv1.ReplicaSet, suffix string) *corev1.Pod {
		p := pod(r, suffix, true, 0, time.Hour)
		deleted := metav1.NewTime(testNow)
		p.DeletionTimestamp = &deleted
		return p
	}
	stable := rs(stableHash, 3, 3, nil)
	for _, tc := range []struct {
		name string
		snap view.Snapshot
		want []string
	}{
		{"at rest", view.Snapshot{Rollout: ro, ReplicaSets: []*appsv1.ReplicaSet{stable, rs(canaryHash, 1, 1, nil)}}, nil},
		{"scaling", view.Snapshot{Rollout: ro, ReplicaSets: []*appsv1.ReplicaSet{rs(canaryHash, 2, 1, nil), stable}},
			[]string{"ReplicaSet web-" + canaryHash + " scaling 1 → 2"}},
		{"spec not yet seen by the ReplicaSet controller", view.Snapshot{Rollout: ro, ReplicaSets: []*appsv1.ReplicaSet{stable, rs(canaryHash, 1, 1, func(r *appsv1.ReplicaSet) {
			r.Generation, r.Status.ObservedGeneration = 3, 2
		})}}, []string{"ReplicaSet web-" + canaryHash + " scaling to 1"}},
		{"pods terminating", view.Snapshot{Rollout: ro, ReplicaSets: []*appsv1.ReplicaSet{stable},
			Pods: []*corev1.Pod{terminating(stable, "a"), pod(stable, "b", true, 0, time.Hour), terminating(stable, "c")}}, []string{"2 pods terminating"}},
		// Waiting for a scale-down deadline is where the controller wants the
		// ReplicaSet: not motion.
		{"scale-down deadline ahead", view.Snapshot{Rollout: routedAborted, ReplicaSets: []*appsv1.ReplicaSet{stable, rs(canaryHash, 1, 1, func(r *appsv1.ReplicaSet) {
			r.Annotations[view.ScaleDownDeadlineAnnotation] = testNow.Add(20 * time.Second).Format(time.RFC3339)
		})}}, nil},
		{"aborted, canary still available", view.Snapshot{Rollout: aborted, ReplicaSets: []*appsv1.ReplicaSet{stable, rs(canaryHash, 1, 1, nil)}},
			[]string{"canary weight 25 → 0"}},
		// Without an abort a canary's available share is whatever its pods
		// make it; a broken canary may never reach the step's weight.
		{"not aborted, canary unavailable", view.Snapshot{Rollout: ro, ReplicaSets: []*appsv1.ReplicaSet{stable, rs(canaryHash, 1, 1, func(r *appsv1.ReplicaSet) {
			r.Status.AvailableReplicas = 0
		})}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := stillMoving(tc.snap)
			if strings.Join(got, "; ") != strings.Join(tc.want, "; ") {
				t.Errorf("stillMoving = %q, want %q", got, tc.want)
			}
		})
	}
}
