package rollout

import (
	"maps"

	"k8s.io/apimachinery/pkg/api/equality"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// notificationLedgerAnnotation is where the notifications controller keeps
// its delivery ledger (notifications/ledger.Annotation, repeated here so the
// Rollout controller does not import notifications). Nothing in a reconcile
// reads it.
const notificationLedgerAnnotation = "notifications.sluice.dev/ledger"

// rolloutUpdated wakes a Rollout on an update, unless the update changed only
// the notification ledger: every delivery writes the ledger twice (claim,
// then mark), and reconciling the Rollout for that would cost a full sync per
// write with nothing to do. A resync (the same resourceVersion) always wakes it.
func (c *Controller) rolloutUpdated(oldObj, newObj any) {
	old, okOld := oldObj.(*v1alpha1.Rollout)
	cur, okNew := newObj.(*v1alpha1.Rollout)
	if okOld && okNew && old.ResourceVersion != cur.ResourceVersion && onlyLedgerChanged(old, cur) {
		return
	}
	c.enqueue(newObj)
}

// onlyLedgerChanged reports whether two versions of a Rollout differ in
// nothing but the ledger annotation (and the resourceVersion that changed
// with it).
func onlyLedgerChanged(old, cur *v1alpha1.Rollout) bool {
	if old.Annotations[notificationLedgerAnnotation] == cur.Annotations[notificationLedgerAnnotation] {
		return false
	}
	a, b := *old, *cur // shallow copies: only the metadata fields below are replaced
	a.ObjectMeta, b.ObjectMeta = *old.ObjectMeta.DeepCopy(), *cur.ObjectMeta.DeepCopy()
	for _, m := range []*v1alpha1.Rollout{&a, &b} {
		m.ResourceVersion = ""
		m.ManagedFields = nil
		m.Annotations = maps.Clone(m.Annotations)
		delete(m.Annotations, notificationLedgerAnnotation)
		if len(m.Annotations) == 0 {
			m.Annotations = nil
		}
	}
	return equality.Semantic.DeepEqual(a, b)
}
