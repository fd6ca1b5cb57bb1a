package framework

import (
	"time"
)

// pollInterval is how often waits re-check. Short, because every wait in these tests
// is for a controller reacting to a watch event.
const pollInterval = 100 * time.Millisecond

// Eventually polls check until it returns true, and fails the test after timeout
// with what it waited for and the last detail check reported. It is the only way
// these tests wait: never a sleep as an assertion.
func (f *Framework) Eventually(what string, timeout time.Duration, check func() (done bool, detail string)) {
	f.T.Helper()
	deadline := time.Now().Add(timeout)
	for {
		done, detail := check()
		if done {
			return
		}
		if time.Now().After(deadline) {
			f.T.Fatalf("timed out after %s waiting until %s; last: %s", timeout, what, detail)
		}
		select {
		case <-f.Ctx.Done():
			f.T.Fatalf("cancelled while waiting until %s", what)
		case <-time.After(pollInterval):
		}
	}
}

// Consistently checks that check holds on every poll for the whole duration: it is
// how a test asserts that something does NOT happen.
func (f *Framework) Consistently(what string, duration time.Duration, check func() (ok bool, detail string)) {
	f.T.Helper()
	deadline := time.Now().Add(duration)
	for time.Now().Before(deadline) {
		if ok, detail := check(); !ok {
			f.T.Fatalf("expected %s for %s, but: %s", what, duration, detail)
		}
		time.Sleep(pollInterval)
	}
}
