//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// kubectlWait runs `kubectl wait --for=condition=...` on the Rollout as a
// user (or a pipeline) would, and fails the test unless it is satisfied.
func kubectlWait(f *framework.Framework, name, condition string) {
	f.T.Helper()
	if cluster.Info.Kubectl == "" {
		f.T.Fatal("cluster.json names no kubectl")
	}
	cmd := exec.Command(cluster.Info.Kubectl, "--kubeconfig="+cluster.Info.Kubeconfig, "-n", f.Namespace,
		"wait", "--for=condition="+condition, "rollouts.sluice.dev/"+name, "--timeout=30s")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		f.T.Fatalf("kubectl wait --for=condition=%s rollouts.sluice.dev/%s: %v\n%s", condition, name, err, out.String())
	}
}

// wantNotProgressingForInvalidSpec checks the conditions of an InvalidSpec
// Rollout: InvalidSpec True naming the missing object, Progressing False with
// reason InvalidSpec and the same message, so `kubectl wait` and Argo CD see
// what the Degraded phase says.
func wantNotProgressingForInvalidSpec(f *framework.Framework, naming string) {
	f.T.Helper()
	kubectlWait(f, "web", "InvalidSpec")
	kubectlWait(f, "web", "Progressing=False")
	ro := f.Rollout("web")
	invalid, progressing := condition(ro, v1alpha1.RolloutInvalidSpec), condition(ro, v1alpha1.RolloutProgressing)
	if invalid == nil || invalid.Status != corev1.ConditionTrue || !strings.Contains(invalid.Message, naming) {
		f.T.Fatalf("InvalidSpec condition %+v, want True naming %s", invalid, naming)
	}
	if progressing == nil || progressing.Reason != v1alpha1.ReasonInvalidSpec || progressing.Message != invalid.Message {
		f.T.Fatalf("Progressing condition %+v, want False/InvalidSpec with the InvalidSpec message", progressing)
	}
	if ro.Status.Phase != v1alpha1.RolloutPhaseDegraded || ro.Status.Message != "InvalidSpec: "+invalid.Message {
		f.T.Fatalf("phase %s %q, want Degraded with the InvalidSpec message", ro.Status.Phase, ro.Status.Message)
	}
}

// TestInvalidSpecIsNotProgressing: a Rollout that was never valid, and one that
// becomes invalid in the middle of a release, report Progressing=False for the
// InvalidSpec; once fixed they progress again.
func TestInvalidSpecIsNotProgressing(t *testing.T) {
	t.Parallel()
	t.Run("never valid", func(t *testing.T) {
		t.Parallel()
		f := newTest(t)
		f.Apply(canaryRollout("web", 2, demoSteps, "", ""))
		wantNotProgressingForInvalidSpec(f, `Service "web-stable" not found`)
		f.Apply(services("web"))
		f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
		kubectlWait(f, "web", "Progressing=True")
	})
	t.Run("mid-release", func(t *testing.T) {
		t.Parallel()
		f := newTest(t)
		deployHealthy(f, webRollout(3, imageV1, "web-canary", pausedOnce, "", ""))
		f.SetImage("web", imageV2)
		f.WaitForPausedAtStep("web", 1, 60*time.Second)
		// The release now names a canary Service that does not exist.
		f.Apply(webRollout(3, imageV2, "web-canary-2", pausedOnce, "", ""))
		wantNotProgressingForInvalidSpec(f, `Service "web-canary-2" not found`)
		f.Apply(`
apiVersion: v1
kind: Service
metadata: {name: web-canary-2}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`)
		f.WaitForRollout("web", "valid again", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
			c := condition(ro, v1alpha1.RolloutProgressing)
			return ro.Status.ObservedGeneration == ro.Generation && c != nil && c.Reason != v1alpha1.ReasonInvalidSpec &&
				!conditionIsTrue(ro, v1alpha1.RolloutInvalidSpec)
		})
	})
}

func conditionIsTrue(ro *v1alpha1.Rollout, t v1alpha1.RolloutConditionType) bool {
	c := condition(ro, t)
	return c != nil && c.Status == corev1.ConditionTrue
}

// TestAnalysisAbortNamesTheCause: an analysis step whose Prometheus address
// does not resolve. While the run measures, the Rollout says it waits for the
// step analysis (not for more replicas: the canary is at its step's size). The
// run ends in Error and aborts the rollout; the Rollout's message, its
// Progressing condition, its RolloutAborted event and `get rollout` name the
// metric and the error, and `get analysisrun` shows the measurements.
func TestAnalysisAbortNamesTheCause(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	f.Apply(`
apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: error-rate}
spec:
  metrics:
  - name: error-rate
    interval: 2s
    count: 5
    consecutiveErrorLimit: 1
    successCondition: result[0] < 0.1
    provider:
      prometheus:
        address: http://prometheus.nowhere:9090
        timeout: 2
        query: vector(0)
`)
	deployHealthy(f, canaryRollout("web", 4, `
      - setWeight: 25
      - analysis:
          templates: [{templateName: error-rate}]`, "", ""))
	f.SetImage("web", imageV2)

	ro := f.WaitForRollout("web", "waiting for the step analysis", 60*time.Second, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Message == "waiting for step analysis"
	})
	if ro.Status.Phase != v1alpha1.RolloutPhaseProgressing || ro.Status.UpdatedReplicas != 1 {
		t.Fatalf("at the analysis step: %s", framework.Describe(ro))
	}

	name := waitForRunOfKind(f, v1alpha1.AnalysisKindStep, 1)
	run := f.WaitForRunPhase(name, v1alpha1.AnalysisPhaseError, 60*time.Second)
	if len(run.Status.MetricResults) != 1 || len(run.Status.MetricResults[0].Measurements) == 0 {
		t.Fatalf("run without measurements: %s", framework.DescribeRun(run))
	}
	ms := run.Status.MetricResults[0].Measurements
	cause := ms[len(ms)-1].Message // what the provider said last
	if !strings.Contains(cause, "prometheus.nowhere") {
		t.Fatalf("the last measurement does not name the address: %q", cause)
	}
	want := `Rollout aborted: step analysis is Error: metric "error-rate": ` + cause

	ro = f.WaitForPhase("web", v1alpha1.RolloutPhaseDegraded, 30*time.Second)
	if ro.Status.Message != "RolloutAborted: "+want {
		t.Errorf("status.message %q\nwant %q", ro.Status.Message, "RolloutAborted: "+want)
	}
	if c := condition(ro, v1alpha1.RolloutProgressing); c == nil || c.Status != corev1.ConditionFalse || c.Reason != v1alpha1.ReasonRolloutAborted || c.Message != want {
		t.Errorf("Progressing condition %+v, want False/RolloutAborted %q", c, want)
	}
	if msgs := eventMessages(f, "web", "RolloutAborted"); len(msgs) != 1 || msgs[0] != want {
		t.Errorf("RolloutAborted events %q, want one saying %q", msgs, want)
	}

	out, _, _ := f.Plugin("get", "rollout", "web")
	if !strings.Contains(out, "✖ Degraded - RolloutAborted: "+want) {
		t.Errorf("get rollout does not show the cause:\n%s", out)
	}
	out = plugin(f, 0, "get", "analysisrun", name)
	m := run.Status.MetricResults[0]
	for _, want := range []struct{ key, value string }{
		{"Status:", "✖ Error - " + run.Status.Message},
		{"Metric:", "error-rate"},
		{"Count:", fmt.Sprintf("%d of 5", m.Count)},
		{"Errors:", fmt.Sprintf("%d, %d in a row (consecutiveErrorLimit 1)", m.Error, m.ConsecutiveError)},
	} {
		if got, ok := field(out, want.key); !ok || got != want.value {
			t.Errorf("get analysisrun shows %s %q, want %q:\n%s", want.key, got, want.value, out)
		}
	}
	if !slices.ContainsFunc(strings.Split(out, "\n"), func(line string) bool {
		return strings.Contains(line, "✖ Error") && strings.HasSuffix(line, cause)
	}) {
		t.Errorf("get analysisrun shows no Error measurement saying %q:\n%s", cause, out)
	}
}

// field is the value of the first "Key: value" line of out with that key.
func field(out, key string) (string, bool) {
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), key); ok {
			return strings.TrimSpace(rest), true
		}
	}
	return "", false
}

// eventMessages lists the messages of an object's events of one reason.
func eventMessages(f *framework.Framework, name, reason string) []string {
	f.T.Helper()
	events, err := f.Kube.CoreV1().Events(f.Namespace).List(f.Ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=" + name + ",reason=" + reason})
	if err != nil {
		f.T.Fatal(err)
	}
	var out []string
	for _, e := range events.Items {
		out = append(out, e.Message)
	}
	return out
}
