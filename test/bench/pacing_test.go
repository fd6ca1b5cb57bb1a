package main

import (
	"context"
	"testing"
	"time"
)

func TestPacingSpreadsRequestsEvenlyFromTheFirst(t *testing.T) {
	p := pacing{perSecond: 20}
	for i, want := range []time.Duration{0, 50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond} {
		if got := p.dueAfter(i); got != want {
			t.Errorf("request %d at 20/s: due after %s, want %s", i, got, want)
		}
	}
	// 3000 at 30/s: the last one is due 2999/30 s after the first, not 3000/30.
	if got, want := (pacing{perSecond: 30}).span(3000), time.Duration(2999)*time.Second/30; got != want {
		t.Errorf("span of 3000 at 30/s = %s, want %s", got, want)
	}
	// A rate below one per second stretches as far as it says.
	if got := (pacing{perSecond: 0.5}).dueAfter(3); got != 6*time.Second {
		t.Errorf("request 3 at 0.5/s: due after %s, want 6s", got)
	}
}

func TestPacingAtRateZeroSendsEverythingAtOnce(t *testing.T) {
	p := pacing{}
	for _, i := range []int{0, 1, 999, 10000} {
		if got := p.dueAfter(i); got != 0 {
			t.Errorf("rate 0: request %d due after %s, want 0", i, got)
		}
	}
	if got := p.span(10000); got != 0 {
		t.Errorf("rate 0: span %s, want 0", got)
	}
	if got := (pacing{perSecond: 50}).span(1); got != 0 {
		t.Errorf("one request: span %s, want 0", got)
	}
}

func TestPacingScheduleNeverGoesBackwards(t *testing.T) {
	for _, rate := range []float64{0.3, 1, 7, 33.3, 1000} {
		p := pacing{perSecond: rate}
		prev := time.Duration(-1)
		for i := range 20000 {
			d := p.dueAfter(i)
			if d < prev {
				t.Fatalf("rate %g: request %d due at %s before request %d at %s", rate, i, d, i-1, prev)
			}
			prev = d
		}
	}
}

// A request whose time has come goes at once; one still ahead is cut short
// by the context, and waitTurn then says not to send it.
func TestWaitTurnGoesWhenDueAndStopsWithTheContext(t *testing.T) {
	p := pacing{perSecond: 1}
	past := time.Now().Add(-time.Hour)
	if !p.waitTurn(context.Background(), past, 5) {
		t.Error("a request due an hour ago was held back")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if p.waitTurn(ctx, time.Now(), 3600) {
		t.Error("a request due in an hour went although the context had ended")
	}
	if p.waitTurn(ctx, past, 0) {
		t.Error("a due request went although the context had ended")
	}
}

func TestRateTextSaysHowRequestsWereSent(t *testing.T) {
	if got, want := rateText(0, 3000, "images changed"), "images changed all at once"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := rateText(20, 61, "images changed"), "images changed at 20 per second (61 over 3.0 s)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
