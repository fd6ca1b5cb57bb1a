package promquery

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/sluice-dev/sluice/analysis/provider"
	"github.com/sluice-dev/sluice/analysis/provider/internal/httpshare"
)

// Client runs one measurement's queries against one server. It is cheap (the
// transports are shared) and meant for one measurement: its queries run one
// after another, so the status of the last response belongs to the query that
// failed.
type Client struct {
	api     promv1.API
	address *url.URL
	timeout time.Duration
	rt      *requestDecorator
}

// Connect prepares a client for server, which falls back to defaultAddress
// (the controller's --prometheus-address) when it names none.
func Connect(t *httpshare.Transports, defaultAddress string, server Server) (*Client, error) {
	address, err := server.address(defaultAddress)
	if err != nil {
		return nil, err
	}
	rt := forRequest(t, server)
	c, err := api.NewClient(api.Config{Address: address.String(), RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("Prometheus at %s: %v", address.Redacted(), err)
	}
	return &Client{api: promv1.NewAPI(c), address: address, timeout: server.timeout(), rt: rt}, nil
}

// Address is the server's address with any password masked, for messages.
func (c *Client) Address() string { return c.address.Redacted() }

// Query runs an instant query at t. Its error says what failed and is
// permanent when Prometheus rejected the query itself (see invalidQuery).
func (c *Client) Query(ctx context.Context, query string, t time.Time) (model.Value, promv1.Warnings, error) {
	queryCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	value, warnings, err := c.api.Query(queryCtx, query, t, promv1.WithTimeout(c.timeout))
	if err != nil {
		return nil, nil, describeQueryError(ctx, c.address, c.timeout, c.rt.lastStatus(), err)
	}
	return value, warnings, nil
}

// QueryRange runs a range query; errors as for Query.
func (c *Client) QueryRange(ctx context.Context, query string, r promv1.Range) (model.Value, promv1.Warnings, error) {
	queryCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	value, warnings, err := c.api.QueryRange(queryCtx, query, r, promv1.WithTimeout(c.timeout))
	if err != nil {
		return nil, nil, describeQueryError(ctx, c.address, c.timeout, c.rt.lastStatus(), err)
	}
	return value, warnings, nil
}

// RedactError masks the server's secrets in err, the last line of defence
// against a server that echoes a header or credential back in its error. A
// permanent error stays permanent.
func RedactError(err error, server Server) error {
	redacted := httpshare.RedactError(err, server.Secrets())
	if reason := provider.PermanentReason(err); reason != "" && redacted != err {
		redacted = provider.Permanent(redacted, reason)
	}
	return redacted
}

// Redact masks the server's secrets in a message (e.g. warnings).
func Redact(msg string, server Server) string {
	return httpshare.Redact(msg, server.Secrets())
}
