package cli

import (
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func TestStatusOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*v1alpha1.Rollout)
		stdout string
		code   int
	}{
		{"healthy", func(ro *v1alpha1.Rollout) { *ro = *healthyRollout() }, "Healthy\n", 0},
		{"paused", func(*v1alpha1.Rollout) {}, "Paused - CanaryPauseStep\n", 0},
		{"progressing", func(ro *v1alpha1.Rollout) {
			ro.Status.Phase, ro.Status.Message = v1alpha1.RolloutPhaseProgressing, "more replicas need to be updated"
		}, "Progressing - more replicas need to be updated\n", 0},
		{"degraded", func(ro *v1alpha1.Rollout) {
			ro.Status.Phase, ro.Status.Message = v1alpha1.RolloutPhaseDegraded, "RolloutAborted: Rollout aborted"
		}, "Degraded - RolloutAborted: Rollout aborted\n", 1},
		{"stale status", func(ro *v1alpha1.Rollout) {
			*ro = *healthyRollout()
			ro.Generation = 3
		}, "Progressing - waiting for the controller to observe the latest spec\n", 0},
		{"never reconciled", func(ro *v1alpha1.Rollout) {
			ro.Status = v1alpha1.RolloutStatus{ObservedGeneration: ro.Generation}
		}, "Progressing - waiting for the controller to pick up the rollout\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ro := canaryRollout()
			tc.change(ro)
			c := newFakeCluster(t, ro)
			r := c.run("status", "web")
			if r.code != tc.code || r.stdout != tc.stdout || r.stderr != "" {
				t.Errorf("got exit %d stdout %q stderr %q, want exit %d stdout %q", r.code, r.stdout, r.stderr, tc.code, tc.stdout)
			}
		})
	}
}

// followStatus runs `status web -w` and returns its result once it exits.
func startStatus(c *fakeCluster, args ...string) <-chan result {
	done := make(chan result, 1)
	go func() { done <- c.run(append([]string{"status", "web"}, args...)...) }()
	return done
}

func waitResult(t *testing.T, done <-chan result) result {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("status -w did not exit")
	}
	return result{}
}

func TestStatusWatchPrintsChangesAndExitsZeroWhenHealthy(t *testing.T) {
	ro := canaryRollout()
	ro.Status.Phase, ro.Status.Message = v1alpha1.RolloutPhaseProgressing, "more replicas need to be updated"
	c := newFakeCluster(t, ro)
	done := startStatus(c, "-w")
	time.Sleep(150 * time.Millisecond)
	c.updateStatus("web", func(st *v1alpha1.RolloutStatus) {
		st.Phase, st.Message = v1alpha1.RolloutPhasePaused, "CanaryPauseStep"
	})
	time.Sleep(150 * time.Millisecond)
	c.updateStatus("web", func(st *v1alpha1.RolloutStatus) { st.Phase, st.Message = v1alpha1.RolloutPhaseHealthy, "" })
	r := waitResult(t, done)
	wantExit(t, r, 0)
	want := "Progressing - more replicas need to be updated\nPaused - CanaryPauseStep\nHealthy\n"
	if r.stdout != want {
		t.Errorf("stdout\n%s\nwant\n%s", r.stdout, want)
	}
}

func TestStatusWatchExitsOneWhenDegraded(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	done := startStatus(c, "-w", "-t", "1m")
	time.Sleep(150 * time.Millisecond)
	c.updateStatus("web", func(st *v1alpha1.RolloutStatus) {
		st.Phase, st.Message = v1alpha1.RolloutPhaseDegraded, "RolloutAborted: Rollout aborted"
	})
	r := waitResult(t, done)
	if r.code != 1 || r.stderr != "" {
		t.Errorf("exit %d stderr %q, want 1 and no error line (stdout says it)", r.code, r.stderr)
	}
	if !strings.HasSuffix(r.stdout, "Degraded - RolloutAborted: Rollout aborted\n") {
		t.Errorf("stdout %q", r.stdout)
	}
}

func TestStatusWatchIgnoresStaleDegraded(t *testing.T) {
	ro := canaryRollout()
	ro.Status.Phase, ro.Status.Message = v1alpha1.RolloutPhaseDegraded, "RolloutAborted: Rollout aborted"
	ro.Status.ObservedGeneration = 1
	c := newFakeCluster(t, ro)
	r := waitResult(t, startStatus(c, "-t", "300ms"))
	wantExit(t, r, 2)
	wantOneErrorLine(t, r, `error: timed out after 300ms waiting for rollout "web" (last: Progressing - waiting for the controller to observe the latest spec)`)
}

func TestStatusTimeout(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	start := time.Now()
	// Long enough for the first read of the in-process fake even on a loaded
	// machine: the message names the last state seen.
	r := waitResult(t, startStatus(c, "-w", "--timeout", "2s"))
	wantExit(t, r, 2)
	wantOneErrorLine(t, r, `error: timed out after 2s waiting for rollout "web" (last: Paused - CanaryPauseStep)`)
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %s", elapsed)
	}
}

func TestStatusWatchUnknownRollout(t *testing.T) {
	c := newFakeCluster(t)
	r := waitResult(t, startStatus(c, "-w"))
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "web" not found in namespace "default"`)
}
