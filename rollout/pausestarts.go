package rollout

import (
	"sync"
	"time"

	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// pauseStarts keeps the exact start of the pauses this process began, per
// Rollout and reason. A pause condition's startTime is a metav1.Time, stored in
// whole seconds: read back, a 1 s pause would end anywhere from 0 to 1 s after
// it began. After a restart only the stored time is known, and a pause running
// then may still end up to a second early.
type pauseStarts struct {
	mu     sync.Mutex
	starts map[cache.ObjectName]map[v1alpha1.PauseReason]time.Time
}

func newPauseStarts() *pauseStarts {
	return &pauseStarts{starts: map[cache.ObjectName]map[v1alpha1.PauseReason]time.Time{}}
}

// of returns the exact pause starts known for key. record replaces a key's map
// and never changes one handed out, so the caller may read it unlocked.
func (s *pauseStarts) of(key cache.ObjectName) map[v1alpha1.PauseReason]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.starts[key]
}

// record keeps the starts of the pause conditions in a status just written: a
// new condition carries its exact start; one read back from the store (whole
// seconds) keeps the exact start already known. Ended pauses are dropped.
func (s *pauseStarts) record(key cache.ObjectName, conditions []v1alpha1.PauseCondition) {
	s.mu.Lock()
	defer s.mu.Unlock()
	known := s.starts[key]
	next := map[v1alpha1.PauseReason]time.Time{}
	for _, c := range conditions {
		start := c.StartTime.Time
		if exact, ok := known[c.Reason]; ok && exact.Truncate(time.Second).Equal(start.Truncate(time.Second)) {
			start = exact
		}
		next[c.Reason] = start
	}
	if len(next) == 0 {
		delete(s.starts, key)
		return
	}
	s.starts[key] = next
}
