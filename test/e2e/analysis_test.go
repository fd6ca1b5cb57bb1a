//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// The analysis tests run in parallel with each other: each simulates its own
// canary version in the exporter and queries only that version.

// errorShare is the PromQL share of 5xx responses of one simulated version.
func errorShare(version string) string {
	return fmt.Sprintf(`sum(rate(sluice_test_requests_total{version="%[1]s",code="500"}[5s])) / sum(rate(sluice_test_requests_total{version="%[1]s"}[5s]))`, version)
}

// errorRateTemplate is an AnalysisTemplate measuring the error share of the
// version passed as arg, with the given metric fields (indented for a metric).
func errorRateTemplate(name, fields string) string {
	return fmt.Sprintf(`
apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: %s}
spec:
  args: [{name: version}]
  metrics:
  - name: error-rate%s
    provider:
      prometheus:
        query: %s
`, name, fields, errorShare("{{args.version}}"))
}

// startVersion creates the test's canary version in the exporter with an error
// rate and waits until Prometheus has a rate for it.
func startVersion(f *framework.Framework, errorRate float64) string {
	version := f.Version("canary")
	f.SetExporter(version, errorRate)
	f.Eventually("Prometheus has an error share for "+version, 60*time.Second, func() (bool, string) {
		v, err := queryScalar(errorShare(version))
		return err == nil, fmt.Sprint(v, err)
	})
	return version
}

func analysisStep(template, version string) string {
	return fmt.Sprintf(`
      - setWeight: 50
      - analysis:
          templates: [{templateName: %s}]
          args: [{name: version, value: %s}]`, template, version)
}

// runsOfKind lists the namespace's runs of one kind, oldest first.
func runsOfKind(f *framework.Framework, kind v1alpha1.AnalysisKind) []v1alpha1.AnalysisRun {
	var out []v1alpha1.AnalysisRun
	for _, r := range f.AnalysisRuns() {
		if r.Labels[v1alpha1.AnalysisKindLabel] == string(kind) {
			out = append(out, r)
		}
	}
	return out
}

// waitForRunOfKind waits until the n-th run of a kind exists and returns its name.
func waitForRunOfKind(f *framework.Framework, kind v1alpha1.AnalysisKind, n int) string {
	f.T.Helper()
	var name string
	f.Eventually(fmt.Sprintf("%d %s AnalysisRun(s) exist", n, kind), 60*time.Second, func() (bool, string) {
		runs := runsOfKind(f, kind)
		if len(runs) < n {
			return false, fmt.Sprintf("%d runs", len(runs))
		}
		name = runs[n-1].Name
		return true, ""
	})
	return name
}

func TestAnalysisStepSucceedsAndRolloutBecomesHealthy(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	version := startVersion(f, 0)
	f.Apply(errorRateTemplate("error-rate", `
    interval: 2s
    count: 3
    successCondition: result[0] < 0.1`))
	deployHealthy(f, canaryRollout("web", 2, analysisStep("error-rate", version), "", ""))
	f.SetImage("web", imageV2)

	name := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 1)
	run := f.WaitForRunPhase(name, v1alpha1.AnalysisPhaseSuccessful, 60*time.Second)
	ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)

	wantName := fmt.Sprintf("web-%s-2-1", ro.Status.StableRS)
	if name != wantName || run.Labels[v1alpha1.StepIndexLabel] != "1" || run.Labels["sluice.dev/pod-template-hash"] != ro.Status.StableRS {
		t.Errorf("run %s labels %v, want name %s, step 1 and the new hash", name, run.Labels, wantName)
	}
	if owner := metav1.GetControllerOf(run); owner == nil || owner.Kind != "Rollout" || owner.Name != "web" {
		t.Errorf("run owner = %+v, want the Rollout", owner)
	}
	m := run.Status.MetricResults[0]
	if m.Count != 3 || m.Successful != 3 || !strings.Contains(m.Metadata["resolvedQuery"], version) {
		t.Errorf("metric result: %s", framework.DescribeRun(run))
	}
	if mirror := ro.Status.Canary.CurrentStepAnalysisRunStatus; mirror == nil || mirror.Name != name || mirror.Status != v1alpha1.AnalysisPhaseSuccessful {
		t.Errorf("rollout status mirror = %+v", mirror)
	}
	if !slices.Contains(f.EventReasons("web"), "AnalysisRunSuccessful") {
		t.Errorf("no AnalysisRunSuccessful event on the Rollout: %v", f.EventReasons("web"))
	}
}

func TestFailingAnalysisAbortsAndRetryMakesFreshRun(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	version := startVersion(f, 0.5)
	f.Apply(errorRateTemplate("error-rate", `
    interval: 2s
    count: 3
    successCondition: result[0] < 0.1`))
	first := deployHealthy(f, canaryRollout("web", 2, analysisStep("error-rate", version), "", ""))
	stableHash := first.Status.StableRS
	f.SetImage("web", imageV2)

	name := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 1)
	f.WaitForRunPhase(name, v1alpha1.AnalysisPhaseFailed, 60*time.Second)
	ro := f.WaitForRollout("web", "aborted with the canary scaled down", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		rs := f.ReplicaSets("web")[ro.Status.CurrentPodHash]
		return ro.Status.Phase == v1alpha1.RolloutPhaseDegraded && ro.Status.Abort && replicasOf(rs) == 0
	})
	if got, got2 := f.ServiceSelects("web-stable"), f.ServiceSelects("web-canary"); got != stableHash || got2 != stableHash {
		t.Errorf("after abort Services select %q / %q, want stable %q", got, got2, stableHash)
	}
	if mirror := ro.Status.Canary.CurrentStepAnalysisRunStatus; mirror == nil || mirror.Status != v1alpha1.AnalysisPhaseFailed {
		t.Errorf("mirror = %+v", mirror)
	}
	if !strings.Contains(ro.Status.Message, "step analysis is Failed") {
		t.Errorf("the Rollout's message does not say why it aborted: %q", ro.Status.Message)
	}

	// The canary is fixed; retry starts over with a fresh run.
	f.SetExporter(version, 0)
	f.Eventually("the error share is back to 0", 30*time.Second, func() (bool, string) {
		v, err := queryScalar(errorShare(version))
		return err == nil && v == 0, fmt.Sprint(v, err)
	})
	f.Retry("web")
	second := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 2)
	if second != name+".2" {
		t.Errorf("retry run is %q, want %q", second, name+".2")
	}
	f.WaitForRunPhase(second, v1alpha1.AnalysisPhaseSuccessful, 60*time.Second)
	f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
}

func TestBackgroundAnalysisCatchesLateRegression(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	version := startVersion(f, 0)
	f.Apply(errorRateTemplate("error-rate", `
    interval: 1s
    successCondition: result[0] < 0.1`))
	background := fmt.Sprintf(`
      analysis:
        templates: [{templateName: error-rate}]
        args: [{name: version, value: %s}]
        startingStep: 2`, version)
	deployHealthy(f, canaryRollout("web", 2, `
      - setWeight: 50
      - pause: {}
      - setWeight: 50
      - pause: {}`, background, ""))
	f.SetImage("web", imageV2)
	f.WaitForPausedAtStep("web", 1, 60*time.Second)
	f.Consistently("no background run before its starting step", 2*time.Second, func() (bool, string) {
		runs := f.AnalysisRuns()
		return len(runs) == 0, fmt.Sprintf("%d runs", len(runs))
	})
	f.Promote("web")
	f.WaitForPausedAtStep("web", 3, 60*time.Second)
	name := waitForRunOfKind(f, v1alpha1.AnalysisKindBackground, 1)
	f.WaitForRun(name, "a few successful measurements", 30*time.Second, func(r *v1alpha1.AnalysisRun) bool {
		return len(r.Status.MetricResults) == 1 && r.Status.MetricResults[0].Successful >= 2
	})

	f.SetExporter(version, 0.5)
	f.WaitForRunPhase(name, v1alpha1.AnalysisPhaseFailed, 60*time.Second)
	ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseDegraded, 60*time.Second)
	if !ro.Status.Abort {
		t.Errorf("background failure did not abort: %s", framework.Describe(ro))
	}
}

// tcpProxy forwards connections to target until it is closed: the test's way
// to take Prometheus away from the controller without stopping the shared one.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.Close)
	return p
}

func (p *tcpProxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

func TestPrometheusGoneMeansErrorAndAbortNeverSuccess(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	version := startVersion(f, 0)
	prom, _ := url.Parse(cluster.Info.PrometheusURL)
	proxy := startProxy(t, prom.Host)
	f.Apply(fmt.Sprintf(`
apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: error-rate}
spec:
  args: [{name: version}]
  metrics:
  - name: error-rate
    interval: 1s
    count: 60
    consecutiveErrorLimit: 1
    successCondition: result[0] < 0.1
    provider:
      prometheus:
        address: http://%s
        timeout: 2
        query: %s
`, proxy.ln.Addr(), errorShare("{{args.version}}")))
	deployHealthy(f, canaryRollout("web", 2, analysisStep("error-rate", version), "", ""))
	f.SetImage("web", imageV2)
	name := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 1)
	f.WaitForRun(name, "a successful measurement", 30*time.Second, func(r *v1alpha1.AnalysisRun) bool {
		return len(r.Status.MetricResults) == 1 && r.Status.MetricResults[0].Successful >= 1
	})

	proxy.Close()
	run := f.WaitForRunPhase(name, v1alpha1.AnalysisPhaseError, 60*time.Second)
	m := run.Status.MetricResults[0]
	if m.ConsecutiveError != 2 || m.Phase != v1alpha1.AnalysisPhaseError {
		t.Errorf("metric after Prometheus went away: %s", framework.DescribeRun(run))
	}
	ro := f.WaitForPhase("web", v1alpha1.RolloutPhaseDegraded, 30*time.Second)
	if !ro.Status.Abort {
		t.Errorf("an Error run did not abort: %s", framework.Describe(ro))
	}
	f.Consistently("the run never turns Successful", 2*time.Second, func() (bool, string) {
		r, err := f.Sluice.SluiceV1alpha1().AnalysisRuns(f.Namespace).Get(f.Ctx, name, metav1.GetOptions{})
		return err == nil && r.Status.Phase == v1alpha1.AnalysisPhaseError, fmt.Sprint(err)
	})
}

func TestInconclusiveAnalysisPausesAndPromoteContinues(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	version := startVersion(f, 0.25)
	f.Apply(errorRateTemplate("error-rate", `
    interval: 1s
    count: 2
    successCondition: result[0] < 0.1
    failureCondition: result[0] > 0.4`))
	deployHealthy(f, canaryRollout("web", 2, analysisStep("error-rate", version), "", ""))
	f.SetImage("web", imageV2)
	name := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 1)
	f.WaitForRunPhase(name, v1alpha1.AnalysisPhaseInconclusive, 60*time.Second)
	ro := f.WaitForRollout("web", "paused by the inconclusive analysis", 30*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.Phase == v1alpha1.RolloutPhasePaused && len(ro.Status.PauseConditions) == 1 &&
			ro.Status.PauseConditions[0].Reason == v1alpha1.PauseReasonInconclusiveAnalysis
	})
	if ro.Status.Abort {
		t.Fatalf("inconclusive analysis aborted: %s", framework.Describe(ro))
	}
	f.Promote("web")
	f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	if n := len(runsOfKind(f, v1alpha1.AnalysisKindStep)); n != 1 {
		t.Errorf("promote past an inconclusive step made %d step runs, want 1", n)
	}
}

func TestPromoteFullTerminatesRunningAnalysis(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	version := startVersion(f, 0)
	f.Apply(errorRateTemplate("error-rate", `
    interval: 1s
    successCondition: result[0] < 0.1`))
	deployHealthy(f, canaryRollout("web", 2, analysisStep("error-rate", version), "", ""))
	f.SetImage("web", imageV2)
	name := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 1)
	f.WaitForRunPhase(name, v1alpha1.AnalysisPhaseRunning, 30*time.Second)
	f.PromoteFull("web")
	run := f.WaitForRunPhase(name, v1alpha1.AnalysisPhaseSuccessful, 30*time.Second)
	if !run.Spec.Terminate || run.Status.Message != "run terminated" {
		t.Errorf("run was not terminated: %s", framework.DescribeRun(run))
	}
	f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
}

// standaloneRun is an AnalysisRun created directly, outside any rollout.
func standaloneRun(name, metrics string) string {
	return fmt.Sprintf(`
apiVersion: sluice.dev/v1alpha1
kind: AnalysisRun
metadata: {name: %s}
spec:
  metrics:%s
`, name, metrics)
}

func jobMetric(name, result, duration string) string {
	return fmt.Sprintf(`
  - name: %s
    provider:
      job:
        spec:
          backoffLimit: 0
          template:
            metadata:
              annotations: {sluice.test/job-result: %s, sluice.test/job-duration: %s}
            spec:
              restartPolicy: Never
              containers: [{name: check, image: example/check:1}]`, name, result, duration)
}

func TestJobMetricsSucceedFailAndAreCleanedUp(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	f.Apply(standaloneRun("job-ok", jobMetric("smoke", "succeeded", "1s")) + "---" +
		standaloneRun("job-bad", jobMetric("smoke", "failed", "1s")) + "---" +
		standaloneRun("job-long", jobMetric("smoke", "succeeded", "5m")))

	ok := f.WaitForRunPhase("job-ok", v1alpha1.AnalysisPhaseSuccessful, 60*time.Second)
	f.WaitForRunPhase("job-bad", v1alpha1.AnalysisPhaseFailed, 60*time.Second)
	jobName := ok.Status.MetricResults[0].Measurements[0].Metadata["job-name"]
	j, err := f.Kube.BatchV1().Jobs(f.Namespace).Get(f.Ctx, jobName, metav1.GetOptions{})
	if err != nil || metav1.GetControllerOf(j) == nil || metav1.GetControllerOf(j).Name != "job-ok" {
		t.Fatalf("Job %q of the run: %v (owner %+v)", jobName, err, j)
	}

	long := f.WaitForRun("job-long", "its Job running", 60*time.Second, func(r *v1alpha1.AnalysisRun) bool {
		return len(r.Status.MetricResults) == 1 && len(r.Status.MetricResults[0].Measurements) == 1
	})
	longJob := long.Status.MetricResults[0].Measurements[0].Metadata["job-name"]
	if err := f.Sluice.SluiceV1alpha1().AnalysisRuns(f.Namespace).Delete(f.Ctx, "job-ok", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Sluice.SluiceV1alpha1().AnalysisRuns(f.Namespace).Patch(f.Ctx, "job-long", types.MergePatchType,
		[]byte(`{"spec":{"terminate":true}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	f.WaitForRunPhase("job-long", v1alpha1.AnalysisPhaseSuccessful, 30*time.Second)
	f.Eventually("the terminated run's Job and the deleted run's Job are gone", 60*time.Second, func() (bool, string) {
		var left []string
		for _, n := range []string{jobName, longJob} {
			if _, err := f.Kube.BatchV1().Jobs(f.Namespace).Get(f.Ctx, n, metav1.GetOptions{}); err == nil {
				left = append(left, n)
			}
		}
		return len(left) == 0, fmt.Sprint(left)
	})
}

func TestWebMetricReadsExporterJSON(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	version := f.Version("web")
	f.SetExporter(version, 0.02)
	f.Apply(standaloneRun("web-check", fmt.Sprintf(`
  - name: error-rate
    successCondition: result < 0.05
    provider:
      web:
        url: %s/control
        jsonPath: "{$.%s.errorRate}"`, cluster.Info.ExporterURL, version)))
	run := f.WaitForRunPhase("web-check", v1alpha1.AnalysisPhaseSuccessful, 30*time.Second)
	if got := run.Status.MetricResults[0].Measurements[0].Value; got != "0.02" {
		t.Errorf("web metric value = %q, want 0.02", got)
	}
}

func TestConditionSyntaxErrorNamesMetric(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	f.Apply(standaloneRun("bad-expr", `
  - name: latency-p99
    successCondition: result[0] <
    provider:
      prometheus: {query: vector(1)}`))
	run := f.WaitForRunPhase("bad-expr", v1alpha1.AnalysisPhaseError, 30*time.Second)
	if !strings.Contains(run.Status.Message, `"latency-p99"`) || !strings.Contains(run.Status.Message, "result[0] <") {
		t.Errorf("message %q does not name the metric and expression", run.Status.Message)
	}
}

func TestClusterAnalysisTemplateFromTwoNamespaces(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	template := f.Namespace + "-check"
	f.Apply(fmt.Sprintf(`
apiVersion: sluice.dev/v1alpha1
kind: ClusterAnalysisTemplate
metadata: {name: %s}
spec:
  metrics:
  - name: always
    successCondition: result[0] == 1
    provider:
      prometheus: {query: vector(1)}
`, template))
	t.Cleanup(func() {
		_ = f.Sluice.SluiceV1alpha1().ClusterAnalysisTemplates().Delete(f.Ctx, template, metav1.DeleteOptions{})
	})
	steps := fmt.Sprintf(`
      - setWeight: 50
      - analysis: {templates: [{templateName: %s, clusterScope: true}]}`, template)
	both := []*framework.Framework{f, f.NewNamespace("b")}
	for _, g := range both {
		g.Apply(services("web") + "---" + canaryRollout("web", 1, steps, "", ""))
	}
	for _, g := range both {
		g.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
		g.SetImage("web", imageV2)
	}
	for _, g := range both {
		ro := g.WaitForRollout("web", "Healthy on the new image after its analysis", 90*time.Second, func(ro *v1alpha1.Rollout) bool {
			m := ro.Status.Canary.CurrentStepAnalysisRunStatus
			return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhaseHealthy &&
				m != nil && m.Status == v1alpha1.AnalysisPhaseSuccessful
		})
		if ro.Status.StableRS != ro.Status.CurrentPodHash {
			t.Errorf("%s: %s", g.Namespace, framework.Describe(ro))
		}
	}
}

func TestSecretArgNeverShows(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	const secret = "tok-8f2e61c9d0"
	f.Apply(fmt.Sprintf(`
apiVersion: v1
kind: Secret
metadata: {name: prom-creds}
stringData: {token: %s}
---
apiVersion: sluice.dev/v1alpha1
kind: AnalysisRun
metadata: {name: with-secret}
spec:
  args:
  - name: token
    valueFrom: {secretKeyRef: {name: prom-creds, key: token}}
  metrics:
  - name: authed
    successCondition: result[0] == 1
    provider:
      prometheus:
        query: vector(1) # token {{args.token}}
        headers: [{key: Authorization, value: "Bearer {{args.token}}"}]
  - name: echo
    consecutiveErrorLimit: 0
    provider:
      web:
        url: %s/nowhere/{{args.token}}
`, secret, cluster.Info.ExporterURL))
	run := f.WaitForRun("with-secret", "completed", 60*time.Second, func(r *v1alpha1.AnalysisRun) bool { return r.Status.Phase.Completed() })
	raw, _ := json.Marshal(run.Status)
	if strings.Contains(string(raw), secret) {
		t.Errorf("the secret shows in the run's status: %s", raw)
	}
	if !strings.Contains(string(raw), "*****") {
		t.Errorf("the resolved query should show the secret masked: %s", raw)
	}
	events, err := f.Kube.CoreV1().Events(f.Namespace).List(f.Ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		if strings.Contains(e.Message, secret) {
			t.Errorf("event %s shows the secret: %s", e.Reason, e.Message)
		}
	}
	if log := controller.LogText(); strings.Contains(log, secret) {
		t.Error("the controller log shows the secret")
	}
}

func TestBlueGreenPrePostPromotionAnalysis(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	version := startVersion(f, 0)
	f.Apply(errorRateTemplate("error-rate", `
    interval: 1s
    count: 2
    successCondition: result[0] < 0.1`))
	analysis := fmt.Sprintf(`{templates: [{templateName: error-rate}], args: [{name: version, value: %s}]}`, version)
	deployBlueGreen(f, blueGreenRollout(2, fmt.Sprintf(`
      scaleDownDelaySeconds: 0
      prePromotionAnalysis: %s
      postPromotionAnalysis: %s`, analysis, analysis)))
	if n := len(f.AnalysisRuns()); n != 0 {
		t.Fatalf("the first deploy ran %d analyses, want none", n)
	}
	f.SetImage("bg", imageV2)
	pre := waitForRunOfKind(f, v1alpha1.AnalysisKindPrePromotion, 1)
	post := waitForRunOfKind(f, v1alpha1.AnalysisKindPostPromotion, 1)
	ro := f.WaitForPhase("bg", v1alpha1.RolloutPhaseHealthy, 90*time.Second)
	if !strings.HasSuffix(pre, "-pre") || !strings.HasSuffix(post, "-post") {
		t.Errorf("run names %s, %s", pre, post)
	}
	bg := ro.Status.BlueGreen
	if bg.PrePromotionAnalysisRunStatus == nil || bg.PrePromotionAnalysisRunStatus.Status != v1alpha1.AnalysisPhaseSuccessful ||
		bg.PostPromotionAnalysisRunStatus == nil || bg.PostPromotionAnalysisRunStatus.Status != v1alpha1.AnalysisPhaseSuccessful {
		t.Errorf("blue-green mirrors: %+v / %+v", bg.PrePromotionAnalysisRunStatus, bg.PostPromotionAnalysisRunStatus)
	}
	if got := f.ServiceSelects("bg-active"); got != ro.Status.CurrentPodHash {
		t.Errorf("active Service selects %q, want the new %q", got, ro.Status.CurrentPodHash)
	}
}
