package ledger

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Bounds on the encoded ledger: an annotation shares the object's 256 KiB of
// annotations with everything else, and every write sends it whole.
const (
	// KeepRevisions is how many of the newest revisions keep their records.
	KeepRevisions = 3
	// MaxBytes bounds the encoded ledger.
	MaxBytes = 32 << 10
)

// Decode reads the annotation's value; "" is an empty ledger.
func Decode(s string) (Ledger, error) {
	var l Ledger
	if strings.TrimSpace(s) == "" {
		return l, nil
	}
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return Ledger{}, fmt.Errorf("annotation %s is not a ledger: %w", Annotation, err)
	}
	return l, nil
}

// Encode writes the ledger as the annotation's value: compact JSON with
// sorted keys (the same ledger always encodes to the same text), bounded.
//
// The bound keeps the records of the KeepRevisions newest revisions; if the
// text is still longer than MaxBytes it drops older revisions whole, then,
// within the one revision left, the entries that are done (sent, skipped,
// given up), oldest first, and only then unfinished ones. A dropped revision
// raises Forgotten, so its deliveries are never sent again. A done entry
// dropped from the newest revision is the one way the bound can cause a
// repeat: at ~200 bytes an entry that takes well over a hundred deliveries
// in one revision.
func (l Ledger) Encode() (string, error) {
	b := l.bounded()
	text, err := json.Marshal(b)
	for err == nil && len(text) > MaxBytes {
		if !b.dropOne() {
			return "", fmt.Errorf("ledger is %d bytes with nothing left to drop (limit %d)", len(text), MaxBytes)
		}
		text, err = json.Marshal(b)
	}
	if err != nil {
		return "", fmt.Errorf("encode ledger: %w", err)
	}
	return string(text), nil
}

// bounded is a copy holding the records of the KeepRevisions newest revisions.
func (l Ledger) bounded() Ledger {
	b := Ledger{
		Entries:       maps.Clone(l.Entries),
		Subscriptions: maps.Clone(l.Subscriptions),
		Threads:       maps.Clone(l.Threads),
		Marks:         maps.Clone(l.Marks),
		Forgotten:     l.Forgotten,
	}
	revs := b.revisions()
	if len(revs) > KeepRevisions {
		b.forgetThrough(revs[len(revs)-KeepRevisions-1])
	}
	return b
}

// dropOne drops the oldest revision if more than one is kept, else one entry
// of the last revision (see Encode). It reports whether it dropped anything.
func (b *Ledger) dropOne() bool {
	if revs := b.revisions(); len(revs) > 1 {
		b.forgetThrough(revs[0])
		return true
	}
	id, ok := b.oldestEntry(true)
	if !ok {
		id, ok = b.oldestEntry(false)
	}
	if ok {
		delete(b.Entries, id)
	}
	return ok
}

// oldestEntry is the entry written longest ago (done ones only if done).
func (b *Ledger) oldestEntry(done bool) (string, bool) {
	var best string
	found := false
	for _, id := range sortedKeys(b.Entries) {
		e := b.Entries[id]
		if done && !e.State.Done() {
			continue
		}
		if !found || e.At.Before(b.Entries[best].At) {
			best, found = id, true
		}
	}
	return best, found
}

// forgetThrough drops every record of revision r and older.
func (b *Ledger) forgetThrough(r int64) {
	maps.DeleteFunc(b.Entries, func(_ string, e Entry) bool { return e.Revision <= r })
	maps.DeleteFunc(b.Marks, func(_ string, m Mark) bool { return m.Revision <= r })
	maps.DeleteFunc(b.Threads, func(k, _ string) bool { return threadRevision(k) <= r })
	b.Forgotten = max(b.Forgotten, r)
}

// revisions are the revisions with records, oldest first.
func (b *Ledger) revisions() []int64 {
	seen := map[int64]bool{}
	for _, e := range b.Entries {
		seen[e.Revision] = true
	}
	for _, m := range b.Marks {
		seen[m.Revision] = true
	}
	for k := range b.Threads {
		seen[threadRevision(k)] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// threadRevision reads the revision out of a ThreadKey.
func threadRevision(key string) int64 {
	head, _, _ := strings.Cut(key, "/")
	r, _ := strconv.ParseInt(head, 10, 64)
	return r
}
