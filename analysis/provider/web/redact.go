package web

import (
	"errors"
	"slices"
	"strings"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// mask replaces a secret in a message, as secrets are shown elsewhere (SPEC §3.1).
const mask = "*****"

// minSecretLength is the shortest value that is masked. Shorter header values
// ("1", "on") are not credentials, and masking them would mangle messages
// (a header value "40" would turn "HTTP 401" into "HTTP *****1").
const minSecretLength = 4

// headerValues lists the values of a metric that may come from Secrets: its
// header values (e.g. an Authorization token).
func headerValues(spec *v1alpha1.WebMetric) []string {
	values := make([]string, 0, len(spec.Headers))
	for _, h := range spec.Headers {
		values = append(values, h.Value)
	}
	return values
}

// redact masks every secret in msg. Longer secrets go first so that a secret
// containing another is masked whole, not left with a visible remainder.
func redact(msg string, secrets []string) string {
	secrets = slices.Clone(secrets)
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, secret := range secrets {
		if len(secret) >= minSecretLength {
			msg = strings.ReplaceAll(msg, secret, mask)
		}
	}
	return msg
}

// redactError masks every secret in err's message. The result no longer wraps
// err: callers only show the message.
func redactError(err error, secrets []string) error {
	msg := err.Error()
	if redacted := redact(msg, secrets); redacted != msg {
		return errors.New(redacted)
	}
	return err
}
