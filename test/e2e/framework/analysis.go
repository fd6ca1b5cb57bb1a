package framework

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Version is the name under which this test's simulated canary shows in the
// exporter's metrics. Each test has its own, so tests can run side by side.
func (f *Framework) Version(role string) string { return f.Namespace + "-" + role }

// SetExporter changes how the exporter simulates one version (created on first
// use). errorRate is the share of 5xx responses.
func (f *Framework) SetExporter(version string, errorRate float64) {
	f.T.Helper()
	body, _ := json.Marshal(map[string]any{"version": version, "errorRate": errorRate})
	resp, err := http.Post(f.Info.ExporterURL+"/control", "application/json", bytes.NewReader(body))
	if err != nil {
		f.T.Fatalf("exporter /control: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		f.T.Fatalf("exporter /control %s: %s", version, resp.Status)
	}
}

// PutExporterJSON sets the document the exporter serves at /json.
func (f *Framework) PutExporterJSON(doc string) {
	f.T.Helper()
	req, _ := http.NewRequest(http.MethodPut, f.Info.ExporterURL+"/json", bytes.NewReader([]byte(doc)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.T.Fatalf("exporter PUT /json: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		f.T.Fatalf("exporter PUT /json: %s", resp.Status)
	}
}

// AnalysisRuns lists the test namespace's AnalysisRuns, oldest first.
func (f *Framework) AnalysisRuns() []v1alpha1.AnalysisRun {
	f.T.Helper()
	list, err := f.Sluice.SluiceV1alpha1().AnalysisRuns(f.Namespace).List(f.Ctx, metav1.ListOptions{})
	if err != nil {
		f.T.Fatalf("list AnalysisRuns: %v", err)
	}
	sort.Slice(list.Items, func(i, j int) bool {
		a, b := list.Items[i].CreationTimestamp, list.Items[j].CreationTimestamp
		if a.Equal(&b) {
			return list.Items[i].Name < list.Items[j].Name
		}
		return a.Before(&b)
	})
	return list.Items
}

// WaitForRun waits until the named AnalysisRun satisfies check.
func (f *Framework) WaitForRun(name, what string, timeout time.Duration, check func(*v1alpha1.AnalysisRun) bool) *v1alpha1.AnalysisRun {
	f.T.Helper()
	var run *v1alpha1.AnalysisRun
	f.Eventually(fmt.Sprintf("AnalysisRun %s: %s", name, what), timeout, func() (bool, string) {
		got, err := f.Sluice.SluiceV1alpha1().AnalysisRuns(f.Namespace).Get(f.Ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		run = got
		return check(got), DescribeRun(got)
	})
	return run
}

// WaitForRunPhase waits for the named AnalysisRun to reach a phase.
func (f *Framework) WaitForRunPhase(name string, phase v1alpha1.AnalysisPhase, timeout time.Duration) *v1alpha1.AnalysisRun {
	f.T.Helper()
	return f.WaitForRun(name, "phase "+string(phase), timeout, func(r *v1alpha1.AnalysisRun) bool { return r.Status.Phase == phase })
}

// DescribeRun is a one-line summary of a run for failure messages.
func DescribeRun(r *v1alpha1.AnalysisRun) string {
	s := fmt.Sprintf("phase=%q message=%q terminate=%v", r.Status.Phase, r.Status.Message, r.Spec.Terminate)
	for _, m := range r.Status.MetricResults {
		s += fmt.Sprintf(" [%s %s count=%d ok=%d failed=%d inconclusive=%d error=%d]", m.Name, m.Phase, m.Count, m.Successful, m.Failed, m.Inconclusive, m.Error)
		if n := len(m.Measurements); n > 0 {
			s += fmt.Sprintf(" last=%s %q %q", m.Measurements[n-1].Phase, m.Measurements[n-1].Value, m.Measurements[n-1].Message)
		}
	}
	return s
}
