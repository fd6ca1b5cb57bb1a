// Package httpshare holds what the HTTP-based providers (prometheus, web) share:
// pooled transports and the masking of secret values in error messages.
package httpshare

import (
	"crypto/tls"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Transports are the two HTTP transports all measurements of a provider share,
// one that verifies TLS certificates and one that does not (`insecure: true`).
// Sharing them keeps connections alive between measurements instead of opening
// (and leaking) a pool per call.
type Transports struct {
	secure, insecure http.RoundTripper
}

// NewTransports clones http.DefaultTransport's settings.
func NewTransports() *Transports {
	secure := http.DefaultTransport.(*http.Transport).Clone()
	insecure := secure.Clone()
	insecure.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for it
	return &Transports{secure: secure, insecure: insecure}
}

// Get returns the shared transport for a metric.
func (t *Transports) Get(insecure bool) http.RoundTripper {
	if insecure {
		return t.insecure
	}
	return t.secure
}

// Mask replaces a secret in a message, as secrets are shown elsewhere (SPEC §3.1).
const Mask = "*****"

// minSecretLength is the shortest value that is masked. Shorter header values
// ("1", "on") are not credentials, and masking them would mangle messages
// (a header value "40" would turn "HTTP 401" into "HTTP *****1").
const minSecretLength = 4

// Redact masks every secret in msg. Longer secrets go first so that a secret
// containing another is masked whole, not left with a visible remainder.
func Redact(msg string, secrets []string) string {
	secrets = slices.Clone(secrets)
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, secret := range secrets {
		if len(secret) >= minSecretLength {
			msg = strings.ReplaceAll(msg, secret, Mask)
		}
	}
	return msg
}

// RedactError masks every secret in err's message. The result no longer wraps
// err: callers only show the message.
func RedactError(err error, secrets []string) error {
	msg := err.Error()
	if redacted := Redact(msg, secrets); redacted != msg {
		return errors.New(redacted)
	}
	return err
}
