package controller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// leaseFence keeps a replica that may no longer hold the leader lease from
// writing (SPEC §2.7 rule 6: a controller that loses its lease stops writing at
// once).
//
// client-go's elector is not enough for that. It gives leadership up when one
// renew attempt has failed for RenewDeadline, counted from that attempt's
// start. A process that was frozen (SIGSTOP, a stalled VM, a long pause) past
// its lease starts a fresh attempt when it wakes: its controllers run on, with
// caches catching up on what the new leader did, for up to another
// RenewDeadline, while the other replica already leads. The fence counts from
// the last renewal that succeeded instead, and every request the controllers'
// clients send goes through it: a write leaves only while that renewal is less
// than RenewDeadline old. The other replicas wait LeaseDuration (longer) from
// when they saw the renewal, which is later than when it was sent.
type leaseFence struct {
	renewDeadline time.Duration
	now           func() time.Time

	mu sync.Mutex
	// renewed is when the last successful acquisition or renewal of this
	// replica was sent; zero when it does not lead.
	renewed time.Time
}

// fenceCheckInterval is how often a leader's watchdog looks at the fence. A
// process that wakes from a freeze finds out at its first check.
const fenceCheckInterval = 100 * time.Millisecond

// errFenced is the error of a write the fence holds back.
var errFenced = errors.New("not sent: this replica has not renewed the leader lease within the renew deadline")

func newLeaseFence(renewDeadline time.Duration) *leaseFence {
	return &leaseFence{renewDeadline: renewDeadline, now: time.Now}
}

// open reports whether this replica may write now.
func (f *leaseFence) open() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.renewed.IsZero() && f.now().Sub(f.renewed) < f.renewDeadline
}

func (f *leaseFence) renewedAt(sent time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if sent.After(f.renewed) {
		f.renewed = sent
	}
}

// close shuts the fence until the next acquisition.
func (f *leaseFence) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.renewed = time.Time{}
}

// watch calls closed once the fence is shut, or returns when ctx is done.
func (f *leaseFence) watch(ctx context.Context, closed func()) {
	tick := time.NewTicker(fenceCheckInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if !f.open() {
				closed()
				return
			}
		}
	}
}

// wrap puts the fence in front of a client's transport (rest.Config.Wrap):
// reads always pass, writes only while the fence is open.
func (f *leaseFence) wrap(rt http.RoundTripper) http.RoundTripper { return fencedTransport{rt, f} }

type fencedTransport struct {
	next  http.RoundTripper
	fence *leaseFence
}

func (t fencedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if !t.fence.open() {
			if req.Body != nil {
				_ = req.Body.Close() // a RoundTripper closes the body, sent or not
			}
			return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, errFenced)
		}
	}
	return t.next.RoundTrip(req)
}

// fencedLock is the leader election lock, telling the fence about each write
// of the Lease that succeeded: one naming this replica (an acquisition or a
// renewal) opens it from the moment it was sent, any other (the release on
// shutdown) closes it.
type fencedLock struct {
	resourcelock.Interface
	fence *leaseFence
}

func (l fencedLock) Create(ctx context.Context, r resourcelock.LeaderElectionRecord) error {
	return l.record(r, func() error { return l.Interface.Create(ctx, r) })
}

func (l fencedLock) Update(ctx context.Context, r resourcelock.LeaderElectionRecord) error {
	return l.record(r, func() error { return l.Interface.Update(ctx, r) })
}

func (l fencedLock) record(r resourcelock.LeaderElectionRecord, write func() error) error {
	sent := l.fence.now()
	err := write()
	switch {
	case err != nil:
	case r.HolderIdentity == l.Identity():
		l.fence.renewedAt(sent)
	default:
		l.fence.close()
	}
	return err
}
