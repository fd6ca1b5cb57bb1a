// Package freshness keeps controllers from acting on informer caches older than
// their own last write.
package freshness

import (
	"slices"
	"strconv"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Tracker remembers, per object, the resourceVersions this controller's writes
// replaced and produced, so a sync never acts on a cached copy older than its own
// last write (DESIGN §2). Informer caches lag writes by milliseconds; acting on the old copy
// would, for example, re-enter a pause step the previous sync already recorded,
// or take a measurement the previous sync already took.
type Tracker struct {
	mu sync.Mutex
	// written is, per object, what this controller's writes replaced and the
	// version its last write produced.
	written map[types.UID]writes
	// created maps an owner to the object this controller created for it last
	// and when, until the cache shows that object.
	created map[types.UID]creation
}

// writes are the versions of one object this controller wrote over, and the
// version its last write produced. Several writes to one object in a sync (a
// scale, then a scale-down deadline) each replace the version the previous one
// produced; a cache may still hold the version before the first.
type writes struct {
	replaced []string
	last     string
	// beyond makes last itself stale too, until expires: the object is
	// expected to change past that version (see AwaitChange).
	beyond  bool
	expires time.Time
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
	return &Tracker{written: map[types.UID]writes{}, created: map[types.UID]creation{}}
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

// Wrote records that before was replaced by a write that produced after.
func (f *Tracker) Wrote(before, after metav1.Object) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if before.GetResourceVersion() == after.GetResourceVersion() {
		return
	}
	w := f.written[before.GetUID()]
	w.beyond = false // the controller's own write is the newer version
	w.replaced = append(w.replaced, before.GetResourceVersion())
	w.last = after.GetResourceVersion()
	f.written[before.GetUID()] = w
}

// AwaitChange records that obj, as cached now, is about to change because of
// something this controller did to another object (evicting a ReplicaSet's pod
// makes the ReplicaSet controller rewrite its status). Until the cache shows a
// newer version, or createdWait has passed (the change may never come), Stale
// reports obj as stale, so a sync does not act twice on counts the change will
// correct.
func (f *Tracker) AwaitChange(obj metav1.Object) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rv := obj.GetResourceVersion()
	f.written[obj.GetUID()] = writes{replaced: []string{rv}, last: rv, beyond: true, expires: time.Now().Add(createdWait)}
}

// Stale reports whether a cached object is older than this controller's last
// write to it. Resource versions are etcd revisions, which grow with every
// write; where one does not parse as a number, the cached version is stale when
// it is one a write replaced. Once the cache has caught up, the record is dropped.
func (f *Tracker) Stale(obj metav1.Object) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	w, ok := f.written[obj.GetUID()]
	if !ok {
		return false
	}
	cached := obj.GetResourceVersion()
	if w.beyond {
		if time.Now().After(w.expires) {
			delete(f.written, obj.GetUID())
			return false
		}
		if cached == w.last {
			return true
		}
	}
	if older, comparable := olderThan(cached, w.last); comparable {
		if !older {
			delete(f.written, obj.GetUID())
		}
		return older
	}
	if slices.Contains(w.replaced, cached) {
		return true
	}
	delete(f.written, obj.GetUID())
	return false
}

// olderThan compares two resource versions as etcd revisions; comparable is
// false when either is not a number.
func olderThan(rv, than string) (older, comparable bool) {
	a, errA := strconv.ParseUint(rv, 10, 64)
	b, errB := strconv.ParseUint(than, 10, 64)
	if errA != nil || errB != nil {
		return false, false
	}
	return a < b, true
}

// Forget drops the records of a deleted object.
func (f *Tracker) Forget(uid types.UID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.written, uid)
	delete(f.created, uid)
}
