package plan

import (
	"testing"
	"time"
)

// An aborted rollout goes on only through a retry, which starts the update over
// at step 0 with fresh analyses. A status.promoteFull written while it is
// aborted (kubectl patch, an older plugin) must not wait there for the retry:
// kept, it would make the retry skip every step and analysis and go straight to
// 100% on the version that was just aborted.

// abortedWorld is a rollout updated to "b", paused at its first pause and then
// aborted back to "a" (the canary scaled down).
type abortedWorld struct {
	name string
	make func(t *testing.T) *world
	// pausedAgain is the state a retry must reach: paused on the way, "a" still
	// stable.
	pausedAgain func(w *world) bool
}

func abortedWorlds() []abortedWorld {
	canaryPaused := func(w *world) bool {
		return w.paused() && w.ro.Status.StableRS == "a" && idx(w.ro.Status.CurrentStepIndex) == 1
	}
	return []abortedWorld{
		{"canary", func(t *testing.T) *world {
			return healthyWorld(t, 4, canaryWithServices(weight(50), pauseForever()))
		}, canaryPaused},
		{"routed canary", func(t *testing.T) *world {
			return healthyWorld(t, 4, routedCanary(weight(50), pauseForever()))
		}, canaryPaused},
		{"blue-green", func(t *testing.T) *world {
			return healthyBlueGreen(t, 3, blueGreen(false))
		}, func(w *world) bool {
			return w.paused() && w.ro.Status.StableRS == "a" && w.services["active"].SelectedHash == "a"
		}},
	}
}

// abort deploys "b", waits for its first pause and aborts it.
func (a abortedWorld) abort(t *testing.T) *world {
	w := a.make(t)
	w.deploy("b")
	w.runUntil("paused on b", 20, time.Second, w.paused)
	w.ro.Status.Abort = true
	w.runUntil("aborted with b scaled down", 60, time.Second, func() bool { return w.rs["b"].Replicas == 0 })
	return w
}

func TestPromoteFullWrittenWhileAbortedIsDropped(t *testing.T) {
	for _, a := range abortedWorlds() {
		t.Run(a.name, func(t *testing.T) {
			w := a.abort(t)
			w.ro.Status.PromoteFull = true // kubectl patch --subresource=status
			w.tick(time.Second)
			st := w.ro.Status
			if st.PromoteFull || !st.Abort || st.StableRS != "a" {
				t.Fatalf("after a promote-full written while aborted: promoteFull=%v abort=%v stable=%q, want it dropped, still aborted on a (%s)",
					st.PromoteFull, st.Abort, st.StableRS, w)
			}
			w.tick(time.Second)
			if w.ro.Status.PromoteFull {
				t.Fatalf("promoteFull came back (%s)", w)
			}

			w.ro.Status.Abort = false // retry
			w.runUntil("paused on the way again after the retry, a still stable", 30, time.Second, func() bool { return a.pausedAgain(w) })
		})
	}
}

// A retry that lands together with a promote-full (one status write, or both
// written before the controller looked) starts over at step 0 all the same.
func TestRetryDropsAPendingPromoteFull(t *testing.T) {
	for _, a := range abortedWorlds() {
		t.Run(a.name, func(t *testing.T) {
			w := a.abort(t)
			w.ro.Status.Abort, w.ro.Status.PromoteFull = false, true
			w.tick(time.Second)
			if w.ro.Status.PromoteFull {
				t.Fatalf("the retry kept promoteFull (%s)", w)
			}
			w.runUntil("paused on the way again after the retry, a still stable", 30, time.Second, func() bool { return a.pausedAgain(w) })
		})
	}
}

// A promote-full written on a rollout that is not aborted still promotes: only
// one written while aborted, or arriving with the retry, is dropped.
func TestPromoteFullAfterARetryIsKept(t *testing.T) {
	a := abortedWorlds()[0]
	w := a.abort(t)
	w.ro.Status.Abort = false
	w.runUntil("paused again after the retry", 30, time.Second, func() bool { return a.pausedAgain(w) })
	w.ro.Status.PromoteFull = true
	w.runUntil("stable on b", 30, time.Second, func() bool { return w.ro.Status.StableRS == "b" && w.rs["a"].Replicas == 0 })
	if w.ro.Status.PromoteFull || w.paused() {
		t.Fatalf("promoteFull or a pause left behind: %+v", w.ro.Status)
	}
}
