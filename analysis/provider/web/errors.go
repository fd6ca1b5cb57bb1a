package web

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// describeRequestError explains a request that got no response. target names
// the method and URL (without query or user info); the *url.Error net/http
// returns is unwrapped because its text repeats the full URL.
//
// ctx is the measurement's context: if it ended first, the call was
// interrupted by the caller rather than timing out on its own.
func describeRequestError(ctx context.Context, target string, timeout time.Duration, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: request interrupted: %v", target, ctx.Err())
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: request timed out after %s", target, timeout)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	return fmt.Errorf("%s: request failed: %v", target, err)
}

// describeReadError explains a response that could not be read or decoded.
// A timeout can strike while the body is still arriving.
func describeReadError(ctx, callCtx context.Context, target string, timeout time.Duration, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: request interrupted: %v", target, ctx.Err())
	case callCtx.Err() != nil:
		return fmt.Errorf("%s: request timed out after %s", target, timeout)
	}
	return fmt.Errorf("%s: %w", target, err)
}
