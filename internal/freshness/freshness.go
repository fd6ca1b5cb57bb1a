// Package freshness keeps controllers from acting on informer caches older than
// their own last write.
package freshness

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Tracker remembers, per object, the resourceVersion this controller last
// overwrote, so a sync never acts on a cached copy older than its own last write
// (DESIGN §2). Informer caches lag writes by milliseconds; acting on the old copy
// would, for example, re-enter a pause step the previous sync already recorded,
// or take a measurement the previous sync already took.
type Tracker struct {
	mu       sync.Mutex
	replaced map[types.UID]string
}

// New returns an empty Tracker.
func New() *Tracker { return &Tracker{replaced: map[types.UID]string{}} }

// Wrote records that before was replaced by a write.
func (f *Tracker) Wrote(before, after metav1.Object) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if before.GetResourceVersion() != after.GetResourceVersion() {
		f.replaced[before.GetUID()] = before.GetResourceVersion()
	}
}

// Stale reports whether a cached object is the version this controller already
// replaced. Once the cache has moved on, the record is dropped.
func (f *Tracker) Stale(obj metav1.Object) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	rv, ok := f.replaced[obj.GetUID()]
	if !ok {
		return false
	}
	if rv == obj.GetResourceVersion() {
		return true
	}
	delete(f.replaced, obj.GetUID())
	return false
}

// Forget drops the records of a deleted object.
func (f *Tracker) Forget(uid types.UID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.replaced, uid)
}
