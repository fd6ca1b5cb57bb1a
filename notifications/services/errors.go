package services

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Error is a failed attempt. Retryable says whether the same message may
// succeed later (the receiver was unreachable, overloaded or rate limiting);
// a permanent error (a rejected token, an unknown channel, a 4xx) will fail
// the same way until someone changes the configuration.
type Error struct {
	Retryable bool
	// RetryAfter is how long the receiver asked us to wait (a Retry-After
	// header), 0 when it did not say.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string { return e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// IsRetryable reports whether err is worth another attempt. Errors that are
// not an *Error (none should reach a caller) count as retryable, so a
// surprise never drops a notification.
func IsRetryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Retryable
	}
	return err != nil
}

func permanent(format string, args ...any) *Error {
	return &Error{Err: fmt.Errorf(format, args...)}
}

func retryable(after time.Duration, format string, args ...any) *Error {
	return &Error{Retryable: true, RetryAfter: after, Err: fmt.Errorf(format, args...)}
}

// retryableStatus reports whether an HTTP status means "try again later":
// 408 and 429 ask for it, and a 5xx is the receiver's own trouble. Any other
// 4xx rejects the request itself, and sending it again would be rejected too.
func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date
// (RFC 9110 §10.2.3). A date in the past, or a value that is neither, is 0:
// the caller's own backoff applies.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if seconds, err := strconv.ParseInt(value, 10, 64); err == nil {
		if seconds <= 0 {
			return 0
		}
		const maxSeconds = int64(24 * time.Hour / time.Second) // no overflow, and no sane server asks for more
		return time.Duration(min(seconds, maxSeconds)) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

// statusError describes a non-2xx answer. target names the request without
// secrets ("POST https://hooks.example.com"); excerpt is the start of the
// body, which often says why ("invalid signature", "channel_not_found").
func statusError(target string, res *httpResult, now time.Time) *Error {
	msg := fmt.Sprintf("%s: %s", target, res.status)
	if excerpt := res.excerpt(); excerpt != "" {
		msg += ": " + excerpt
	}
	if retryableStatus(res.code) {
		return retryable(parseRetryAfter(res.header.Get("Retry-After"), now), "%s", msg)
	}
	if res.code >= 300 && res.code < 400 {
		msg += " (redirects are not followed: configure the final URL)"
	}
	return permanent("%s", msg)
}

// requestError describes a request that got no answer. Every such failure is
// retryable: the receiver may be restarting, the network may heal, and a
// certificate may be fixed while the controller keeps trying. The *url.Error
// net/http returns is unwrapped because its text repeats the full URL.
func requestError(ctx context.Context, target string, timeout time.Duration, err error) *Error {
	switch {
	case ctx.Err() != nil:
		return retryable(0, "%s: request interrupted: %v", target, ctx.Err())
	case errors.Is(err, context.DeadlineExceeded):
		return retryable(0, "%s: no answer within %s", target, timeout)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	return retryable(0, "%s: %v", target, err)
}
