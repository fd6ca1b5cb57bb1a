package analysis

import (
	"context"
	"errors"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"

	"github.com/sluice-dev/sluice/analysis/provider"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Once is one metric measured by MeasureOnce.
type Once struct {
	Metric   string
	Provider string
	DryRun   bool
	// Skipped says why the metric was not measured; then Measurement is empty.
	Skipped string
	// Measurement is what the controller would record: phase (decided by the
	// metric's conditions, or by a provider that judges itself), value and
	// message, secrets masked.
	Measurement v1alpha1.Measurement
	// Metadata is what the provider keeps on the metric's result, such as
	// the query after argument substitution.
	Metadata map[string]string
}

// SecretGetter reads a Secret for an argument's secretKeyRef.
type SecretGetter func(ctx context.Context, namespace, name string) (*corev1.Secret, error)

// MeasureOnce takes one measurement of each of run's metrics now, by the
// controller's own steps — arguments resolved (Secrets read with getSecret),
// substituted, conditions compiled, the provider called, its outcome judged —
// and returns them in the run's order. It writes nothing: run need not exist,
// and a job metric, whose measurement creates a Job, is skipped.
// `kubectl sluice analyze` runs a template this way.
//
// An error means the run could not start (an argument without a value, a
// condition that does not compile, a bad dry-run rule); it names what to fix
// and holds no secret value.
func MeasureOnce(ctx context.Context, run *v1alpha1.AnalysisRun, providers map[string]provider.Provider, getSecret SecretGetter) ([]Once, error) {
	args, secrets, err := resolveArgs(ctx, run, secretGetter(getSecret))
	if err != nil {
		return nil, err
	}
	dryRun, _, err := metricRules(run)
	if err != nil {
		return nil, err
	}
	ms := newMeasurer(clock.RealClock{}, 1, func(*v1alpha1.AnalysisRun) {})
	out := make([]Once, 0, len(run.Spec.Metrics))
	for _, spec := range run.Spec.Metrics {
		once := Once{Metric: spec.Name, Provider: spec.Provider.Type(), DryRun: dryRun[spec.Name]}
		if once.Provider == "job" {
			once.Skipped = "a job metric measures by running a Job, which would write to the cluster"
			out = append(out, once)
			continue
		}
		m, err := prepareMetric(spec, args, providers)
		if err != nil {
			return nil, errors.New(redact(err.Error(), secrets))
		}
		f := ms.measure(ctx, run, m, secrets, nil)
		once.Measurement, once.Metadata = f.measurement, f.metricMetadata
		out = append(out, once)
	}
	return out, nil
}
