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
//
// It also keeps the object each write returned, so a sync can act on that
// instead of waiting for the watch to bring it (Latest, Pending): on a loaded
// API server the watch lags writes by 40–150 ms, and a reaction that arrived
// in that window used to wait it out (docs/benchmarks.md, "cache lag").
type Tracker struct {
	mu sync.Mutex
	// written is, per object, what this controller's writes replaced and the
	// version its last write produced.
	written map[types.UID]writes
	// created maps an owner to the objects this controller created for it
	// and when, until the cache shows them.
	created map[types.UID][]creation
}

// writes are the versions of one object this controller wrote over, and the
// version its last write produced. Several writes to one object in a sync (a
// scale, then a scale-down deadline) each replace the version the previous one
// produced; a cache may still hold the version before the first.
type writes struct {
	replaced []string
	last     string
	// object is what the last write returned: the object at version last.
	object metav1.Object
	// beyond makes last itself stale too, until expires: the object is
	// expected to change past that version (see AwaitChange).
	beyond  bool
	expires time.Time
}

type creation struct {
	object metav1.Object
	at     time.Time
}

// createdWait bounds how long Missing waits for a created object to reach the
// cache; past it the object is taken as gone (deleted right after its creation).
const createdWait = 10 * time.Second

// New returns an empty Tracker.
func New() *Tracker {
	return &Tracker{written: map[types.UID]writes{}, created: map[types.UID][]creation{}}
}

// Created records that this controller created obj (as the create returned
// it) for owner.
func (f *Tracker) Created(owner types.UID, obj metav1.Object) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.created[owner] = append(f.created[owner], creation{object: obj, at: time.Now()})
}

// Pending returns the objects this controller created for owner that the
// cache does not show yet (cached says whether a name is), so a sync neither
// creates one a second time nor waits for the watch: it acts on the created
// objects. Once the cache shows one (or createdWait has passed: it may have
// been deleted right away), its record is dropped.
func (f *Tracker) Pending(owner types.UID, cached func(name string) bool) []metav1.Object {
	f.mu.Lock()
	defer f.mu.Unlock()
	var pending []metav1.Object
	kept := f.created[owner][:0]
	for _, c := range f.created[owner] {
		if cached(c.object.GetName()) || time.Since(c.at) > createdWait {
			continue
		}
		kept = append(kept, c)
		pending = append(pending, c.object)
	}
	if len(kept) == 0 {
		delete(f.created, owner)
	} else {
		f.created[owner] = kept
	}
	return pending
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
	w.object = after
	f.written[before.GetUID()] = w
}

// Observed drops the record of an object as soon as its informer delivers a
// version at or past this controller's last write to it. Syncs drop caught-up
// records too, but only when they next read the object; until then the record
// kept the whole object its last write returned — at 10,000 Rollouts, with the
// work queue seconds deep, tens of MiB of second copies. Call it from the
// informer's add and update handlers; values that are not objects (a delete's
// tombstone) are ignored.
func (f *Tracker) Observed(obj any) {
	o, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, recorded := f.written[o.GetUID()]; recorded {
		f.staleLocked(o)
	}
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

// Latest returns the version of a cached object a sync should act on: the
// cached one when it is not behind this controller's writes, else the object
// the last write returned — what the API server held right after it, newer
// than the cache. ok is false when the cache is behind and no such object can
// stand in for it (an awaited change, see AwaitChange): the sync must wait for
// the cache.
func (f *Tracker) Latest(obj metav1.Object) (latest metav1.Object, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.staleLocked(obj) {
		return obj, true
	}
	w := f.written[obj.GetUID()]
	if w.beyond || w.object == nil {
		return obj, false
	}
	return w.object, true
}

// Stale reports whether a cached object is older than this controller's last
// write to it. Resource versions are etcd revisions, which grow with every
// write; where one does not parse as a number, the cached version is stale when
// it is one a write replaced. Once the cache has caught up, the record is dropped.
func (f *Tracker) Stale(obj metav1.Object) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.staleLocked(obj)
}

func (f *Tracker) staleLocked(obj metav1.Object) bool {
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
