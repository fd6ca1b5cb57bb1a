package web

import (
	"crypto/tls"
	"net/http"
)

// transports are the two HTTP transports all measurements share, one that
// verifies TLS certificates and one that does not (`insecure: true`). Sharing
// them keeps connections alive between measurements instead of opening (and
// leaking) a pool per call.
type transports struct {
	secure, insecure http.RoundTripper
}

func newTransports() *transports {
	secure := http.DefaultTransport.(*http.Transport).Clone()
	insecure := secure.Clone()
	insecure.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for it
	return &transports{secure: secure, insecure: insecure}
}

// get returns the shared transport for a metric.
func (t *transports) get(insecure bool) http.RoundTripper {
	if insecure {
		return t.insecure
	}
	return t.secure
}
