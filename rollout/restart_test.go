package rollout

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPlanRestart(t *testing.T) {
	restartAt := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	pod := func(name string, age time.Duration, terminating bool) *metav1.PartialObjectMetadata {
		p := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(restartAt.Add(-age))}}
		if terminating {
			p.DeletionTimestamp = &metav1.Time{Time: restartAt}
		}
		return p
	}
	pods := []*metav1.PartialObjectMetadata{pod("b", time.Hour, false), pod("a", 2*time.Hour, false), pod("c", -time.Minute, false), pod("d", time.Minute, false)}
	cases := []struct {
		name                        string
		now                         time.Time
		pods                        []*metav1.PartialObjectMetadata
		desired, available, unavail int32
		wantEvict                   []string
		wantDone                    bool
		wantWait                    time.Duration
	}{
		{"not due yet", restartAt.Add(-30 * time.Second), pods, 4, 4, 1, nil, false, 30 * time.Second},
		{"one at a time, oldest first", restartAt, pods, 4, 4, 0, []string{"a"}, false, 0},
		{"two allowed", restartAt, pods, 4, 4, 2, []string{"a", "b"}, false, 0},
		{"budget used by an unavailable pod", restartAt, pods, 4, 3, 1, nil, false, 0},
		{"terminating pods are not evicted again", restartAt, []*metav1.PartialObjectMetadata{pod("a", time.Hour, true), pod("c", -time.Minute, false)}, 2, 1, 1, nil, true, 0},
		{"only new pods left", restartAt, []*metav1.PartialObjectMetadata{pod("c", -time.Minute, false)}, 1, 1, 1, nil, true, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := planRestart(restartAt, tc.now, tc.pods, tc.desired, tc.available, tc.unavail)
			if !slices.Equal(got.evict, tc.wantEvict) || got.done != tc.wantDone || got.wait != tc.wantWait {
				t.Fatalf("got %+v, want evict %v done %v wait %s", got, tc.wantEvict, tc.wantDone, tc.wantWait)
			}
		})
	}
}
