package lint

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runLint lints as `kubectl sluice lint ARGS` does (-f FILE, -R, --strict),
// through Files; the command itself, its reading and exit codes, is tested in
// pkg/cli.
func runLint(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var paths []string
	var recursive, strict bool
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-f":
			i++
			paths = append(paths, args[i])
		case "-R":
			recursive = true
		case "--strict":
			strict = true
		default:
			t.Fatalf("runLint: unknown argument %q", args[i])
		}
	}
	files, err := ExpandInputs(paths, recursive)
	if err != nil {
		t.Fatal(err)
	}
	var inputs []Input
	for _, file := range files {
		raw := []byte(stdin)
		if file != "-" {
			if raw, err = os.ReadFile(file); err != nil {
				t.Fatal(err)
			}
		}
		inputs = append(inputs, Input{Name: DisplayName(file), Content: raw})
	}
	report := Files(inputs, strict)
	var stdout bytes.Buffer
	report.Print(&stdout)
	r := result{stdout: stdout.String()}
	if report.Errors() > 0 {
		r.code = exitFailure
	}
	return r
}

// lintLines splits lint output into its finding lines and its summary.
func lintLines(t *testing.T, stdout string) ([]string, string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

func TestLintValidFiles(t *testing.T) {
	for _, tc := range []struct {
		file     string
		findings []string
		summary  string
	}{
		{"valid-canary.yaml", nil, "0 errors, 0 warnings, 0 notes in 4 documents"},
		{"valid-bluegreen.yaml", nil, "0 errors, 0 warnings, 0 notes in 4 documents"},
		{"valid-analysis.yaml", nil, "0 errors, 0 warnings, 0 notes in 2 documents"},
		{"valid-istio.yaml", nil, "0 errors, 0 warnings, 0 notes in 5 documents"},
		{"valid-gatewayapi.yaml", nil, "0 errors, 0 warnings, 0 notes in 4 documents"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r := runLint(t, "", "-f", "testdata/lint/"+tc.file, "--strict")
			wantExit(t, r, 0)
			findings, summary := lintLines(t, r.stdout)
			if diff := cmp.Diff(tc.findings, findings, cmpEmptyAsNil); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			if summary != tc.summary {
				t.Errorf("summary %q, want %q", summary, tc.summary)
			}
		})
	}
}

var cmpEmptyAsNil = cmp.Transformer("nilIfEmpty", func(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
})

// Each broken file gives exactly the findings listed, without --strict.
func TestLintFindings(t *testing.T) {
	for _, tc := range []struct {
		file     string
		findings []string // after "SEVERITY: testdata/lint/FILE: "
	}{
		{"bad-unknown-field.yaml", []string{
			`error: document 1 (Rollout/web): spec.strategy.canary.stableSerivce: unknown field "stableSerivce" (did you mean "stableService"?)`}},
		{"bad-wrong-type.yaml", []string{
			`error: document 1 (Rollout/web): spec.strategy.canary.steps[1].setWeight: expected an integer (int32), got the string "ten"`}},
		{"bad-all-at-once.yaml", []string{
			`error: document 1 (Rollout/web): spec.strategy.canary.steps[0].setWeight: expected an integer (int32), got the string "20%"`,
			`error: document 1 (Rollout/web): spec.strategy.canary.stableSerivce: unknown field "stableSerivce" (did you mean "stableService"?)`,
			"error: document 1 (Rollout/web): spec.selector: matchLabels app=web does not match spec.template.metadata.labels, which has app=website"}},
		{"bad-step-actions.yaml", []string{
			"error: document 1 (Rollout/web): spec.strategy.canary.steps[0]: setWeight and pause are set; set exactly one of setWeight, pause, analysis, setCanaryScale, setHeaderRoute or setMirrorRoute",
			"error: document 1 (Rollout/web): spec.strategy.canary.steps[1]: none is set (pause is null: write pause: {} for an empty value); set exactly one of setWeight, pause, analysis, setCanaryScale, setHeaderRoute or setMirrorRoute"}},
		{"bad-weight.yaml", []string{
			"error: document 1 (Rollout/web): spec.strategy.canary.steps[0].setWeight: must be at most 100, got 150"}},
		{"bad-selector.yaml", []string{
			"error: document 1 (Rollout/web): spec.selector: matchLabels app=web does not match spec.template.metadata.labels, which has app=website"}},
		{"bad-both-strategies.yaml", []string{
			"error: document 1 (Rollout/web): spec.strategy: both canary and blueGreen are set; set exactly one of them"}},
		{"bad-apiversion.yaml", []string{
			"error: document 1 (Rollout/web): apiVersion: sluice.dev/v1beta1 is not served; sluice serves sluice.dev/v1alpha1"}},
		{"bad-header-route.yaml", []string{
			"error: document 1 (Rollout/web): spec.strategy.canary.steps[0].setHeaderRoute.match[0].headerValue: exact and prefix are set; set exactly one of exact, prefix or regex",
			`error: document 1 (Rollout/web): spec.strategy.canary.steps[0].setHeaderRoute.name: route "beta" needs trafficRouting: setHeaderRoute steps only work with a traffic router that lists the route in managedRoutes`}},
		{"bad-missing-service.yaml", []string{
			`error: document 2 (Rollout/web): spec.strategy.canary.canaryService: Service "web-canary" not found in the files (their Services: web-stable)`}},
		{"bad-service-selector.yaml", []string{
			`error: document 3 (Rollout/web): spec.strategy.canary.stableService: Service "web-stable" selects tier=frontend (the pods have no label tier): it would never select the Rollout's pods`,
			`error: document 3 (Rollout/web): spec.strategy.canary.canaryService: Service "web-canary" selects app=webapp (the pods have app=web): it would never select the Rollout's pods`}},
		{"bad-template-ref.yaml", []string{
			`error: document 3 (Rollout/web): spec.strategy.canary.steps[0].analysis.templates[1].templateName: AnalysisTemplate "error-rate" is not in the files, but a ClusterAnalysisTemplate of that name is: did you mean clusterScope: true?`,
			`error: document 3 (Rollout/web): spec.strategy.canary.steps[0].analysis.templates[2].templateName: AnalysisTemplate "latency" not found in the files (their AnalysisTemplates: success-rate)`}},
		{"bad-missing-arg.yaml", []string{
			`error: document 2 (Rollout/web): spec.strategy.blueGreen.prePromotionAnalysis.args: argument "namespace" (template "success-rate") has no value in the template and this analysis does not pass it; add it to args`,
			`warning: document 2 (Rollout/web): spec.strategy.blueGreen.prePromotionAnalysis.args[1].name: no template of this analysis declares argument "region"; it is ignored`}},
		{"bad-merged-metrics.yaml", []string{
			`error: document 3 (Rollout/web): spec.strategy.canary.steps[0].analysis.templates[1]: metric "errors" is in template "http" and in template "grpc"; metric names must be unique across the templates of one analysis`}},
		{"bad-condition.yaml", []string{
			`error: document 1 (AnalysisTemplate/latency): spec.metrics[0].successCondition: "result[0] < 0.5 &&" does not compile: unexpected token EOF (1:18) (after substituting args)`,
			`error: document 1 (AnalysisTemplate/latency): spec.metrics[1].successCondition: "len(result) + 1" does not compile: expected bool, but got int`,
			`warning: document 1 (AnalysisTemplate/latency): spec.metrics[1].failureCondition: "result[0] 0 0.2" does not compile: unexpected token Number("0") (1:11) (after substituting args, with op taken as 0 since the template gives no value)`}},
		{"bad-count.yaml", []string{
			"error: document 1 (AnalysisTemplate/latency): spec.metrics[0].interval: required with count 5: set the time between measurements, e.g. interval: 1m"}},
		{"bad-job.yaml", []string{
			"error: document 1 (AnalysisTemplate/smoke): spec.metrics[0].provider.job.spec.template.spec.restartPolicy: required field is missing: a Job's pods need restartPolicy Never or OnFailure"}},
		{"bad-virtualservice.yaml", []string{
			`error: document 2 (Rollout/api): spec.strategy.canary.trafficRouting.istio.virtualService.routes[0]: HTTP route "primary" of VirtualService "api" has no destination with the canary host "api-canary"; sluice weights exactly two destinations, host "api-stable" (stable) and "api-canary" (canary)`,
			`error: document 2 (Rollout/api): spec.strategy.canary.trafficRouting.istio.virtualService.routes[1]: VirtualService "api" has no HTTP route named "secondary" (its HTTP routes: primary)`}},
		{"bad-destinationrule.yaml", []string{
			`error: document 3 (Rollout/api): spec.strategy.canary.trafficRouting.istio.destinationRule.canarySubsetName: DestinationRule "api" has no subset named "canary" (its subsets: stable, preview)`}},
		{"bad-httproute.yaml", []string{
			`error: document 2 (Rollout/cart): spec.strategy.canary.trafficRouting.gatewayAPI.httpRoute: HTTPRoute "cart" has no backendRef to the canary Service "cart-canary"; sluice weights a rule whose backendRefs name both Services`}},
		{"bad-yaml.yaml", []string{
			"error: document 2: yaml: line 11: did not find expected ',' or ']'"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := "testdata/lint/" + tc.file
			r := runLint(t, "", "-f", path)
			wantExit(t, r, exitFailure)
			findings, _ := lintLines(t, r.stdout)
			var want []string
			for _, f := range tc.findings {
				sev, rest, _ := strings.Cut(f, ": ")
				want = append(want, sev+": "+path+": "+rest)
			}
			if diff := cmp.Diff(want, findings); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// One file with many kinds of mistakes, with --strict.
func TestLintGolden(t *testing.T) {
	r := runLint(t, "", "-f", "testdata/lint/multi.yaml", "--strict")
	wantExit(t, r, exitFailure)
	golden(t, "lint/multi.txt", r.stdout)
}

// The shipped examples and Argo Rollouts' documented examples have no errors.
func TestLintExamples(t *testing.T) {
	for _, dir := range []string{"../../manifests/examples", "../../pkg/apis/rollouts/v1alpha1/testdata/argo"} {
		r := runLint(t, "", "-R", "-f", dir)
		wantExit(t, r, 0)
		if _, summary := lintLines(t, r.stdout); !strings.HasPrefix(summary, "0 errors") {
			t.Errorf("%s: %s", dir, r.stdout)
		}
	}
}

func TestSplitYAML(t *testing.T) {
	docs := splitYAML([]byte("---\na: 1\n--- # second\nb: 2\nc: |\n  ---x\n---\n"))
	var got []string
	for _, d := range docs {
		got = append(got, strings.TrimSpace(string(d.body))+"@"+string(rune('0'+d.line)))
	}
	want := []string{"@1", "a: 1@2", "b: 2\nc: |\n  ---x@4", "@8"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"canaryService", "stableService", "steps", "trafficRouting"}
	for name, want := range map[string]string{
		"stableSerivce": "stableService", "Steps": "steps", "trafficRoute": "", "analysis": "",
	} {
		if got := suggest(name, known); got != want {
			t.Errorf("suggest(%q) = %q, want %q", name, got, want)
		}
	}
}
