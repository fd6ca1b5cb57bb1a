package metricmatch

import (
	"fmt"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// DryRun returns the metrics that are dry-run: those any rule names. A rule
// that names no metric is an error, so a typo cannot leave a metric its author
// meant as dry-run deciding the run, or the other way round, unnoticed.
func DryRun(rules []v1alpha1.DryRun, metrics []string) (map[string]bool, error) {
	dry := map[string]bool{}
	for i, r := range rules {
		matched, err := Compile(r.MetricName).Match(fmt.Sprintf("dryRun[%d]", i), metrics)
		if err != nil {
			return nil, err
		}
		for _, m := range matched {
			dry[m] = true
		}
	}
	return dry, nil
}

// Retention returns how many measurements to keep for each metric. A rule
// that is the metric's own name wins; otherwise the first rule (in list order)
// whose expression matches it; otherwise def. So `{metricName: "*", limit: 50}`
// with `{metricName: error-rate, limit: 5}` keeps 5 for error-rate in either
// order. A rule that names no metric is an error, as for DryRun.
func Retention(rules []v1alpha1.MeasurementRetention, metrics []string, def int32) (map[string]int32, error) {
	limits := make(map[string]int32, len(metrics))
	exact := map[string]bool{}
	for i, r := range rules {
		p := Compile(r.MetricName)
		matched, err := p.Match(fmt.Sprintf("measurementRetention[%d]", i), metrics)
		if err != nil {
			return nil, err
		}
		if r.Limit <= 0 {
			continue // the API requires 1 or more; nothing to apply
		}
		for _, m := range matched {
			switch {
			case p.Exact(m) && !exact[m]:
				limits[m], exact[m] = r.Limit, true
			case exact[m]:
			case limits[m] == 0:
				limits[m] = r.Limit
			}
		}
	}
	for _, m := range metrics {
		if limits[m] == 0 {
			limits[m] = def
		}
	}
	return limits, nil
}
