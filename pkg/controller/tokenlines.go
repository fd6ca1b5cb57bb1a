package controller

import (
	"math"
	"slices"
	"time"

	"github.com/sluice-dev/sluice/internal/priority"
)

// tokenLines is the decision part of priorityLimiter, free of clocks, locks and
// goroutines: a token bucket (rate per second, up to burst saved up) and one
// first-come-first-served line of waiting requests per priority level. The
// time is always an argument, so tests decide what happens when.
//
// A higher level goes first, with one exception: a ticket that has waited
// agedAfter goes before those that came after it, whatever their level. Strict
// priority would starve ordinary requests for as long as a wave keeps the
// bucket busy with user-visible writes, and an ordinary request can be what a
// worker needs before its own user-visible write (an AnalysisRun to create).
type tokenLines struct {
	rate, burst float64
	agedAfter   time.Duration
	// tokens were available at the time at.
	tokens float64
	at     time.Time
	lines  [priority.Levels][]*ticket
}

// ticket is one request's place in a line.
type ticket struct {
	level   priority.Level
	since   time.Time // when it joined its line
	granted bool
	// ready is closed when the ticket is granted (priorityLimiter's business;
	// tokenLines never touches it).
	ready chan struct{}
}

// tokenSlack absorbs floating-point error: a bucket refilled for exactly the
// time one token takes must hold that token.
const tokenSlack = 1e-9

// newTokenLines starts with a full bucket, as client-go's limiter does: a
// controller that has been quiet may send a burst at once.
func newTokenLines(qps float64, burst int, agedAfter time.Duration, now time.Time) *tokenLines {
	b := float64(max(burst, 1))
	return &tokenLines{rate: qps, burst: b, agedAfter: agedAfter, tokens: b, at: now}
}

// refill adds the tokens earned since the last look.
func (l *tokenLines) refill(now time.Time) {
	if now.After(l.at) {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.at).Seconds()*l.rate)
		l.at = now
	}
}

// join puts t at the end of its level's line at now.
func (l *tokenLines) join(t *ticket, now time.Time) {
	t.since = now
	l.lines[t.level] = append(l.lines[t.level], t)
}

// serve grants the tokens available at now to waiting tickets (see
// tokenLines for the order). It returns the tickets it granted and, when some
// still wait, how long until the next token (0 when none waits).
func (l *tokenLines) serve(now time.Time) (granted []*ticket, next time.Duration) {
	l.refill(now)
	for l.tokens >= 1-tokenSlack {
		level, ok := l.nextLine(now)
		if !ok {
			break
		}
		t := l.lines[level][0]
		l.lines[level] = l.lines[level][1:]
		l.tokens--
		t.granted = true
		granted = append(granted, t)
	}
	if l.waiting() == 0 {
		return granted, 0
	}
	return granted, l.untilToken()
}

// nextLine is the line whose first ticket goes next: of the first tickets that
// have waited agedAfter, the one that came first; else the highest level's.
func (l *tokenLines) nextLine(now time.Time) (priority.Level, bool) {
	aged, found := priority.Level(0), false
	for level, line := range l.lines {
		if len(line) == 0 || now.Sub(line[0].since) < l.agedAfter {
			continue
		}
		if !found || line[0].since.Before(l.lines[aged][0].since) {
			aged, found = priority.Level(level), true
		}
	}
	if found {
		return aged, true
	}
	for level := len(l.lines) - 1; level >= 0; level-- {
		if len(l.lines[level]) > 0 {
			return priority.Level(level), true
		}
	}
	return 0, false
}

// untilToken is how long until the bucket holds one whole token, rounded up
// so a wake-up then finds it.
func (l *tokenLines) untilToken() time.Duration {
	missing := 1 - l.tokens
	if missing <= 0 {
		return time.Nanosecond
	}
	return max(time.Duration(math.Ceil(missing/l.rate*float64(time.Second))), time.Nanosecond)
}

// take grants one token at once if nobody waits for one: the non-blocking
// TryAccept. Waiting tickets are never overtaken.
func (l *tokenLines) take(now time.Time) bool {
	l.refill(now)
	if l.waiting() > 0 || l.tokens < 1-tokenSlack {
		return false
	}
	l.tokens--
	return true
}

// leave takes t out of its line (its request was cancelled). A ticket granted
// already gives its token back: the request it was for is not sent, so the
// budget is not spent. Serve again afterwards so the token goes on.
func (l *tokenLines) leave(t *ticket, now time.Time) {
	if t.granted {
		l.refill(now)
		l.tokens = min(l.burst, l.tokens+1)
		t.granted = false
		return
	}
	l.lines[t.level] = slices.DeleteFunc(l.lines[t.level], func(w *ticket) bool { return w == t })
}

// waiting counts the tickets in all lines.
func (l *tokenLines) waiting() int {
	n := 0
	for _, line := range l.lines {
		n += len(line)
	}
	return n
}
