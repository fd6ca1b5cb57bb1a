package cli

import (
	"strings"
	"testing"
	"time"
)

func TestAbortAndRetry(t *testing.T) {
	other := canaryRollout()
	other.Name, other.UID = "api", "uid-api"
	c := newFakeCluster(t, canaryRollout(), other)

	r := c.run("abort", "web", "api")
	wantExit(t, r, 0)
	if r.stdout != "rollout \"web\" aborted\nrollout \"api\" aborted\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	for _, name := range []string{"web", "api"} {
		if !c.rollout(name).Status.Abort {
			t.Errorf("%s: abort not set", name)
		}
	}

	r = c.run("retry", "web")
	wantExit(t, r, 0)
	if c.rollout("web").Status.Abort || !c.rollout("api").Status.Abort {
		t.Error("retry web: want web abort=false, api untouched")
	}
	if r.stdout != "rollout \"web\" retried\n" {
		t.Errorf("stdout %q", r.stdout)
	}
}

func TestAbortGoesOnAfterAMissingRollout(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("abort", "nope", "web", "gone")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "nope" not found in namespace "default"; rollout "gone" not found in namespace "default"`)
	if !c.rollout("web").Status.Abort {
		t.Error("web not aborted")
	}
}

func TestPauseAndResume(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("pause", "web")
	wantExit(t, r, 0)
	ro := c.rollout("web")
	if !ro.Spec.Paused {
		t.Fatal("spec.paused not set")
	}
	if len(ro.Status.PauseConditions) != 1 {
		t.Error("pause touched the pause conditions")
	}
	if r.stdout != "rollout \"web\" paused\n" {
		t.Errorf("stdout %q", r.stdout)
	}

	r = c.run("resume", "web")
	wantExit(t, r, 0)
	ro = c.rollout("web")
	if ro.Spec.Paused || len(ro.Status.PauseConditions) != 0 {
		t.Errorf("after resume: paused=%v pauseConditions=%v", ro.Spec.Paused, ro.Status.PauseConditions)
	}
	if r.stdout != "rollout \"web\" resumed\n" {
		t.Errorf("stdout %q", r.stdout)
	}
}

func TestRestart(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("restart", "web")
	wantExit(t, r, 0)
	if got := c.rollout("web").Spec.RestartAt; got == nil || !got.Time.Equal(testNow) {
		t.Errorf("restartAt %v, want %v", got, testNow)
	}
	if r.stdout != "rollout \"web\" restarts at 2026-01-02T15:04:05Z\n" {
		t.Errorf("stdout %q", r.stdout)
	}

	wantExit(t, c.run("restart", "web", "--in", "90s"), 0)
	if got := c.rollout("web").Spec.RestartAt; got == nil || !got.Time.Equal(testNow.Add(90*time.Second)) {
		t.Errorf("restartAt %v, want now+90s", got)
	}

	r = c.run("restart", "web", "--in", "-1m")
	wantExit(t, r, 2)
	if !strings.HasPrefix(r.stderr, "error: --in must not be negative") {
		t.Errorf("stderr %q", r.stderr)
	}
}

// TestRestartTimeRoundsUp: restartAt is whole seconds, and so is a pod's
// creationTimestamp (truncated). A pod created at 15:04:05.2 shows 15:04:05; a
// restart asked for at 15:04:05.7 must still cover it, so restartAt rounds up.
func TestRestartTimeRoundsUp(t *testing.T) {
	cases := []struct {
		now  time.Time
		in   time.Duration
		want string
	}{
		{testNow, 0, "2026-01-02T15:04:05Z"},
		{testNow.Add(700 * time.Millisecond), 0, "2026-01-02T15:04:06Z"},
		{testNow.Add(time.Nanosecond), 0, "2026-01-02T15:04:06Z"},
		{testNow.Add(700 * time.Millisecond), 300 * time.Millisecond, "2026-01-02T15:04:06Z"},
		{testNow.In(time.FixedZone("CET", 3600)).Add(100 * time.Millisecond), time.Minute, "2026-01-02T15:05:06Z"},
	}
	for _, tc := range cases {
		if got := restartTime(tc.now, tc.in); got != tc.want {
			t.Errorf("restartTime(%s, %s) = %s, want %s", tc.now.Format(time.RFC3339Nano), tc.in, got, tc.want)
		}
	}
}
