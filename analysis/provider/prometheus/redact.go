package prometheus

import (
	"encoding/base64"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

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
