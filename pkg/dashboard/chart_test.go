package dashboard

import (
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The package's golden files are rewritten with `go test ./pkg/dashboard -update`.
var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// chartStart is when the measurements of the test charts begin.
var chartStart = time.Date(2025, 3, 14, 9, 26, 0, 0, time.UTC)

// measuredAt is a measurement finished at chartStart plus offset.
func measuredAt(offset time.Duration, phase v1alpha1.AnalysisPhase, value, message string) v1alpha1.Measurement {
	at := metav1.NewTime(chartStart.Add(offset))
	return v1alpha1.Measurement{Phase: phase, Value: value, Message: message, StartedAt: &at, FinishedAt: &at}
}

const (
	mSuccessful   = v1alpha1.AnalysisPhaseSuccessful
	mFailed       = v1alpha1.AnalysisPhaseFailed
	mInconclusive = v1alpha1.AnalysisPhaseInconclusive
	mErrored      = v1alpha1.AnalysisPhaseError
)

// chartCases are the charts kept as golden files: each shows one thing a user
// must be able to read from the analysis page.
var chartCases = []struct {
	name   string
	spec   *v1alpha1.Metric
	result v1alpha1.MetricResult
}{{
	name: "error-rate", // a Prometheus scalar every 30 s against "result < 0.05", one Error in between
	spec: &v1alpha1.Metric{Name: "error-rate", SuccessCondition: "result < 0.05"},
	result: v1alpha1.MetricResult{Name: "error-rate", Phase: mFailed, Measurements: []v1alpha1.Measurement{
		measuredAt(0, mSuccessful, "0.012", ""),
		measuredAt(30*time.Second, mSuccessful, "0.031", ""),
		measuredAt(60*time.Second, mErrored, "", "Prometheus at http://127.0.0.1:19090: connection refused"),
		measuredAt(100*time.Second, mFailed, "0.087", ""),
		measuredAt(130*time.Second, mFailed, "0.12", ""),
	}},
}, {
	name: "success-rate-vector", // a vector judged on its first element, both conditions drawn
	spec: &v1alpha1.Metric{Name: "success-rate", SuccessCondition: "result[0] >= 0.99", FailureCondition: "result[0] < 0.95"},
	result: v1alpha1.MetricResult{Name: "success-rate", Phase: v1alpha1.AnalysisPhaseRunning, Measurements: []v1alpha1.Measurement{
		measuredAt(0, mSuccessful, "[0.995,0.991]", ""),
		measuredAt(time.Minute, mInconclusive, "[0.97,0.99]", ""),
		measuredAt(2*time.Minute, mSuccessful, "[0.999]", ""),
	}},
}, {
	name: "latency-web", // a web JSON number against two plain thresholds, over more than a day
	spec: &v1alpha1.Metric{Name: "p99-latency-ms", SuccessCondition: "result <= 500", FailureCondition: "800 < result"},
	result: v1alpha1.MetricResult{Name: "p99-latency-ms", Phase: mSuccessful, Measurements: []v1alpha1.Measurement{
		measuredAt(0, mSuccessful, "230", ""),
		measuredAt(20*time.Hour, mInconclusive, "640", ""),
		measuredAt(30*time.Hour, mSuccessful, "410", ""),
	}},
}, {
	name: "not-numbers", // values that are not numbers sit on the axis; a complex condition draws no line
	spec: &v1alpha1.Metric{Name: "smoke", SuccessCondition: "asFloat(result) < 0.05 && result != nil"},
	result: v1alpha1.MetricResult{Name: "smoke", Phase: mErrored, Measurements: []v1alpha1.Measurement{
		measuredAt(0, mSuccessful, `"ok"`, ""),
		measuredAt(10*time.Second, mErrored, "[]", "query returned no data"),
		measuredAt(20*time.Second, mFailed, "NaN", ""),
		measuredAt(30*time.Second, mSuccessful, "true", ""),
		measuredAt(40*time.Second, v1alpha1.AnalysisPhaseRunning, "", "job smoke-1 running"),
	}},
}, {
	name:   "no-measurements",
	spec:   &v1alpha1.Metric{Name: "error-rate", FailureCondition: "result > 0.1"},
	result: v1alpha1.MetricResult{Name: "error-rate", Phase: v1alpha1.AnalysisPhasePending},
}, {
	name: "escaping", // names, values and messages are the cluster's text: nothing in them may become markup
	spec: &v1alpha1.Metric{Name: `<script>alert("x")</script>`, SuccessCondition: `result < 1`},
	result: v1alpha1.MetricResult{Name: `<script>alert("x")</script>`, Phase: mFailed, Measurements: []v1alpha1.Measurement{
		{Phase: mFailed, Value: "2", Message: "</title><script>alert('x')</script>&amp;\x00\x1b[31m\xff"},
		{Phase: mSuccessful, Value: "0.5"},
	}},
}}

func TestChartGolden(t *testing.T) {
	for _, tc := range chartCases {
		t.Run(tc.name, func(t *testing.T) {
			got := renderMetricChart(tc.spec, tc.result)
			assertWellFormedXML(t, got)
			chartGolden(t, "chart-"+tc.name+".svg", got)
		})
	}
}

// The same measurements always draw the same bytes, whatever the order of
// map iteration or the time zone of the machine.
func TestChartIsDeterministic(t *testing.T) {
	for _, tc := range chartCases {
		first := renderMetricChart(tc.spec, tc.result)
		for range 5 {
			if again := renderMetricChart(tc.spec, tc.result); again != first {
				t.Fatalf("%s: two renders differ", tc.name)
			}
		}
	}
}

// Every measured number is one mark at its value, every value that is not a
// number one mark on the axis: nothing is dropped or doubled.
func TestChartHasOneMarkPerMeasuredNumber(t *testing.T) {
	for _, tc := range chartCases {
		svg := renderMetricChart(tc.spec, tc.result)
		var want, wantOnAxis int
		for _, m := range tc.result.Measurements {
			if n := len(measuredNumbers(m.Value)); n > 0 {
				want += n
			} else {
				wantOnAxis++
			}
		}
		marks := strings.Count(svg, `class="point `)
		onAxis := strings.Count(svg, ` no-value"`)
		if marks != want+wantOnAxis || onAxis != wantOnAxis {
			t.Errorf("%s: %d marks (%d on the axis), want %d (%d on the axis)", tc.name, marks, onAxis, want+wantOnAxis, wantOnAxis)
		}
	}
}

// Text from the cluster never becomes markup in the chart.
func TestChartEscapesClusterText(t *testing.T) {
	tc := chartCases[len(chartCases)-1]
	svg := renderMetricChart(tc.spec, tc.result)
	for _, raw := range []string{"<script", "</title><script", "\x00", "\x1b", "\xff"} {
		if strings.Contains(svg, raw) {
			t.Errorf("chart contains %q unescaped", raw)
		}
	}
}

// Values at the ends of float64 still give a chart with finite coordinates.
func TestChartOfExtremeValues(t *testing.T) {
	result := v1alpha1.MetricResult{Name: "huge", Measurements: []v1alpha1.Measurement{
		measuredAt(0, mSuccessful, "-1.7e308", ""),
		measuredAt(time.Second, mSuccessful, "1.7e308", ""),
		measuredAt(2*time.Second, mSuccessful, "5e-324", ""),
	}}
	svg := renderMetricChart(&v1alpha1.Metric{Name: "huge", SuccessCondition: "result < 1e308"}, result)
	assertWellFormedXML(t, svg)
	for _, bad := range []string{"NaN", "Inf"} {
		if strings.Contains(svg, bad) {
			t.Errorf("chart has a %s coordinate or label:\n%s", bad, svg)
		}
	}
}

// assertWellFormedXML fails unless svg parses as XML: a stand-alone .svg
// file must open in any viewer, not only inside forgiving HTML.
func assertWellFormedXML(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v\n%s", err, svg)
		}
	}
}

// chartGolden compares got with testdata/name, or rewrites it with -update.
func chartGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./pkg/dashboard -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("chart differs from %s (go test ./pkg/dashboard -update rewrites it)\n--- got\n%s--- want\n%s", path, got, want)
	}
}
