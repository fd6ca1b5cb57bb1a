package controller

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/util/flowcontrol"

	"github.com/sluice-dev/sluice/internal/priority"
)

// priorityLimiter is the sluice client's rate limiter: the same budget as
// client-go's token bucket (qps, burst), but when requests queue for it, those
// whose context is marked priority.UserVisible are sent before the waiting
// ordinary ones, each kind in order of arrival — unless an ordinary one has
// waited ordinaryWaitsAtMost.
//
// Why: under load the client's queue is seconds long, and a status write that
// moves a Rollout on (a pause ended, a step done) waited behind counts-only
// writes and AnalysisRun traffic, so a finished pause still showed as Paused
// for seconds. Priority changes the order, never the rate.
type priorityLimiter struct {
	qps   float32
	clock wakeClock

	mu    sync.Mutex
	lines *tokenLines
	// stopWake cancels the pending wake-up that serves the next token, and
	// wakeAt is when it fires; nil when no wake-up is pending. wakes numbers
	// the wake-ups, so one that was replaced but fired anyway is told apart.
	stopWake func() bool
	wakeAt   time.Time
	wakes    uint64
}

var _ flowcontrol.RateLimiter = (*priorityLimiter)(nil)

// wakeClock is the time the limiter needs: now, and a call back later.
type wakeClock interface {
	Now() time.Time
	// AfterFunc calls f after d (on a goroutine of its own) and returns
	// a function that cancels the call if it has not happened yet.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type realWakeClock struct{}

func (realWakeClock) Now() time.Time { return time.Now() }

func (realWakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

func newPriorityLimiter(qps float32, burst int) *priorityLimiter {
	return newPriorityLimiterWithClock(qps, burst, realWakeClock{})
}

// ordinaryWaitsAtMost is how long an ordinary request waits before it goes
// ahead of user-visible ones that came after it (see tokenLines): long enough
// for a burst of transitions to go first, short enough that an AnalysisRun or
// a counts write is not held up for a whole wave.
const ordinaryWaitsAtMost = 5 * time.Second

func newPriorityLimiterWithClock(qps float32, burst int, clock wakeClock) *priorityLimiter {
	return &priorityLimiter{qps: qps, clock: clock, lines: newTokenLines(float64(qps), burst, ordinaryWaitsAtMost, clock.Now())}
}

// Wait blocks until the request may be sent, in its context's priority's line.
// A cancelled context leaves the line (a token it was granted meanwhile goes
// back to the bucket) and returns the context's error.
func (p *priorityLimiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return p.await(ctx, p.join(priority.Of(ctx)))
}

// join queues a ticket at level and serves at once: with a token to spare and
// no one ahead, the ticket comes back granted.
func (p *priorityLimiter) join(level priority.Level) *ticket {
	t := &ticket{level: level, ready: make(chan struct{})}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lines.join(t, p.clock.Now())
	p.serveLocked()
	return t
}

// await waits for t's grant or ctx's end, whichever comes first.
func (p *priorityLimiter) await(ctx context.Context, t *ticket) error {
	select {
	case <-t.ready:
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		defer p.mu.Unlock()
		p.lines.leave(t, p.clock.Now())
		p.serveLocked() // a token given back, or a line shorter by one
		return ctx.Err()
	}
}

// serveLocked grants what the bucket holds and, while tickets still wait, makes
// sure a wake-up comes when the next token does.
func (p *priorityLimiter) serveLocked() {
	now := p.clock.Now()
	granted, next := p.lines.serve(now)
	for _, t := range granted {
		close(t.ready)
	}
	if next <= 0 {
		p.cancelWakeLocked()
		return
	}
	at := now.Add(next)
	if p.stopWake != nil && !p.wakeAt.After(at) {
		return // an earlier (or the same) wake-up is coming; it serves again then
	}
	p.cancelWakeLocked()
	p.wakes++
	n := p.wakes
	p.wakeAt = at
	p.stopWake = p.clock.AfterFunc(next, func() { p.wake(n) })
}

func (p *priorityLimiter) wake(n uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n == p.wakes {
		p.stopWake = nil // this wake-up is the pending one, and it has come
	}
	p.serveLocked()
}

func (p *priorityLimiter) cancelWakeLocked() {
	if p.stopWake != nil {
		p.stopWake()
		p.stopWake = nil
	}
}

// Accept blocks until an ordinary request may be sent.
func (p *priorityLimiter) Accept() {
	_ = p.Wait(context.Background())
}

// TryAccept takes a token if one is free and nobody waits for it.
func (p *priorityLimiter) TryAccept() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lines.take(p.clock.Now())
}

// QPS is the sustained rate.
func (p *priorityLimiter) QPS() float32 { return p.qps }

// Stop cancels the pending wake-up. Requests still waiting then wait for the
// next Wait or cancellation to serve them; client-go never stops a client's
// limiter while the client is in use.
func (p *priorityLimiter) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cancelWakeLocked()
}
