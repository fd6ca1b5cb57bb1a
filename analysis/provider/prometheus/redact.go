package prometheus

import (
	"encoding/base64"
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

// secretsOf lists the values of a metric that may come from Secrets: every
// header value, the basic auth password, and the Authorization header value
// basic auth produces.
func secretsOf(spec *v1alpha1.PrometheusMetric) []string {
	var secrets []string
	for _, h := range spec.Headers {
		secrets = append(secrets, h.Value)
	}
	if spec.Authentication != nil && spec.Authentication.BasicAuth != nil {
		auth := spec.Authentication.BasicAuth
		secrets = append(secrets, auth.Password,
			base64.StdEncoding.EncodeToString([]byte(auth.Username+":"+auth.Password)))
	}
	return secrets
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
