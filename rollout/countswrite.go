package rollout

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Status writes that only move pod counts are batched.
//
// During an update a Rollout's pod counts change at every scale and again as
// each pod becomes ready; writing every change made such writes the bulk of a
// rollout's API requests (see docs/benchmarks.md). No decision reads the counts
// back from the stored status (the plan reads the ReplicaSets), so a status that
// differs from the stored one only in counts, the summary message and condition
// update times waits, and is written with the counts current then — or earlier,
// together with the next change that matters. Phase, conditions, step, pause,
// abort and ReplicaSet changes are always written at once.
//
// How long it waits depends on the phase. A Progressing Rollout writes again as
// soon as its pods allow the next step, so its counts wait up to a minute (pods
// that take long to start, on a busy cluster, would otherwise cost a write every
// few seconds each). A Healthy, Paused or Degraded one has no next write coming,
// so its counts wait only countsDelay.
const (
	countsDelay            = 5 * time.Second
	progressingCountsDelay = time.Minute
)

// countsDelayFor is how long a counts-only difference of a status waits.
func countsDelayFor(st *v1alpha1.RolloutStatus) time.Duration {
	if st.Phase == v1alpha1.RolloutPhaseProgressing {
		return progressingCountsDelay
	}
	return countsDelay
}

// countsBatch remembers, per Rollout, the status waiting to be written and since
// when a counts-only difference has been waiting.
type countsBatch struct {
	mu      sync.Mutex
	waiting map[cache.ObjectName]*waitingStatus
}

type waitingStatus struct {
	since  time.Time
	status v1alpha1.RolloutStatus
}

func newCountsBatch() *countsBatch {
	return &countsBatch{waiting: map[cache.ObjectName]*waitingStatus{}}
}

// wait records st as key's waiting status and returns how much longer its
// write waits (0: write now).
func (b *countsBatch) wait(key cache.ObjectName, st *v1alpha1.RolloutStatus, now time.Time, delay time.Duration) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	w, ok := b.waiting[key]
	if !ok {
		w = &waitingStatus{since: now}
		b.waiting[key] = w
	}
	w.status = *st.DeepCopy()
	return max(w.since.Add(delay).Sub(now), 0)
}

// latest is the status computed last for key while its write waits, or nil.
// Progress is judged against it rather than against the stored status, whose
// counts are behind (see completeStatus).
func (b *countsBatch) latest(key cache.ObjectName) *v1alpha1.RolloutStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	if w, ok := b.waiting[key]; ok {
		return w.status.DeepCopy()
	}
	return nil
}

// done drops key's record: its status was written, or no longer differs.
func (b *countsBatch) done(key cache.ObjectName) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.waiting, key)
}

// onlyCountsDiffer reports whether two statuses differ at most in pod counts,
// the summary message and condition update times.
func onlyCountsDiffer(stored, next *v1alpha1.RolloutStatus) bool {
	return equality.Semantic.DeepEqual(withoutCounts(stored), withoutCounts(next))
}

func withoutCounts(st *v1alpha1.RolloutStatus) *v1alpha1.RolloutStatus {
	out := st.DeepCopy()
	out.Replicas, out.ReadyReplicas, out.AvailableReplicas, out.UpdatedReplicas = 0, 0, 0, 0
	out.Message = ""
	for i := range out.Conditions {
		out.Conditions[i].LastUpdateTime = metav1.Time{}
	}
	return out
}
