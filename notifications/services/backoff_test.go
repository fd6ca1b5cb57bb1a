package services

import (
	"errors"
	"testing"
	"time"
)

func TestBackoffDoublesFromTwoSecondsToFiveMinutes(t *testing.T) {
	want := []time.Duration{2, 4, 8, 16, 32, 64, 128, 256, 300, 300}
	for i, w := range want {
		if got := Backoff(i + 1); got != w*time.Second {
			t.Errorf("Backoff(%d) = %s, want %s", i+1, got, w*time.Second)
		}
	}
	if got := Backoff(0); got != 2*time.Second {
		t.Errorf("Backoff(0) = %s, want 2s", got)
	}
	if got := Backoff(1 << 30); got != 5*time.Minute {
		t.Errorf("Backoff(huge) = %s, want the 5m cap", got)
	}
}

func TestBackoffForIsStablePerDeliveryAndSpreadsDeliveries(t *testing.T) {
	seen := map[time.Duration]bool{}
	for _, id := range []string{"a/rev-1/on-rollout-updated/slack/x", "b/rev-1/on-rollout-updated/slack/x", "c", "d", "e", "f"} {
		for attempt := 1; attempt <= 12; attempt++ {
			got := BackoffFor(id, attempt)
			if got != BackoffFor(id, attempt) {
				t.Fatalf("BackoffFor(%q, %d) differs between calls", id, attempt)
			}
			base := Backoff(attempt)
			if got > base || got < base*4/5 {
				t.Errorf("BackoffFor(%q, %d) = %s, want within [%s, %s]", id, attempt, got, base*4/5, base)
			}
			if attempt == 3 {
				seen[got] = true
			}
		}
	}
	if len(seen) < 3 {
		t.Errorf("six deliveries failing together wait %d distinct times; want them spread", len(seen))
	}
}

func TestRetryDelayHonoursALongerRetryAfter(t *testing.T) {
	asked := &Error{Retryable: true, RetryAfter: 45 * time.Second, Err: errors.New("429")}
	if got := RetryDelay(asked, "id", 1); got != 45*time.Second {
		t.Errorf("RetryDelay with Retry-After 45s at attempt 1 = %s, want 45s", got)
	}
	if got := RetryDelay(asked, "id", 9); got != BackoffFor("id", 9) {
		t.Errorf("a Retry-After shorter than the backoff should not shorten it: %s", got)
	}
	if got := RetryDelay(errors.New("plain"), "id", 2); got != BackoffFor("id", 2) {
		t.Errorf("RetryDelay(plain error) = %s", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"12":                            12 * time.Second,
		" 3 ":                           3 * time.Second,
		"0":                             0,
		"-5":                            0,
		"soon":                          0,
		"Thu, 03 Dec 2026 15:01:30 GMT": 90 * time.Second,
		"Thu, 03 Dec 2026 14:59:00 GMT": 0, // already past
		"99999999999999":                24 * time.Hour,
	}
	for value, want := range cases {
		if got := parseRetryAfter(value, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", value, got, want)
		}
	}
}
