// Package freshness keeps controllers from acting on informer caches older than
// their own last write.
package freshness

import (
	"sync"
	"time"

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
	// created maps an owner to the object this controller created for it last
	// and when, until the cache shows that object.
	created map[types.UID]creation
}

type creation struct {
	name string
	at   time.Time
}

// createdWait bounds how long Missing waits for a created object to reach the
// cache; past it the object is taken as gone (deleted right after its creation).
const createdWait = 10 * time.Second

// New returns an empty Tracker.
func New() *Tracker {
	return &Tracker{replaced: map[types.UID]string{}, created: map[types.UID]creation{}}
}

// Created records that this controller created the object name for owner.
func (f *Tracker) Created(owner types.UID, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.created[owner] = creation{name: name, at: time.Now()}
}

// Missing reports whether the object this controller last created for owner is
// not in the cache yet (cached says whether a name is), so a sync does not
// create it a second time. Once the cache shows it, the record is dropped.
func (f *Tracker) Missing(owner types.UID, cached func(name string) bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.created[owner]
	if !ok {
		return false
	}
	if cached(c.name) || time.Since(c.at) > createdWait {
		delete(f.created, owner)
		return false
	}
	return true
}

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
	delete(f.created, uid)
}
