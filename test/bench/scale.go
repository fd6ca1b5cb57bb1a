package main

import (
	"math"
	"time"
)

// Limits and polling intervals that grow with the size of a run. The fixed
// values they replace (30 min per wait, 10 min for the namespace to go, a
// poll every 250 ms) fit N ≤ 3000; at N=10,000 a wait is longer than 30 min
// and an O(N) poll several times a second costs the bench (and, for
// /metrics, the controller) CPU that belongs to the measurement.

// waitLimit is the default --timeout: 30 min, or 0.4 s per Rollout (or run)
// when that is more. At N=3000 an unpaced wave took 1101 s (0.37 s per
// Rollout) on the two-core machine, the slowest measured so far.
func waitLimit(n int) time.Duration {
	return max(30*time.Minute, time.Duration(n)*400*time.Millisecond)
}

// namespaceDeleteLimit is how long the bench waits for its namespace to be
// gone: the namespace controller deletes every object, and each pod then
// needs KWOK to finish it, so the time grows with the pods. Measured on the
// busy two-core machine: 16 s for 200 pods, 28 s for 600, about 30 ms a pod;
// the limit allows 50 ms a pod (N=10,000 at 2 replicas: 40,000 pods, 33 min)
// and never less than 10 min.
func namespaceDeleteLimit(pods int) time.Duration {
	return max(10*time.Minute, time.Duration(pods)*50*time.Millisecond)
}

// teardownLimit bounds the whole teardown: stopping the controller (at most
// 20 s), the namespace, then the nodes.
func teardownLimit(pods int) time.Duration { return namespaceDeleteLimit(pods) + 5*time.Minute }

// settlePoll is how often waitSettled looks at every Rollout and ReplicaSet
// in the bench's cache: 250 ms up to N=2500, then 0.1 ms per Rollout, at most
// 1 s. The wave's times come from the watch, not from this poll.
func settlePoll(n int) time.Duration {
	return min(max(time.Duration(n)*100*time.Microsecond, 250*time.Millisecond), time.Second)
}

// drainPoll is how often waitEventsDrained scrapes the controller's /metrics,
// and how many scrapes in a row must show no new Event write (2 s of quiet).
// The controller renders one sluice_rollout_info series per Rollout for every
// scrape, so a scrape's cost (the controller's and the bench's) grows with N:
// 500 ms up to N=2500, then 0.2 ms per Rollout, at most 2 s.
func drainPoll(n int) (every time.Duration, quietScrapes int) {
	every = min(max(time.Duration(n)*200*time.Microsecond, 500*time.Millisecond), 2*time.Second)
	return every, int(math.Ceil(float64(2*time.Second) / float64(every)))
}

// peakPods is how many pods the run's Rollouts hold at once at most.
func (e *env) peakPods() int {
	if e.cfg.analysisRuns > 0 {
		return 0
	}
	return e.cfg.n * peakPodsPerRollout(e.cfg.replicas)
}
