package web

import (
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// headerValues lists the values of a metric that may come from Secrets: its
// header values (e.g. an Authorization token).
func headerValues(spec *v1alpha1.WebMetric) []string {
	values := make([]string, 0, len(spec.Headers))
	for _, h := range spec.Headers {
		values = append(values, h.Value)
	}
	return values
}
