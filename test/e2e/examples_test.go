//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// examplesDir holds the manifests the docs point newcomers at.
const examplesDir = "../../manifests/examples"

// exampleCases drive each file of manifests/examples, applied as it is, to the end
// state its comments describe. TestExamples walks the directory, so a new example
// without a case here fails until it has one.
var exampleCases = map[string]func(f *framework.Framework, manifest string){
	"analysistemplate.yaml": exampleAnalysisTemplate,
	"canary.yaml":           exampleCanary,
	"bluegreen.yaml":        exampleBlueGreen,
	"istio-canary.yaml":     exampleIstioCanary,
	"demo/rollout.yaml":     exampleDemo,
}

func TestExamples(t *testing.T) {
	t.Parallel()
	var files []string
	err := filepath.WalkDir(examplesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" {
			rel, _ := filepath.Rel(examplesDir, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples under %s: %v", examplesDir, err)
	}
	for _, file := range files {
		t.Run(strings.ReplaceAll(file, "/", "_"), func(t *testing.T) {
			t.Parallel()
			drive, ok := exampleCases[file]
			if !ok {
				t.Fatalf("manifests/examples/%s has no case in exampleCases: add one that drives it to the end state its comments describe", file)
			}
			drive(newTest(t), readExample(t, file))
		})
	}
}

func readExample(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(examplesDir, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// analysistemplate.yaml: a Service answering half its requests with a 5xx fails
// the success-rate run at its third measurement. (canary.yaml and
// bluegreen.yaml show it passing for web-canary and web-preview.) The failing
// Service is the test's own exporter version, so no other test sees its errors.
func exampleAnalysisTemplate(f *framework.Framework, manifest string) {
	f.Apply(manifest)
	service := f.Version("failing")
	f.SetExporter(service, 0.5)
	f.Eventually("Prometheus has requests of "+service, 60*time.Second, func() (bool, string) {
		v, err := queryScalar(fmt.Sprintf(`sum(rate(http_requests_total{service=%q}[1m]))`, service))
		return err == nil && v > 0, fmt.Sprint(v, err)
	})
	name := "success-rate-" + f.Version("run")
	wantOutput(f.T, "create analysisrun", plugin(f, 0, "create", "analysisrun", "--from", "success-rate", "-a", "service="+service, "--name", name),
		fmt.Sprintf("analysisrun %q created", name))
	labelForController(f, name)

	run := f.WaitForRunPhase(name, v1alpha1.AnalysisPhaseFailed, 3*time.Minute)
	if len(run.Status.MetricResults) != 1 {
		f.T.Fatalf("run has %d metric results, want success-rate only: %s", len(run.Status.MetricResults), framework.DescribeRun(run))
	}
	if m := run.Status.MetricResults[0]; m.Name != "success-rate" || m.Failed != 3 || m.Successful != 0 {
		f.T.Errorf("want success-rate failed at its third failed measurement (failureLimit 2): %s", framework.DescribeRun(run))
	}
}

// labelForController puts the e2e controller's instance label on an AnalysisRun
// the plugin created: the test binary's controller manages only labelled objects.
func labelForController(f *framework.Framework, run string) {
	f.T.Helper()
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": map[string]string{framework.InstanceLabel: f.InstanceID}}})
	if _, err := f.Sluice.SluiceV1alpha1().AnalysisRuns(f.Namespace).Patch(f.Ctx, run, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		f.T.Fatalf("label AnalysisRun %s: %v", run, err)
	}
}

// canary.yaml with analysistemplate.yaml: 1 of 5 pods, the 1m pause (ended by
// promote, as the comment offers), 3 of 5 pods, a Successful analysis of
// web-canary, the pause until promote, then Healthy on the new image with the
// old ReplicaSet at 0.
func exampleCanary(f *framework.Framework, manifest string) {
	f.Apply(readExample(f.T, "analysistemplate.yaml"))
	f.Apply(manifest)
	first := f.WaitForPhase("web", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	expectSides(f, "web", first.Status.StableRS, "", 5, 0)

	const image = "ghcr.io/example/web:1.1.0"
	plugin(f, 0, "set", "image", "web", "web="+image)
	ro := f.WaitForPausedAtStep("web", 1, 60*time.Second)
	canary := ro.Status.CurrentPodHash
	expectSides(f, "web", first.Status.StableRS, canary, 4, 1)
	if got := f.ServiceSelects("web-canary"); got != canary {
		f.T.Errorf("at setWeight 20 web-canary selects %q, want the new ReplicaSet %q", got, canary)
	}
	plugin(f, 0, "promote", "web") // ends the 1m pause now

	ro = f.WaitForPausedAtStep("web", 4, 4*time.Minute)
	expectSides(f, "web", first.Status.StableRS, canary, 2, 3)
	expectOneSuccessfulRun(f, v1alpha1.AnalysisKindStep, 5)

	plugin(f, 0, "promote", "web")
	expectPromoted(f, "web", "web-stable", first.Status.StableRS, image, 90*time.Second)
}

// bluegreen.yaml with analysistemplate.yaml: one preview pod behind web-preview,
// a Successful pre-promotion analysis, the BlueGreenPause until promote, then
// web-active on 3 new pods, Healthy, and the old pods gone 60 s later.
func exampleBlueGreen(f *framework.Framework, manifest string) {
	f.Apply(readExample(f.T, "analysistemplate.yaml"))
	f.Apply(manifest)
	first := f.WaitForPhase("web-bg", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	old := first.Status.StableRS

	const image = "ghcr.io/example/web:1.1.0"
	plugin(f, 0, "set", "image", "web-bg", "web="+image)
	f.Eventually("web-preview selects the new ReplicaSet", 60*time.Second, func() (bool, string) {
		ro := f.Rollout("web-bg")
		preview := f.ServiceSelects("web-preview")
		return ro.Status.CurrentPodHash != old && preview == ro.Status.CurrentPodHash, preview
	})
	paused := f.WaitForRollout("web-bg", "is paused for promotion (BlueGreenPause)", 4*time.Minute, func(ro *v1alpha1.Rollout) bool {
		return ro.Status.ObservedGeneration == ro.Generation && ro.Status.Phase == v1alpha1.RolloutPhasePaused &&
			slices.ContainsFunc(ro.Status.PauseConditions, func(c v1alpha1.PauseCondition) bool { return c.Reason == v1alpha1.PauseReasonBlueGreenPause })
	})
	expectOneSuccessfulRun(f, v1alpha1.AnalysisKindPrePromotion, 5)
	expectSides(f, "web-bg", old, paused.Status.CurrentPodHash, 3, 1)
	if got := f.ServiceSelects("web-active"); got != old {
		f.T.Errorf("before promotion web-active selects %q, want the old ReplicaSet %q", got, old)
	}

	plugin(f, 0, "promote", "web-bg")
	ro := f.WaitForPhase("web-bg", v1alpha1.RolloutPhaseHealthy, 90*time.Second)
	if got := f.ServiceSelects("web-active"); got != ro.Status.CurrentPodHash || ro.Status.StableRS != ro.Status.CurrentPodHash {
		f.T.Errorf("after promotion web-active selects %q, stable %q, want the new ReplicaSet %q", got, ro.Status.StableRS, ro.Status.CurrentPodHash)
	}
	if got := ro.Spec.Template.Spec.Containers[0].Image; got != image {
		f.T.Errorf("Healthy on image %q, want %q", got, image)
	}
	// The old pods wait out scaleDownDelaySeconds: 60.
	rss := f.ReplicaSets("web-bg")
	if replicasOf(rss[old]) != 3 {
		f.T.Errorf("right after the switch the old ReplicaSet has %d replicas, want its 3 kept for the scale-down delay", replicasOf(rss[old]))
	}
	deadline, err := time.Parse(time.RFC3339, rss[old].Annotations["sluice.dev/scale-down-deadline"])
	if left := time.Until(deadline); err != nil || left < 30*time.Second || left > 61*time.Second {
		f.T.Errorf("old ReplicaSet scale-down deadline %q (%v): want about 60 s after the switch", rss[old].Annotations["sluice.dev/scale-down-deadline"], err)
	}
	f.Eventually("the old ReplicaSet is scaled to 0 after its 60 s", 90*time.Second, func() (bool, string) {
		n := replicasOf(f.ReplicaSets("web-bg")[old])
		return n == 0, fmt.Sprint(n)
	})
}

// istio-canary.yaml: at every pause the VirtualService's primary route carries
// the weight of the last setWeight (the rest on shop-stable), and every header
// route set so far sends to shop-canary; a promote ends each pause (the timed
// ones too, as `kubectl sluice promote` does); the release ends Healthy with
// shop-stable at 100 and the header routes removed.
func exampleIstioCanary(f *framework.Framework, manifest string) {
	rt := &routingTest{f}
	f.Apply(manifest)
	first := f.WaitForPhase("shop", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	weights := func() map[string]int64 { return rt.routeWeights("shop", "http", "primary", 0) }
	rt.waitWeights("shop-stable 100 after the first deploy", weights, map[string]int64{"shop-stable": 100, "shop-canary": 0})

	const image = "ghcr.io/example/shop:2.4.0"
	plugin(f, 0, "set", "image", "shop", "shop="+image)
	var weight int64
	headerRoutes := map[string]bool{}
	for i, step := range first.Spec.Strategy.Canary.Steps {
		switch {
		case step.SetWeight != nil:
			weight = int64(*step.SetWeight)
		case step.SetHeaderRoute != nil:
			headerRoutes[step.SetHeaderRoute.Name] = len(step.SetHeaderRoute.Match) > 0
		case step.Pause != nil:
			f.WaitForPausedAtStep("shop", int32(i), 60*time.Second)
			rt.waitWeights(fmt.Sprintf("weight %d at the pause of step %d", weight, i+1), weights, map[string]int64{"shop-canary": weight, "shop-stable": 100 - weight})
			for name, set := range headerRoutes {
				if !set {
					continue
				}
				// The route goes in once the canary has an available pod.
				f.Eventually(fmt.Sprintf("at the pause of step %d header route %q sends to shop-canary", i+1, name), 30*time.Second, func() (bool, string) {
					got := routeDestinations(rt, "shop", name)
					return slices.Equal(got, []string{"shop-canary"}), fmt.Sprint(got)
				})
			}
			plugin(f, 0, "promote", "shop")
		}
	}
	ro := f.WaitForPhase("shop", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	if got := ro.Spec.Template.Spec.Containers[0].Image; got != image || ro.Status.StableRS != ro.Status.CurrentPodHash {
		f.T.Errorf("Healthy on image %q, stable %q current %q: want %q, the new ReplicaSet stable", got, ro.Status.StableRS, ro.Status.CurrentPodHash, image)
	}
	rt.waitWeights("shop-stable 100 after promotion", weights, map[string]int64{"shop-stable": 100, "shop-canary": 0})
	f.Eventually("header routes removed after promotion", 30*time.Second, func() (bool, string) {
		names := httpRouteNames(rt.object(virtualServices, "shop"))
		return slices.Equal(names, []string{"primary"}), fmt.Sprint(names)
	})
	if got := f.ServiceSelects("shop-stable"); got != ro.Status.CurrentPodHash {
		f.T.Errorf("shop-stable selects %q, want the new ReplicaSet %q", got, ro.Status.CurrentPodHash)
	}
}

// routeDestinations lists the destination hosts of a VirtualService's named HTTP
// route (nil when there is no such route).
func routeDestinations(rt *routingTest, vs, route string) []string {
	routes, _, _ := unstructured.NestedSlice(rt.object(virtualServices, vs).Object, "spec", "http")
	for _, raw := range routes {
		r := raw.(map[string]any)
		if r["name"] != route {
			continue
		}
		hosts := []string{}
		for _, d := range r["route"].([]any) {
			host, _, _ := unstructured.NestedString(d.(map[string]any), "destination", "host")
			hosts = append(hosts, host)
		}
		return hosts
	}
	return nil
}

// demo/rollout.yaml, as `make demo` and the README drive it: a release through
// 1 pod, the 10 s pause, 3 pods and a Successful analysis to the pause, promote,
// Healthy. Then the README's failing release: the canary's errors fail the
// analysis, the rollout aborts, and `get rollout demo -w` exits 1 once traffic is
// back on stable (ActualWeight 0, the canary pods gone); after the errors stop,
// retry passes a fresh analysis.
func exampleDemo(f *framework.Framework, manifest string) {
	f.Apply(manifest)
	first := f.WaitForPhase("demo", v1alpha1.RolloutPhaseHealthy, 60*time.Second)
	stable := first.Status.StableRS

	plugin(f, 0, "set", "image", "demo", "*=example/demo:green")
	ro := f.WaitForPausedAtStep("demo", 1, 60*time.Second)
	green := ro.Status.CurrentPodHash
	expectSides(f, "demo", stable, green, 4, 1)
	ro = f.WaitForPausedAtStep("demo", 4, 90*time.Second) // the 10 s pause ends by itself
	expectSides(f, "demo", stable, green, 2, 3)
	expectOneSuccessfulRun(f, v1alpha1.AnalysisKindStep, 5)
	plugin(f, 0, "promote", "demo")
	expectPromoted(f, "demo", "demo-stable", stable, "example/demo:green", 60*time.Second)

	// The README's failing release. The test fails its own exporter version, not
	// the shared "canary" the file names, so no other test sees the errors. Its
	// canary pods take 3 s to terminate, as real pods do.
	version := f.Version("canary")
	f.SetExporter(version, 0.5)
	waitForErrorShare(f, version, 0.5)
	patchJSON(f, "demo", []map[string]any{
		{"op": "test", "path": "/spec/strategy/canary/steps/3/analysis/args/0/value", "value": "canary"},
		{"op": "replace", "path": "/spec/strategy/canary/steps/3/analysis/args/0/value", "value": version},
		{"op": "add", "path": "/spec/template/metadata/annotations", "value": map[string]string{"sluice.test/termination-delay": "3s"}},
		{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "example/demo:red"},
	})
	watch := f.StartPlugin("get", "rollout", "demo", "-w")
	stdout, stderr, code := watch.Wait(2 * time.Minute)
	ro = f.Rollout("demo")
	red := ro.Status.CurrentPodHash
	if code != 1 || !ro.Status.Abort || !strings.HasPrefix(stderr, `error: rollout "demo" is Degraded: `) {
		f.T.Fatalf("get rollout demo -w through a failing analysis: exit %d (want 1, aborted), rollout %s\nstderr: %s\nstdout:\n%s", code, framework.Describe(ro), stderr, stdout)
	}
	last := stdout[strings.LastIndex(stdout, "Name:"):]
	for _, want := range []string{"✖ Degraded", "SetWeight:     0\n", "ActualWeight:  0\n"} {
		if !strings.Contains(last, want) {
			f.T.Errorf("get -w ended on a frame without %q:\n%s", want, last)
		}
	}
	if strings.Contains(last, "Terminating") {
		f.T.Errorf("get -w ended while pods were still terminating:\n%s", last)
	}
	if pods := f.PodNames(framework.HashLabel + "=" + red); len(pods) > 0 {
		f.T.Errorf("get -w ended with the aborted canary's pods still there: %v", pods)
	}
	if got := f.ServiceSelects("demo-canary"); got != ro.Status.StableRS {
		f.T.Errorf("after the abort demo-canary selects %q, want the stable %q", got, ro.Status.StableRS)
	}

	f.SetExporter(version, 0)
	waitForErrorShare(f, version, 0)
	plugin(f, 0, "retry", "demo")
	f.WaitForPausedAtStep("demo", 4, 90*time.Second)
	runs := runsOfKind(f, v1alpha1.AnalysisKindStep)
	if n := len(runs); n < 3 || runs[n-1].Status.Phase != v1alpha1.AnalysisPhaseSuccessful || runs[n-2].Status.Phase != v1alpha1.AnalysisPhaseFailed {
		f.T.Errorf("after retry want a fresh Successful run after the Failed one: %s", describeRuns(runs))
	}
}

// patchJSON applies a JSON patch to a Rollout.
func patchJSON(f *framework.Framework, name string, ops []map[string]any) {
	f.T.Helper()
	body, _ := json.Marshal(ops)
	if _, err := f.Sluice.SluiceV1alpha1().Rollouts(f.Namespace).Patch(f.Ctx, name, types.JSONPatchType, body, metav1.PatchOptions{}); err != nil {
		f.T.Fatalf("patch rollout %s: %v", name, err)
	}
}

// expectSides checks the replica counts of a rollout's stable and canary
// ReplicaSets.
func expectSides(f *framework.Framework, rollout, stable, canary string, stableReplicas, canaryReplicas int32) {
	f.T.Helper()
	rss := f.ReplicaSets(rollout)
	if got := replicasOf(rss[stable]); got != stableReplicas {
		f.T.Errorf("%s: stable ReplicaSet %s has %d replicas, want %d (%s)", rollout, stable, got, stableReplicas, describeReplicaSets(rss))
	}
	if canary == "" {
		return
	}
	if got := replicasOf(rss[canary]); got != canaryReplicas {
		f.T.Errorf("%s: new ReplicaSet %s has %d replicas, want %d (%s)", rollout, canary, got, canaryReplicas, describeReplicaSets(rss))
	}
}

// expectOneSuccessfulRun checks that the namespace has exactly one run of the
// kind, Successful with n successful measurements.
func expectOneSuccessfulRun(f *framework.Framework, kind v1alpha1.AnalysisKind, n int32) {
	f.T.Helper()
	runs := runsOfKind(f, kind)
	if len(runs) != 1 {
		f.T.Fatalf("want one %s run, got %s", kind, describeRuns(runs))
	}
	run := runs[0]
	if run.Status.Phase != v1alpha1.AnalysisPhaseSuccessful || len(run.Status.MetricResults) != 1 || run.Status.MetricResults[0].Successful != n {
		f.T.Errorf("want the %s run Successful with %d successful measurements: %s", kind, n, framework.DescribeRun(&run))
	}
}

// expectPromoted waits for a canary rollout to be Healthy on image, its stable
// Service on the new ReplicaSet and the old one scaled to 0.
func expectPromoted(f *framework.Framework, rollout, stableService, old, image string, timeout time.Duration) {
	f.T.Helper()
	ro := f.WaitForPhase(rollout, v1alpha1.RolloutPhaseHealthy, timeout)
	if got := ro.Spec.Template.Spec.Containers[0].Image; got != image || ro.Status.StableRS != ro.Status.CurrentPodHash {
		f.T.Errorf("%s Healthy on image %q, stable %q current %q: want %q, the new ReplicaSet stable", rollout, got, ro.Status.StableRS, ro.Status.CurrentPodHash, image)
	}
	if got := f.ServiceSelects(stableService); got != ro.Status.CurrentPodHash {
		f.T.Errorf("%s selects %q, want the new ReplicaSet %q", stableService, got, ro.Status.CurrentPodHash)
	}
	f.Eventually("the old ReplicaSet is scaled to 0", timeout, func() (bool, string) {
		n := replicasOf(f.ReplicaSets(rollout)[old])
		return n == 0, fmt.Sprint(n)
	})
	if pods := f.PodNames(framework.HashLabel + "=" + ro.Status.CurrentPodHash); len(pods) != int(*ro.Spec.Replicas) {
		f.T.Errorf("%s: %d pods of the new ReplicaSet, want %d", rollout, len(pods), *ro.Spec.Replicas)
	}
}
