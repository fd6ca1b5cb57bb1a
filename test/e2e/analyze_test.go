//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// builtinTemplatesDir holds the ClusterAnalysisTemplates users install.
const builtinTemplatesDir = "../../manifests/analysis"

// TestBuiltinAnalysisTemplatesPassServerDryRun: the API server accepts every
// built-in template (schema, CEL rules) through their kustomization, as
// `kubectl apply -k manifests/analysis` would apply them. A dry run creates
// nothing, so tests running beside it see no cluster-scoped templates appear.
func TestBuiltinAnalysisTemplatesPassServerDryRun(t *testing.T) {
	t.Parallel()
	newTest(t)
	files, err := filepath.Glob(filepath.Join(builtinTemplatesDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	templates := len(files) - 1 // all but kustomization.yaml
	cmd := exec.Command(cluster.Info.Kubectl, "--kubeconfig="+cluster.Info.Kubeconfig, "apply", "--dry-run=server", "-k", builtinTemplatesDir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl apply --dry-run=server -k manifests/analysis: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	accepted := regexp.MustCompile(`(?m)^clusteranalysistemplate\.sluice\.dev/\S+ (created|configured|unchanged) \(server dry run\)$`).FindAllString(stdout.String(), -1)
	if templates < 1 || len(accepted) != templates {
		t.Fatalf("%d of %d templates accepted:\n%s%s", len(accepted), templates, stdout.String(), stderr.String())
	}
}

// quickJudge is the built-in http-judge as a namespaced template with a
// judge that can look within a minute: one sample a side every 2 s over 10 s
// rates, from 20 samples a side.
func quickJudge(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(builtinTemplatesDir, "http-judge.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer(
		"kind: ClusterAnalysisTemplate", "kind: AnalysisTemplate",
		"warmup: 30s", "warmup: 0s",
		"resolution: 15s", "resolution: 2s",
		"minSamples: 10\n", "minSamples: 20\n",
		"[1m]", "[10s]",
	).Replace(string(raw))
}

// The acceptance case of `kubectl sluice analyze`: it prints the judge's table
// for a running canary, with the hashes the Rollout passes — here a canary 30%
// slower and erring at 2% against its baseline at 0.5%, judged Failed on both
// — and writes nothing.
func TestAnalyzePrintsTheJudgeTableForARunningCanary(t *testing.T) {
	t.Parallel()
	f := newTest(t)
	f.Apply(quickJudge(t) + "---" + baselineService)
	deployHealthy(f, canaryRollout("web", 4, `
      - setWeight: 25
      - pause: {}
      - analysis:
          templates: [{templateName: http-judge}]
          args:
          - {name: namespace, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
          - {name: canary-hash, valueFrom: {podTemplateHashValue: Latest}}
          - {name: baseline-hash, valueFrom: {podTemplateHashValue: Baseline}}`, `
      baselineService: web-baseline
      baseline: {replicas: matchCanary}`, ""))
	f.SetImage("web", imageV2)
	ro := f.WaitForPausedAtStep("web", 1, 60*time.Second)
	baseline := expectBaselineBesideCanary(f, ro, "at 25%").Labels[framework.HashLabel]
	canary := ro.Status.CurrentPodHash

	start := time.Now()
	f.SimulateHashes(
		framework.HashTraffic{Service: "web", Hash: canary, Rate: 100, ErrorRate: 0.02, LatencyMs: 100, LatencyScale: 1.3},
		framework.HashTraffic{Service: "web", Hash: baseline, Rate: 100, ErrorRate: 0.005, LatencyMs: 100},
	)
	// Wait until Prometheus holds 60 s of both sides' latency (the judge looks
	// once its window holds minSamples+1 steps, 42 s), then judge the time
	// since the traffic began.
	for _, hash := range []string{canary, baseline} {
		q := fmt.Sprintf(`count_over_time(http_request_duration_seconds_count{namespace=%q,pod_template_hash=%q}[1h])`, f.Namespace, hash)
		f.Eventually("60 s of samples for "+hash, 120*time.Second, func() (bool, string) {
			n, err := queryScalar(q)
			return err == nil && n >= 60, fmt.Sprint(n, err)
		})
	}
	since := time.Since(start).Round(time.Second)

	out := plugin(f, 1, "analyze", "http-judge", "--rollout", "web",
		"--prometheus-address", f.Info.PrometheusURL, "--since", since.String())
	for _, want := range []string{
		fmt.Sprintf("Arguments: namespace=%s canary-hash=%s baseline-hash=%s", f.Namespace, canary, baseline),
		"Rollout:   " + f.Namespace + "/web, the values of spec.strategy.canary.steps[2].analysis",
		"judge   judge     ✖ Failed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("analyze printed no %q:\n%s", want, out)
		}
	}
	for _, row := range [][]string{{"error-ratio", "High", "canary higher"}, {"p99-latency", "High", "canary higher"}} {
		if !lineWith(out, row...) {
			t.Errorf("the judge table has no row with %v:\n%s", row, out)
		}
	}
	// Nothing was written: no run, the Rollout as it was.
	if runs := f.AnalysisRuns(); len(runs) != 0 {
		t.Errorf("analyze left %d AnalysisRuns", len(runs))
	}
	if now := f.Rollout("web"); now.Generation != ro.Generation || now.Status.Phase != v1alpha1.RolloutPhasePaused || *now.Status.CurrentStepIndex != 1 {
		t.Errorf("after analyze the Rollout is %s", framework.Describe(now))
	}
}

// lineWith reports whether one line of text holds every part.
func lineWith(text string, parts ...string) bool {
	for _, line := range strings.Split(text, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			return true
		}
	}
	return false
}
