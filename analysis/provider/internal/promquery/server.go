// Package promquery is how the Prometheus-backed providers (prometheus, judge)
// reach a Prometheus server: the address (a metric's own or the controller's
// --prometheus-address), the per-query timeout, headers and basic auth on the
// shared transports, error messages that name the server without secrets, and
// the masking of secret values in anything the server echoes back.
package promquery

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Server is how a metric reaches its Prometheus server. Both provider specs
// carry the same connection fields; this is their common shape.
type Server struct {
	// Field is the provider's field in the metric ("provider.prometheus"),
	// for messages that tell the user what to set.
	Field          string
	Address        string
	Timeout        *int64
	Insecure       bool
	Headers        []v1alpha1.WebMetricHeader
	Authentication *v1alpha1.PrometheusAuth
}

// FromPrometheus is the server of a prometheus metric.
func FromPrometheus(spec *v1alpha1.PrometheusMetric) Server {
	return Server{Field: "provider.prometheus", Address: spec.Address, Timeout: spec.Timeout,
		Insecure: spec.Insecure, Headers: spec.Headers, Authentication: spec.Authentication}
}

// FromJudge is the server of a judge metric.
func FromJudge(spec *v1alpha1.JudgeMetric) Server {
	return Server{Field: "provider.judge", Address: spec.Address, Timeout: spec.Timeout,
		Insecure: spec.Insecure, Headers: spec.Headers, Authentication: spec.Authentication}
}

// Secrets lists the values that may come from Secrets: every header value,
// the basic auth password, and the Authorization header value basic auth
// produces.
func (s Server) Secrets() []string {
	var secrets []string
	for _, h := range s.Headers {
		secrets = append(secrets, h.Value)
	}
	if s.Authentication != nil && s.Authentication.BasicAuth != nil {
		auth := s.Authentication.BasicAuth
		secrets = append(secrets, auth.Password,
			base64.StdEncoding.EncodeToString([]byte(auth.Username+":"+auth.Password)))
	}
	return secrets
}

// address picks the metric's address or the controller's default and checks
// it is an http(s) URL, so a typo gets a precise message instead of an obscure
// transport error.
func (s Server) address(defaultAddress string) (*url.URL, error) {
	raw := s.Address
	if raw == "" {
		raw = defaultAddress
	}
	if raw == "" {
		return nil, fmt.Errorf("no Prometheus address: set %s.address or --prometheus-address", s.Field)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Neither the raw address nor url.Parse's error (which quotes it) is
		// shown: the address may carry a password.
		return nil, fmt.Errorf("Prometheus address is not an http:// or https:// URL with a host")
	}
	return u, nil
}

// timeout is the metric's per-query timeout, or the default when unset.
func (s Server) timeout() time.Duration {
	seconds := v1alpha1.DefaultPrometheusTimeoutSeconds
	if s.Timeout != nil && *s.Timeout > 0 {
		seconds = *s.Timeout
	}
	return time.Duration(seconds) * time.Second
}
