// Package prometheus measures a metric with an instant PromQL query
// (SPEC §3.4). The result becomes the value the metric's conditions see:
// a scalar is a float64, a vector or matrix a []float64, an empty vector nil.
package prometheus

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"k8s.io/utils/clock"

	"github.com/sluice-dev/sluice/analysis/provider"
	"github.com/sluice-dev/sluice/analysis/provider/internal/httpshare"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Provider queries Prometheus servers. It is safe for concurrent use; it holds
// only immutable configuration and the shared HTTP transports.
type Provider struct {
	defaultAddress string
	transports     *httpshare.Transports
	clock          clock.PassiveClock
}

var _ provider.Provider = (*Provider)(nil)

// New returns a provider that queries defaultAddress (the controller's
// --prometheus-address) for metrics that do not set their own address.
func New(defaultAddress string) *Provider {
	return &Provider{
		defaultAddress: defaultAddress,
		transports:     httpshare.NewTransports(),
		clock:          clock.RealClock{},
	}
}

// Type implements provider.Provider.
func (p *Provider) Type() string { return "prometheus" }

// Terminate implements provider.Provider. A query is never left Running, so
// there is nothing to stop.
func (p *Provider) Terminate(context.Context, *v1alpha1.AnalysisRun, v1alpha1.Metric, v1alpha1.Measurement) error {
	return nil
}

// Measure runs the metric's query at the current time. The returned Outcome
// carries MetricMetadata["resolvedQuery"] even with an error, so status shows
// which query failed.
func (p *Provider) Measure(ctx context.Context, _ *v1alpha1.AnalysisRun, metric v1alpha1.Metric, _ *v1alpha1.Measurement) (provider.Outcome, error) {
	spec := metric.Provider.Prometheus
	if spec == nil {
		return provider.Outcome{}, fmt.Errorf("metric %q has no prometheus provider", metric.Name)
	}
	outcome := provider.Outcome{MetricMetadata: map[string]string{"resolvedQuery": spec.Query}}
	if err := p.query(ctx, spec, &outcome); err != nil {
		// Last line of defence: a server may echo a header or credential back
		// in an error it returns.
		redacted := httpshare.RedactError(err, secretsOf(spec))
		if reason := provider.PermanentReason(err); reason != "" {
			redacted = provider.Permanent(redacted, reason)
		}
		return outcome, redacted
	}
	outcome.TypeFixed = true
	return outcome, nil
}

// query runs the instant query and fills outcome's value, text and warnings.
func (p *Provider) query(ctx context.Context, spec *v1alpha1.PrometheusMetric, outcome *provider.Outcome) error {
	address, err := p.address(spec)
	if err != nil {
		return err
	}
	timeout := queryTimeout(spec)
	rt := forRequest(p.transports, spec)
	client, err := api.NewClient(api.Config{Address: address.String(), RoundTripper: rt})
	if err != nil {
		return fmt.Errorf("Prometheus at %s: %v", address.Redacted(), err)
	}

	queryCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	value, warnings, err := promv1.NewAPI(client).Query(queryCtx, spec.Query, p.clock.Now(), promv1.WithTimeout(timeout))
	if err != nil {
		return describeQueryError(ctx, address, timeout, rt.lastStatus(), err)
	}
	if outcome.Value, outcome.Text, err = convert(value); err != nil {
		return fmt.Errorf("Prometheus at %s: %w", address.Redacted(), err)
	}
	if len(warnings) > 0 {
		outcome.Metadata = map[string]string{"warnings": httpshare.Redact(strings.Join(warnings, "; "), secretsOf(spec))}
	}
	return nil
}

// address picks the metric's address or the controller's default and checks
// it is an http(s) URL, so a typo gets a precise message instead of an obscure
// transport error.
func (p *Provider) address(spec *v1alpha1.PrometheusMetric) (*url.URL, error) {
	raw := spec.Address
	if raw == "" {
		raw = p.defaultAddress
	}
	if raw == "" {
		return nil, fmt.Errorf("no Prometheus address: set provider.prometheus.address or --prometheus-address")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Neither the raw address nor url.Parse's error (which quotes it) is
		// shown: the address may carry a password.
		return nil, fmt.Errorf("Prometheus address is not an http:// or https:// URL with a host")
	}
	return u, nil
}

// queryTimeout is the metric's timeout, or the default when unset.
func queryTimeout(spec *v1alpha1.PrometheusMetric) time.Duration {
	seconds := v1alpha1.DefaultPrometheusTimeoutSeconds
	if spec.Timeout != nil && *spec.Timeout > 0 {
		seconds = *spec.Timeout
	}
	return time.Duration(seconds) * time.Second
}
