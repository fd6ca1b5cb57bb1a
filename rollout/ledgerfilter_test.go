package rollout

import (
	"testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// An update that only rewrites the notification ledger does not wake the
// Rollout; any other change, and a resync, do.
func TestLedgerOnlyUpdateDoesNotWakeRollout(t *testing.T) {
	base := testRollout("web:1")
	base.ResourceVersion = "10"
	base.Annotations = map[string]string{"team": "payments"}

	withLedger := func(ledger string) func() (any, any) {
		return func() (any, any) {
			cur := base.DeepCopy()
			cur.ResourceVersion = "11"
			cur.Annotations[notificationLedgerAnnotation] = ledger
			return base, cur
		}
	}
	for _, tc := range []struct {
		name   string
		update func() (old, cur any)
		wakes  bool
	}{
		{"ledger written", withLedger(`{"entries":{}}`), false},
		{"ledger and spec changed", func() (any, any) {
			_, cur := withLedger(`{}`)()
			cur.(*v1alpha1.Rollout).Spec.Paused = true
			return base, cur
		}, true},
		{"another annotation changed", func() (any, any) {
			cur := base.DeepCopy()
			cur.ResourceVersion = "11"
			cur.Annotations["team"] = "search"
			return base, cur
		}, true},
		{"status changed", func() (any, any) {
			cur := base.DeepCopy()
			cur.ResourceVersion = "11"
			cur.Status.Phase = "Paused"
			return base, cur
		}, true},
		{"resync", func() (any, any) { return base, base }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			old, cur := tc.update()
			f.c.rolloutUpdated(old, cur)
			if woke := f.c.queue.Len() == 1; woke != tc.wakes {
				t.Errorf("queue holds %d keys; want woken = %v", f.c.queue.Len(), tc.wakes)
			}
		})
	}
}
