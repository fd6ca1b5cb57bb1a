package promquery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/sluice-dev/sluice/analysis/provider"
)

// describeQueryError turns a failed query into the measurement's message. It
// names the address (password redacted) and what failed, and never includes
// request headers, credentials or response bodies: those may come from
// Secrets, or echo them.
//
// ctx is the measurement's context: if it ended first, the query was
// interrupted by the caller rather than timing out on its own.
func describeQueryError(ctx context.Context, address *url.URL, timeout time.Duration, status int, err error) error {
	prefix := "Prometheus at " + address.Redacted()
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s: query interrupted: %v", prefix, ctx.Err())
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: query timed out after %s", prefix, timeout)
	}
	var apiErr *promv1.Error
	if errors.As(err, &apiErr) {
		described := fmt.Errorf("%s: %s", prefix, describeAPIError(apiErr, status))
		if invalidQuery(apiErr, status) {
			return provider.Permanent(described, "Prometheus rejects the query itself")
		}
		return described
	}
	// Transport errors come wrapped in *url.Error, whose text repeats the URL
	// (and, for a GET fallback, the query); the address is already named.
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("%s: request failed: %v", prefix, urlErr.Err)
	}
	// What is left are failures to read or decode the response, such as a
	// result type client_golang cannot decode.
	return fmt.Errorf("%s: query failed: %s", prefix, withoutBodyExcerpt(err.Error()))
}

// invalidQuery reports whether Prometheus rejected the query itself: HTTP 400
// with errorType bad_data, its answer to a query that does not parse or is
// not valid PromQL (sluice's own parameters, time and timeout, are always
// well formed). Asking again gets the same answer. Everything else, 422
// execution errors and 503 included, depends on the data or the server's
// state and may pass.
func invalidQuery(apiErr *promv1.Error, status int) bool {
	return apiErr.Type == promv1.ErrBadData && status == http.StatusBadRequest
}

// withoutBodyExcerpt drops the excerpt of the response body that
// client_golang's JSON decoder appends to its errors ("…, error found in #10
// byte of ...|<body>|..."): the body is not ours to show.
func withoutBodyExcerpt(msg string) string {
	before, _, _ := strings.Cut(msg, ", error found in #")
	return before
}

// describeAPIError explains an error client_golang reported: either one
// Prometheus itself sent (status "error" with an errorType such as bad_data),
// or an HTTP status without a Prometheus error body (ErrServer, ErrClient,
// ErrBadResponse). Detail (the raw body) is deliberately left out.
func describeAPIError(apiErr *promv1.Error, status int) string {
	httpStatus := "no HTTP response"
	if status != 0 {
		httpStatus = fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	}
	switch apiErr.Type {
	case promv1.ErrServer, promv1.ErrClient:
		return "query failed: " + httpStatus
	case promv1.ErrBadResponse:
		return fmt.Sprintf("unreadable response (%s): %s", httpStatus, withoutBodyExcerpt(apiErr.Msg))
	default:
		return fmt.Sprintf("query failed (%s, %s): %s", httpStatus, apiErr.Type, apiErr.Msg)
	}
}
