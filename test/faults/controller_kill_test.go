//go:build faults

package faults

import (
	"testing"
	"time"
)

// TestControllerKilledAtRandomPoints (SPEC §2.7 rule 5): the controller is
// SIGKILLed a dozen times at random moments of four concurrent releases and
// restarted each time. Every release continues from its persisted status and
// ends Healthy on the new revision, with no extra ReplicaSet, no AnalysisRun
// made twice and no invariant broken in between.
func TestControllerKilledAtRandomPoints(t *testing.T) {
	t.Parallel()
	s := newScenario(t)
	ctl := s.startController("a")
	s.deploy(allKinds, nil)
	const kills = 12
	s.run(func() {
		for i := range kills {
			// Up to 2.5 s after the restart: the first kills land in the
			// first steps, analyses and pauses, the later ones wherever the
			// slowed-down releases are by then.
			time.Sleep(between(s.rng, 100*time.Millisecond, 2500*time.Millisecond))
			ctl.Kill()
			t.Logf("kill %d/%d at %s", i+1, kills, time.Now().Format("15:04:05.000"))
			if err := ctl.Start(); err != nil {
				t.Fatalf("restart after kill %d: %v", i+1, err)
			}
		}
	})
}
