package judge

import (
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"

	judging "github.com/sluice-dev/sluice/analysis/judge"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// lookOf is which look this measurement is: one after the measurements the
// run has counted for the metric (Error ones are not counted, so a retry is
// the same look), out of the metric's count. Of is 0 when the metric measures
// until the run ends, 1 when it measures once (no count, no interval).
func lookOf(run *v1alpha1.AnalysisRun, metric v1alpha1.Metric) judging.Look {
	look := judging.Look{Index: 1, Of: countOf(metric)}
	for _, r := range run.Status.MetricResults {
		if r.Name == metric.Name {
			look.Index = int(r.Count) + 1
		}
	}
	return look
}

// countOf reads the metric's count as the controller does: 0 or unset with an
// interval is open-ended, unset without an interval is one measurement.
func countOf(metric v1alpha1.Metric) int {
	n := 0
	if c := metric.Count; c != nil {
		if c.Type == intstr.Int {
			n = int(c.IntVal)
		} else if v, err := strconv.Atoi(strings.TrimSpace(c.StrVal)); err == nil {
			n = v
		}
	}
	switch {
	case n > 0:
		return n
	case metric.Interval == "":
		return 1
	}
	return 0
}
