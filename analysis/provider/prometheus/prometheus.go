// Package prometheus measures a metric with an instant PromQL query
// (SPEC §3.4). The result becomes the value the metric's conditions see:
// a scalar is a float64, a vector or matrix a []float64, an empty vector nil.
package prometheus

import (
	"context"
	"fmt"
	"strings"

	"k8s.io/utils/clock"

	"github.com/sluice-dev/sluice/analysis/provider"
	"github.com/sluice-dev/sluice/analysis/provider/internal/httpshare"
	"github.com/sluice-dev/sluice/analysis/provider/internal/promquery"
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
	server := promquery.FromPrometheus(spec)
	if err := p.query(ctx, spec.Query, server, &outcome); err != nil {
		return outcome, promquery.RedactError(err, server)
	}
	outcome.TypeFixed = true
	return outcome, nil
}

// query runs the instant query and fills outcome's value, text and warnings.
func (p *Provider) query(ctx context.Context, query string, server promquery.Server, outcome *provider.Outcome) error {
	client, err := promquery.Connect(p.transports, p.defaultAddress, server)
	if err != nil {
		return err
	}
	value, warnings, err := client.Query(ctx, query, p.clock.Now())
	if err != nil {
		return err
	}
	if outcome.Value, outcome.Text, err = convert(value); err != nil {
		return fmt.Errorf("Prometheus at %s: %w", client.Address(), err)
	}
	if len(warnings) > 0 {
		outcome.Metadata = map[string]string{"warnings": promquery.Redact(strings.Join(warnings, "; "), server)}
	}
	return nil
}
