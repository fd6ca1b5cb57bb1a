package services

import (
	"errors"
	"hash/fnv"
	"strconv"
	"time"
)

const (
	firstBackoff = 2 * time.Second
	maxBackoff   = 5 * time.Minute
	// jitterShare is the most a delivery's wait is shortened, so deliveries
	// that failed together (a receiver down for everyone) do not all come
	// back in the same second.
	jitterShare = 0.2
)

// Backoff is the wait after the attempt-th failed attempt of a delivery
// (attempt 1 is the first failure): 2 s, doubling, at most 5 min. It is the
// schedule without jitter; BackoffFor spreads it per delivery.
func Backoff(attempt int) time.Duration {
	wait := firstBackoff
	for i := 1; i < attempt && wait < maxBackoff; i++ {
		wait *= 2
	}
	return min(wait, maxBackoff)
}

// BackoffFor is Backoff shortened by up to a fifth, by an amount fixed by the
// delivery's ID and the attempt: every process computes the same wait for
// the same delivery (so a restarted controller keeps the schedule it
// recorded), while different deliveries spread out.
func BackoffFor(id string, attempt int) time.Duration {
	wait := Backoff(attempt)
	h := fnv.New64a()
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write([]byte(strconv.Itoa(attempt)))
	fraction := float64(h.Sum64()%1000) / 1000 // [0, 1)
	return wait - time.Duration(fraction*jitterShare*float64(wait))
}

// RetryDelay is how long to wait before trying a delivery again after err,
// its attempt-th failure: its backoff, or longer if the receiver asked for
// longer with Retry-After.
func RetryDelay(err error, id string, attempt int) time.Duration {
	wait := BackoffFor(id, attempt)
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > wait {
		return e.RetryAfter
	}
	return wait
}
