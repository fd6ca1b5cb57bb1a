package plan

import (
	"fmt"
	"testing"
	"time"
)

// These world-model tests drive a routed canary through the moments where
// traffic and pods part ways: a canary superseded or reverted while it holds
// weight, and dynamicStableScale giving traffic back to a small stable side,
// with routers that reject or lag. The world checks SPEC §2.7 at every tick,
// also between a reconcile's ReplicaSet writes and its router write.

// routerBehaviours are the routers the tests run against.
var routerBehaviours = []struct {
	name  string
	setup func(*world)
}{
	{"router accepts", func(*world) {}},
	{"router lags (takes one update in three)", func(w *world) { w.routerAcceptsEvery = 3 }},
	{"router rejects for a while", func(w *world) { w.routerDown = true }},
}

// TestRoutedSupersededCanaryKeepsPodsWhileItHasWeight: B holds 50% when a new
// template C (or the stable template A again) arrives. B keeps its pods until the
// router has taken its weight away, whatever the router does.
func TestRoutedSupersededCanaryKeepsPodsWhileItHasWeight(t *testing.T) {
	for _, next := range []string{"c", "a"} {
		for _, r := range routerBehaviours {
			t.Run(fmt.Sprintf("to %s/%s", next, r.name), func(t *testing.T) {
				w := healthyWorld(t, 4, routedCanary(weight(50), pauseForever()))
				w.deploy("b")
				w.runUntil("paused on b at 50", 20, time.Second, func() bool { return w.paused() && w.traffic().Weight == 50 })
				r.setup(w)
				w.deploy(next)
				for range 10 {
					w.tick(time.Second) // the safety checks run inside every tick
				}
				if w.traffic().Canary == "b" && w.traffic().Weight > 0 && w.rs["b"].Available == 0 {
					t.Fatalf("b lost its pods while it holds weight (%s)", w)
				}
				w.routerDown = false
				if next == "a" {
					w.runUntil("back on a with b gone", 30, time.Second, func() bool {
						return w.traffic() == carried{0, "a", "a"} && w.rs["b"].Replicas == 0
					})
					return
				}
				w.runUntil("paused on c at 50 with b gone", 30, time.Second, func() bool {
					return w.paused() && w.traffic() == carried{50, "a", "c"} && w.rs["b"].Replicas == 0
				})
			})
		}
	}
}

// TestRoutedDynamicStableScaleFollowsCapacity: with dynamicStableScale the
// stable side runs its share only; an abort or a lower weight gives traffic back
// to it only as fast as its pods become available (pods here come two per tick).
func TestRoutedDynamicStableScaleFollowsCapacity(t *testing.T) {
	t.Run("abort at 90%", func(t *testing.T) {
		c := routedCanary(weight(90), pauseForever())
		dynamicStableScale(c)
		w := healthyWorld(t, 10, c)
		w.deploy("b")
		w.runUntil("paused at 90", 30, time.Second, func() bool { return w.paused() && w.traffic().Weight == 90 })
		if w.rs["a"].Replicas != 1 {
			t.Fatalf("stable runs %d pods at 90%%, want 1 (%s)", w.rs["a"].Replicas, w)
		}
		w.podsPerTick = 2
		w.ro.Status.Abort = true
		w.tick(time.Second)
		if got := w.traffic().Weight; got != 90 {
			t.Fatalf("right after the abort the canary carries %d%%, want 90 until stable pods come (%s)", got, w)
		}
		w.runUntil("all traffic back on a", 20, time.Second, func() bool { return w.traffic() == carried{0, "a", "a"} })
	})
	t.Run("from 80% down to 20%", func(t *testing.T) {
		c := routedCanary(weight(80), pauseForever(), weight(20), pauseForever())
		dynamicStableScale(c)
		w := healthyWorld(t, 10, c)
		w.deploy("b")
		w.runUntil("paused at 80", 30, time.Second, func() bool { return w.paused() && w.traffic().Weight == 80 })
		w.podsPerTick = 2
		w.promote()
		w.runUntil("paused at 20", 30, time.Second, func() bool { return w.paused() && w.traffic().Weight == 20 })
	})
}
