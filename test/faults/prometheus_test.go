//go:build faults

package faults

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// TestPrometheusDown: Prometheus stops while a canary's step analysis and a
// blue-green's pre-promotion analysis are measuring. Neither run is ever
// Successful: each ends Error once its consecutive errors pass the limit,
// says why, and its release is aborted back on stable; the releases without
// analysis end Healthy. Prometheus is shared by the whole cluster, so this
// test runs alone.
func TestPrometheusDown(t *testing.T) {
	s := newScenario(t)
	s.startController("a")
	long := releaseOptions{count: 60, errorLimit: 1} // still measuring when Prometheus goes
	s.deploy(allKinds, map[releaseKind]releaseOptions{analysisCanary: long, blueGreen: long})
	analysed := s.releasesOf(analysisCanary, blueGreen)
	for _, r := range analysed {
		r.want = aborted
	}
	s.run(func() {
		for _, r := range analysed {
			waitMeasured(r)
		}
		if err := cluster.StopProcess("prometheus"); err != nil {
			t.Fatal(err)
		}
		t.Logf("Prometheus stopped at %s", time.Now().Format("15:04:05.000"))
		defer startPrometheus(s.f)
		s.f.Eventually("the analysed releases are aborted", 90*time.Second, func() (bool, string) {
			for _, r := range analysed {
				if ok, desc := r.settled(); !ok {
					return false, desc
				}
			}
			return true, ""
		})
	})
	for _, r := range analysed {
		run := onlyRun(r)
		if run.Status.Phase != v1alpha1.AnalysisPhaseError {
			t.Errorf("%s/%s: the run with Prometheus down is %s, want Error: %s", r.g.Namespace, r.name, run.Status.Phase, framework.DescribeRun(run))
		}
		expectMessage(t, r, run, "error-rate", "connection refused")
	}
}

// TestPrometheusNaNAndNoData: one canary's analysis query answers NaN (0/0: a
// version that serves nothing), another's a series that does not exist. NaN
// satisfies neither condition: the run is Inconclusive and the release pauses
// (inconclusiveLimit 0). No data is an Error ("query returned no data") and
// the release is aborted. Neither is ever Successful; the other releases end
// Healthy.
func TestPrometheusNaNAndNoData(t *testing.T) {
	t.Parallel()
	s := newScenario(t)
	s.startController("a")
	s.deploy([]releaseKind{plainCanary, routedCanary, blueGreen}, nil)
	nan := s.deployRelease(analysisCanary, releaseOptions{query: nanQuery, suffix: "nan"})
	nan.want = pausedInconclusive
	empty := s.deployRelease(analysisCanary, releaseOptions{query: emptyQuery, suffix: "nodata"})
	empty.want = aborted
	s.releases = append(s.releases, nan, empty)
	s.run(func() {})

	run := onlyRun(nan)
	if run.Status.Phase != v1alpha1.AnalysisPhaseInconclusive {
		t.Errorf("the NaN run is %s, want Inconclusive: %s", run.Status.Phase, framework.DescribeRun(run))
	}
	if m := run.Status.MetricResults; len(m) != 1 || m[0].Successful != 0 || len(m[0].Measurements) == 0 || !strings.Contains(m[0].Measurements[0].Value, "NaN") {
		t.Errorf("the NaN run's measurements: %s", framework.DescribeRun(run))
	}
	run = onlyRun(empty)
	if run.Status.Phase != v1alpha1.AnalysisPhaseError {
		t.Errorf("the no-data run is %s, want Error: %s", run.Status.Phase, framework.DescribeRun(run))
	}
	expectMessage(t, empty, run, "error-rate", "no data")
}

func (s *scenario) releasesOf(kinds ...releaseKind) []*release {
	var out []*release
	for _, r := range s.releases {
		for _, k := range kinds {
			if r.kind == k {
				out = append(out, r)
			}
		}
	}
	return out
}

// waitMeasured waits until the release's analysis run has a successful
// measurement: Prometheus answered it at least once.
func waitMeasured(r *release) {
	r.g.T.Helper()
	r.g.Eventually(r.g.Namespace+" has an AnalysisRun with a successful measurement", 60*time.Second, func() (bool, string) {
		runs := r.g.AnalysisRuns()
		if len(runs) != 1 {
			return false, fmt.Sprintf("%d runs", len(runs))
		}
		m := runs[0].Status.MetricResults
		return len(m) == 1 && m[0].Successful > 0, framework.DescribeRun(&runs[0])
	})
}

// onlyRun is the release's one AnalysisRun.
func onlyRun(r *release) *v1alpha1.AnalysisRun {
	r.g.T.Helper()
	runs := r.g.AnalysisRuns()
	if len(runs) != 1 {
		r.g.T.Fatalf("%s has %d AnalysisRuns, want 1", r.g.Namespace, len(runs))
	}
	return &runs[0]
}

// expectMessage: the Rollout's status message names the metric, and the
// run's last measurement says why it failed.
func expectMessage(t *testing.T, r *release, run *v1alpha1.AnalysisRun, metric, cause string) {
	t.Helper()
	ro := r.g.Rollout(r.name)
	if !strings.Contains(ro.Status.Message, metric) {
		t.Errorf("%s/%s: the status message %q does not name the metric %s", r.g.Namespace, r.name, ro.Status.Message, metric)
	}
	m := run.Status.MetricResults
	if len(m) != 1 || len(m[0].Measurements) == 0 || !strings.Contains(m[0].Measurements[len(m[0].Measurements)-1].Message, cause) {
		t.Errorf("%s/%s: the last measurement does not say %q: %s", r.g.Namespace, r.name, cause, framework.DescribeRun(run))
	}
}

// startPrometheus starts the stopped Prometheus again and waits until it is
// ready.
func startPrometheus(f *framework.Framework) {
	f.T.Helper()
	if err := cluster.StartProcess("prometheus"); err != nil {
		f.T.Fatal(err)
	}
	f.Eventually("Prometheus is ready again", 60*time.Second, func() (bool, string) {
		resp, err := httpClient.Get(f.Info.PrometheusURL + "/-/ready")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
}
