package freshness

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func version(rv string) *metav1.ObjectMeta {
	return &metav1.ObjectMeta{UID: "rs-1", ResourceVersion: rv}
}

// TestStaleAfterSeveralWrites: a sync scales a ReplicaSet (10 → 11) and then
// sets its scale-down deadline (11 → 12). A cache still at 10 or 11 is behind
// the controller's own writes; at 12, or at a later write by someone else, it
// is not.
func TestStaleAfterSeveralWrites(t *testing.T) {
	f := New()
	f.Wrote(version("10"), version("11"))
	f.Wrote(version("11"), version("12"))
	for _, rv := range []string{"10", "11"} {
		if !f.Stale(version(rv)) {
			t.Errorf("cache at %s after writes up to 12: not stale", rv)
		}
	}
	if f.Stale(version("12")) {
		t.Error("cache at the last write: stale")
	}
	if f.Stale(version("10")) {
		t.Error("the record was not dropped once the cache caught up")
	}

	f.Wrote(version("20"), version("21"))
	if f.Stale(version("25")) {
		t.Error("a later version written by someone else: stale")
	}
}

// TestStaleWithOpaqueVersions: versions that are not numbers fall back to the
// versions a write replaced.
func TestStaleWithOpaqueVersions(t *testing.T) {
	f := New()
	f.Wrote(version("a"), version("b"))
	f.Wrote(version("b"), version("c"))
	if !f.Stale(version("a")) || !f.Stale(version("b")) {
		t.Error("replaced opaque versions not stale")
	}
	if f.Stale(version("c")) {
		t.Error("the last written opaque version: stale")
	}
}

func TestNoWriteNothingStale(t *testing.T) {
	f := New()
	f.Wrote(version("5"), version("5")) // a no-op write changes nothing
	if f.Stale(version("4")) {
		t.Error("stale without a write")
	}
}

// TestAwaitChange: after evicting a ReplicaSet's pod the controller waits for
// the ReplicaSet's status to change: the version cached at the eviction is
// stale, any newer one is not (and ends the wait).
func TestAwaitChange(t *testing.T) {
	for _, tc := range []struct{ at, later string }{{"10", "11"}, {"a", "b"}} {
		f := New()
		f.AwaitChange(version(tc.at))
		if !f.Stale(version(tc.at)) {
			t.Errorf("%s: the version cached at the eviction is not stale", tc.at)
		}
		if f.Stale(version(tc.later)) {
			t.Errorf("%s: a newer version is stale", tc.later)
		}
		if f.Stale(version(tc.at)) {
			t.Errorf("%s: the wait did not end once a newer version was seen", tc.at)
		}
	}
}

// TestLatestIsTheOwnWriteWhileTheCacheLags: a cache behind the controller's
// own write is read as the object that write returned; once the cache shows
// that version (or a later one by someone else), the cached object is read.
func TestLatestIsTheOwnWriteWhileTheCacheLags(t *testing.T) {
	f := New()
	written := version("11")
	f.Wrote(version("10"), written)
	if got, ok := f.Latest(version("10")); !ok || got != metav1.Object(written) {
		t.Errorf("cache at 10 after a write to 11: Latest = %v, %v; want the written object", got, ok)
	}
	cached := version("11")
	if got, ok := f.Latest(cached); !ok || got != metav1.Object(cached) {
		t.Errorf("cache at the written version: Latest = %v, %v; want the cached object", got, ok)
	}
	f.Wrote(version("20"), version("21"))
	later := version("25")
	if got, ok := f.Latest(later); !ok || got != metav1.Object(later) {
		t.Errorf("a later version by someone else: Latest = %v, %v; want it", got, ok)
	}
}

// TestLatestWaitsForAnAwaitedChange: the object written by someone else in
// reaction to this controller (AwaitChange) has no copy to stand in for it.
func TestLatestWaitsForAnAwaitedChange(t *testing.T) {
	f := New()
	f.AwaitChange(version("7"))
	if _, ok := f.Latest(version("7")); ok {
		t.Error("an awaited change: Latest did not ask to wait")
	}
	if got, ok := f.Latest(version("8")); !ok || got.GetResourceVersion() != "8" {
		t.Errorf("the change arrived: Latest = %v, %v", got, ok)
	}
}

// TestPendingUntilCached: objects created for an owner stand in for the
// cache until it shows them, each on its own.
func TestPendingUntilCached(t *testing.T) {
	f := New()
	canary := &metav1.ObjectMeta{Name: "web-abc", UID: "rs-2"}
	baseline := &metav1.ObjectMeta{Name: "web-baseline-def", UID: "rs-3"}
	f.Created("ro-1", canary)
	f.Created("ro-1", baseline)
	cachedNames := map[string]bool{}
	cached := func(name string) bool { return cachedNames[name] }
	if got := f.Pending("ro-1", cached); len(got) != 2 {
		t.Fatalf("nothing cached: %d pending, want both", len(got))
	}
	cachedNames["web-abc"] = true
	got := f.Pending("ro-1", cached)
	if len(got) != 1 || got[0].GetName() != "web-baseline-def" {
		t.Errorf("canary cached: pending %v, want the baseline alone", got)
	}
	if got := f.Pending("ro-2", cached); len(got) != 0 {
		t.Errorf("another owner: pending %v", got)
	}
}

// TestObservedDropsTheKeptObject: the informer delivering the controller's own
// write (or anything newer) frees the object that write returned, without a
// sync reading it; an older delivery keeps it, and a tombstone is ignored.
func TestObservedDropsTheKeptObject(t *testing.T) {
	f := New()
	f.Wrote(version("10"), version("11"))
	f.Observed(version("10"))
	f.Observed(struct{}{})
	if _, ok := f.written["rs-1"]; !ok {
		t.Fatal("an older delivery dropped the record")
	}
	if latest, ok := f.Latest(version("10")); !ok || latest.GetResourceVersion() != "11" {
		t.Fatalf("Latest after an older delivery = %v, %v; want the written 11", latest, ok)
	}
	f.Observed(version("11"))
	if n := len(f.written); n != 0 {
		t.Fatalf("%d records kept after the informer showed the write", n)
	}
}
