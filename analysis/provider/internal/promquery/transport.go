package promquery

import (
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/sluice-dev/sluice/analysis/provider/internal/httpshare"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// forRequest wraps the right shared transport with the metric's headers and
// basic auth. The wrapper is cheap and per measurement; the transport is not.
func forRequest(t *httpshare.Transports, server Server) *requestDecorator {
	d := &requestDecorator{next: t.Get(server.Insecure), headers: server.Headers}
	if server.Authentication != nil {
		d.basicAuth = server.Authentication.BasicAuth
	}
	return d
}

// requestDecorator adds headers and basic auth to every request, and remembers
// the status of the last response so errors can name it (client_golang's
// errors do not always carry it).
type requestDecorator struct {
	next      http.RoundTripper
	headers   []v1alpha1.WebMetricHeader
	basicAuth *v1alpha1.BasicAuth
	status    atomic.Int32
}

// RoundTrip implements http.RoundTripper. It works on a clone because a
// RoundTripper must not modify the caller's request.
func (d *requestDecorator) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for _, h := range d.headers {
		// net/http sends req.Host, not a "Host" header field.
		if strings.EqualFold(h.Key, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Set(h.Key, h.Value)
	}
	if d.basicAuth != nil {
		req.SetBasicAuth(d.basicAuth.Username, d.basicAuth.Password)
	}
	resp, err := d.next.RoundTrip(req)
	if resp != nil {
		d.status.Store(int32(resp.StatusCode))
	}
	return resp, err
}

// lastStatus is the HTTP status of the last response, or 0 if none came.
func (d *requestDecorator) lastStatus() int {
	return int(d.status.Load())
}
