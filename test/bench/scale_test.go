package main

import (
	"testing"
	"time"
)

// The fixed limits of small runs stay as they were; large runs get more.
func TestLimitsKeepTheirFloorAndGrowWithN(t *testing.T) {
	cases := []struct {
		name string
		got  time.Duration
		want time.Duration
	}{
		{"wait, N=100", waitLimit(100), 30 * time.Minute},
		{"wait, N=3000", waitLimit(3000), 30 * time.Minute},
		{"wait, N=10000", waitLimit(10000), 4000 * time.Second},
		{"namespace, 400 pods", namespaceDeleteLimit(400), 10 * time.Minute},
		{"namespace, 12000 pods (N=3000)", namespaceDeleteLimit(12000), 10 * time.Minute},
		{"namespace, 40000 pods (N=10000)", namespaceDeleteLimit(40000), 2000 * time.Second},
		{"teardown, 40000 pods", teardownLimit(40000), 2300 * time.Second},
		{"settle poll, N=50", settlePoll(50), 250 * time.Millisecond},
		{"settle poll, N=5000", settlePoll(5000), 500 * time.Millisecond},
		{"settle poll, N=100000", settlePoll(100000), time.Second},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %s, want %s", c.name, c.got, c.want)
		}
	}
}

// However often /metrics is scraped, Events count as drained after 2 s
// without a new write.
func TestDrainPollKeepsTwoSecondsOfQuiet(t *testing.T) {
	for _, c := range []struct {
		n      int
		every  time.Duration
		scrape int
	}{{50, 500 * time.Millisecond, 4}, {5000, time.Second, 2}, {10000, 2 * time.Second, 1}, {1000000, 2 * time.Second, 1}} {
		every, quiet := drainPoll(c.n)
		if every != c.every || quiet != c.scrape {
			t.Errorf("N=%d: every %s × %d quiet scrapes, want %s × %d", c.n, every, quiet, c.every, c.scrape)
		}
		if time.Duration(quiet)*every < 2*time.Second {
			t.Errorf("N=%d: only %s of quiet", c.n, time.Duration(quiet)*every)
		}
	}
}
