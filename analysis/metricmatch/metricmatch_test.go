package metricmatch

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

var metrics = []string{"error-rate", "error-budget", "latency-p99", "p99(latency)", "http-error"}

func TestPatternMatchesWholeNames(t *testing.T) {
	tests := []struct {
		rule string
		want []string
	}{
		{"*", metrics},
		{".*", metrics},
		{"error-rate", []string{"error-rate"}},
		{"error-.*", []string{"error-rate", "error-budget"}},
		{".*error.*", []string{"error-rate", "error-budget", "http-error"}},
		{"latency-p99|http-error", []string{"latency-p99", "http-error"}},
		// Not a valid expression, but the name of a metric: it names that metric.
		{"p99(latency)", []string{"p99(latency)"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			got, err := Compile(tt.rule).Match("dryRun[0]", metrics)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("rule %q names (-want +got):\n%s", tt.rule, diff)
			}
		})
	}
}

func TestPatternThatNamesNothingIsAnError(t *testing.T) {
	tests := []struct {
		rule string
		want []string // in the error message
	}{
		// Argo Rollouts would match these anywhere in the name; sluice matches the whole name.
		{"error", []string{`dryRun[2]: metricName "error" matches no metric`, "error-rate, error-budget"}},
		{"rate", []string{`matches no metric`}},
		{"error(", []string{`dryRun[2]: metricName "error(" is not a valid regular expression`, "missing closing )"}},
		{"", []string{"matches no metric"}},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			_, err := Compile(tt.rule).Match("dryRun[2]", metrics)
			if err == nil {
				t.Fatalf("rule %q: no error", tt.rule)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestDryRun(t *testing.T) {
	got, err := DryRun([]v1alpha1.DryRun{{MetricName: "error-.*"}, {MetricName: "latency-p99"}}, metrics)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"error-rate": true, "error-budget": true, "latency-p99": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dry-run metrics (-want +got):\n%s", diff)
	}
	if _, err := DryRun([]v1alpha1.DryRun{{MetricName: ".*"}, {MetricName: "typo"}}, metrics); err == nil || !strings.HasPrefix(err.Error(), "dryRun[1]: ") {
		t.Errorf("a rule naming no metric: error %v, want one naming dryRun[1]", err)
	}
}

func TestRetention(t *testing.T) {
	tests := []struct {
		name  string
		rules []v1alpha1.MeasurementRetention
		want  map[string]int32
	}{
		{"none: the default", nil,
			map[string]int32{"error-rate": 10, "error-budget": 10, "latency-p99": 10, "p99(latency)": 10, "http-error": 10}},
		{"an exact name beats a pattern listed first",
			[]v1alpha1.MeasurementRetention{{MetricName: ".*", Limit: 50}, {MetricName: "error-rate", Limit: 5}},
			map[string]int32{"error-rate": 5, "error-budget": 50, "latency-p99": 50, "p99(latency)": 50, "http-error": 50}},
		{"an exact name beats a pattern listed after it",
			[]v1alpha1.MeasurementRetention{{MetricName: "error-rate", Limit: 5}, {MetricName: "*", Limit: 50}},
			map[string]int32{"error-rate": 5, "error-budget": 50, "latency-p99": 50, "p99(latency)": 50, "http-error": 50}},
		{"among patterns the first wins",
			[]v1alpha1.MeasurementRetention{{MetricName: "error-.*", Limit: 3}, {MetricName: ".*", Limit: 20}},
			map[string]int32{"error-rate": 3, "error-budget": 3, "latency-p99": 20, "p99(latency)": 20, "http-error": 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Retention(tt.rules, metrics, 10)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("limits (-want +got):\n%s", diff)
			}
		})
	}
	_, err := Retention([]v1alpha1.MeasurementRetention{{MetricName: "[", Limit: 1}}, metrics, 10)
	if err == nil || !strings.HasPrefix(err.Error(), "measurementRetention[0]: ") {
		t.Errorf("a rule that does not compile: error %v, want one naming measurementRetention[0]", err)
	}
}
