package convert

import (
	"bufio"
	"io"
	"os"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluicescheme "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/scheme"
	"github.com/sluice-dev/sluice/pkg/internal/fieldpath"
)

// runConvert converts as `kubectl sluice convert ARGS` does (-f FILE,
// --workload-ref), through a Converter: stdout is the stream, stderr the
// warnings or the error. The command itself is tested in pkg/cli.
func runConvert(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var c Converter
	var files []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-f":
			i++
			files = append(files, args[i])
		case "--kayenta-config":
			i++
			raw, err := os.ReadFile(args[i])
			if err != nil {
				t.Fatal(err)
			}
			if err := c.KayentaConfig(args[i], raw); err != nil {
				return result{stderr: "error: " + err.Error() + "\n", code: exitFailure}
			}
		case "--workload-ref":
			c.WorkloadRef = true
		default:
			t.Fatalf("runConvert: unknown argument %q", args[i])
		}
	}
	for _, file := range files {
		raw := []byte(stdin)
		if file != "-" {
			var err error
			if raw, err = os.ReadFile(file); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.File(file, raw); err != nil {
			return result{stderr: "error: " + err.Error() + "\n", code: exitFailure}
		}
	}
	var stderr strings.Builder
	for _, w := range c.Warnings() {
		stderr.WriteString("warning: " + w + "\n")
	}
	return result{stdout: c.Output(), stderr: stderr.String()}
}

func TestConvert(t *testing.T) {
	argoCanary := "testdata/argo-canary.in.yaml#0 Rollout/checkout: field "
	kayentaRollout := "testdata/argo-kayenta.in.yaml#0 Rollout/guestbook: "
	kayentaTemplate := "testdata/argo-kayenta.in.yaml#1 AnalysisTemplate/kayenta-judge: "
	for _, tc := range []struct {
		name     string
		args     []string
		out      string   // golden file of stdout
		warnings []string // stderr lines, without "warning: "
		absent   []string // strings stdout must not contain
		present  []string // strings stdout must contain
	}{
		{
			name:    "deployment with rollingUpdate and two ports",
			args:    []string{"-f", "testdata/deployment.in.yaml"},
			out:     "deployment.out.yaml",
			absent:  []string{"deployment.kubernetes.io/revision", "last-applied-configuration", "resourceVersion", "status:"},
			present: []string{"maxSurge: 1", "maxUnavailable: 0", "name: web-stable", "name: web-canary", "port: 9090"},
		},
		{
			name:    "deployment with --workload-ref",
			args:    []string{"--workload-ref", "-f", "testdata/workloadref.in.yaml"},
			out:     "workloadref.out.yaml",
			absent:  []string{"template:", "kind: Deployment\nmetadata"},
			present: []string{"scaleDown: progressively", "port: 80\n"},
		},
		{
			name: "argo canary with unsupported fields",
			args: []string{"-f", "testdata/argo-canary.in.yaml"},
			out:  "argo-canary.out.yaml",
			warnings: []string{
				argoCanary + "spec.strategy.canary.analysis.analysisRunMetadata is not supported by sluice and was dropped",
				argoCanary + "spec.strategy.canary.scaleDownDelayRevisionLimit is not supported by sluice and was dropped",
				argoCanary + "spec.strategy.canary.steps[1].experiment is not supported by sluice and was dropped",
				argoCanary + "spec.strategy.canary.trafficRouting.nginx is not supported by sluice and was dropped",
			},
			absent:  []string{"argoproj.io", "scaleDownDelayRevisionLimit", "analysisRunMetadata", "experiment", "nginx"},
			present: []string{"scaleDown: onsuccess", "kind: AnalysisTemplate"},
		},
		{
			name:    "argo rollout with the gatewayAPI plugin",
			args:    []string{"-f", "testdata/argo-gatewayapi.in.yaml"},
			out:     "argo-gatewayapi.out.yaml",
			absent:  []string{"plugins", "argoproj"},
			present: []string{"gatewayAPI:\n          httpRoute: shop-route\n          namespace: gateways\n"},
		},
		{
			name: "argo blue-green, ping-pong, plugins and an Experiment",
			args: []string{"-f", "testdata/argo-more.in.yaml"},
			out:  "argo-more.out.yaml",
			warnings: []string{
				"testdata/argo-more.in.yaml#0 Rollout/bg: field spec.strategy.blueGreen.scaleDownDelayRevisionLimit is not supported by sluice and was dropped",
				"testdata/argo-more.in.yaml#1 Rollout/pp: field spec.strategy.canary.trafficRouting.plugins[\"other/plugin\"] is not supported by sluice and was dropped",
				"testdata/argo-more.in.yaml#1 Rollout/pp: field spec.strategy.canary.trafficRouting.plugins[\"argoproj-labs/gatewayAPI\"].httpRoutes[0].useHeaderRoutes is not supported by sluice and was dropped",
				"testdata/argo-more.in.yaml#1 Rollout/pp: field spec.strategy.canary.pingPong is not supported by sluice and was dropped",
				"testdata/argo-more.in.yaml#1 Rollout/pp: field spec.strategy.canary.trafficRouting.alb is not supported by sluice and was dropped",
				"testdata/argo-more.in.yaml#2 Experiment/ex: kind Experiment is not supported by sluice and was passed through unchanged",
			},
			absent:  []string{"scaleDownDelayRevisionLimit", "pingPong", "alb", "plugins", "useHeaderRoutes"},
			present: []string{"gatewayAPI:\n          httpRoutes:\n          - name: r1\n          - name: r2\n          namespace: ns\n", "kind: Experiment"},
		},
		{
			name: "argo baseline/canary experiment judged by Kayenta",
			args: []string{"--kayenta-config", "testdata/kayenta-config.json", "-f", "testdata/argo-kayenta.in.yaml"},
			out:  "argo-kayenta.out.yaml",
			warnings: append(prefixed(kayentaRollout,
				"spec.strategy.canary.steps[1].experiment (a baseline from the stable spec beside the canary) became spec.strategy.canary.baseline and an analysis step of kayenta-judge",
				`spec.strategy.canary.steps[1].experiment.analyses[0].args[0]: argument "start-time" ({{experiment.availableAt}}) was dropped: a judge's window is its run's, from the analysis step's start`,
				`spec.strategy.canary.steps[1].experiment.analyses[0].args[1]: argument "end-time" ({{experiment.finishedAt}}) was dropped: a judge's window is its run's, from the analysis step's start`,
				"spec.strategy.canary.steps[1].experiment.duration (15m) was dropped: the analysis step lasts as long as its metrics; to judge 15m of data as the experiment did, give the judge metric initialDelay: 15m (or interval and count)",
				"spec.strategy.canary.steps[1].experiment.templates[1].replicas was dropped: the baseline and the canary are sluice's own ReplicaSets",
				"spec.strategy.canary.steps[1].experiment.analyses[0].requiredForCompletion was dropped: an analysis step always waits for its analysis",
				"spec.strategy.canary.steps[1].experiment: the baseline's replicas (1) became matchCanary: the baseline has as many pods as the canary at every step",
				`spec.strategy.canary.baselineService: set to "guestbook-baseline", which must exist (a Service like guestbook-stable): with a traffic router the baseline's share goes to it`,
			), prefixed(kayentaTemplate,
				`spec.metrics[0] (judge): provider.kayenta with canary config "guestbook-canary" became provider.judge (docs/judge.md)`,
				"spec.metrics[0].provider.kayenta.address was dropped: the judge queries Prometheus itself (provider.judge.address, or the controller's --prometheus-address)",
				"spec.metrics[0].provider.kayenta.application was dropped: the judge queries Prometheus itself (provider.judge.address, or the controller's --prometheus-address)",
				"spec.metrics[0].provider.kayenta.metricsAccountName was dropped: the judge queries Prometheus itself (provider.judge.address, or the controller's --prometheus-address)",
				"spec.metrics[0].provider.kayenta.configurationAccountName was dropped: the judge queries Prometheus itself (provider.judge.address, or the controller's --prometheus-address)",
				"spec.metrics[0].provider.kayenta.storageAccountName was dropped: the judge queries Prometheus itself (provider.judge.address, or the controller's --prometheus-address)",
				"spec.metrics[0].provider.kayenta.scopes[0].experimentScope.start was dropped: the judge's window runs from its run's start (plus warmup) to each look",
				"spec.metrics[0].provider.kayenta.scopes[0].experimentScope.end was dropped: the judge's window runs from its run's start (plus warmup) to each look",
				"spec.metrics[0].provider.kayenta.scopes[0].controlScope.start was dropped: the judge's window runs from its run's start (plus warmup) to each look",
				"spec.metrics[0].provider.kayenta.scopes[0].controlScope.end was dropped: the judge's window runs from its run's start (plus warmup) to each look",
				"Kayenta canary config guestbook-canary metrics[0] (p99-latency): effectSize.criticalIncrease was dropped: the judge's effect size is allowedIncrease and allowedDecrease of the ratio of means",
				"Kayenta canary config guestbook-canary metrics[0] (p99-latency): outliers.outlierFactor was dropped: the judge removes samples outside 1.5 interquartile ranges",
				"Kayenta canary config guestbook-canary metrics[1] (cpu): the query names Argo's rollouts-pod-template-hash label; sluice's pods carry sluice.dev/pod-template-hash (as pod_template_hash in Prometheus, manifests/analysis/README.md)",
				"Kayenta canary config guestbook-canary metrics[1] (cpu): groups [system resources]: a judge metric counts in one group, system",
				"Kayenta canary config guestbook-canary metrics[1] (cpu): mustHaveData was dropped: the judge's noData (Inconclusive or Failed) applies to every metric, and no data is never a pass",
				`Kayenta canary config guestbook-canary metrics[2] (errors) was dropped: it queries "datadog", and the judge queries Prometheus`,
				`Kayenta canary config "guestbook-canary": judge NetflixACAJudge-v1.0 was dropped: sluice's judge tests each metric (Mann-Whitney for series) and needs the p-value as well as the effect size (docs/judge.md)`,
				"spec.metrics[0] (judge) looks once, as soon as its window holds one resolution step; Kayenta judged at the experiment's end: give it initialDelay (the experiment's duration) or interval and count",
				`spec.args "start-time" was dropped: only the Kayenta scopes' start or end used it`,
				`spec.args "end-time" was dropped: only the Kayenta scopes' start or end used it`,
			)...),
			absent:  []string{"argoproj.io", "kayenta:", "experiment", "start-time", "${scope}"},
			present: []string{"replicas: matchCanary", "podTemplateHashValue: Baseline", "podTemplateHashValue: Latest", "judge:", "canaryScope: '{{args.canary-hash}}'"},
		},
		{
			name: "argo notification subscriptions",
			args: []string{"-f", "testdata/argo-notifications.in.yaml"},
			out:  "argo-notifications.out.yaml",
			warnings: prefixed("testdata/argo-notifications.in.yaml#0 Rollout/checkout: annotation notifications.argoproj.io/",
				"subscribe.on-rollout-updated.email was dropped: sluice sends to webhooks and Slack only, not email",
				`subscribe.on-scaling-replica-set.slack was dropped: sluice has no trigger "on-scaling-replica-set" (docs/notifications.md lists its triggers)`,
				"subscriptions was dropped: sluice reads only subscribe.<trigger>.<service> annotations (docs/notifications.md)",
			),
			absent: []string{"argoproj.io", "noisy", "team@example.com"},
			present: []string{
				"notifications.sluice.dev/subscribe.on-rollout-completed.slack: deploys;payments-alerts",
				"notifications.sluice.dev/subscribe.on-analysis-run-failed.webhook.audit: \"\"",
				"notifications.sluice.dev/subscribe.slack: releases",
				"team: payments",
			},
		},
		{
			name: "service passed through",
			args: []string{"-f", "testdata/service.in.yaml"},
			out:  "service.out.yaml", // the input unchanged, comments included
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runConvert(t, "", tc.args...)
			if r.code != 0 {
				t.Fatalf("exit %d, want 0\nstderr: %s", r.code, r.stderr)
			}
			var want string
			for _, w := range tc.warnings {
				want += "warning: " + w + "\n"
			}
			if r.stderr != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", r.stderr, want)
			}
			golden(t, tc.out, r.stdout)
			for _, s := range tc.absent {
				if strings.Contains(r.stdout, s) {
					t.Errorf("output contains %q", s)
				}
			}
			for _, s := range tc.present {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("output lacks %q", s)
				}
			}
			assertSluiceObjectsDecodeStrictly(t, r.stdout)
		})
	}
}

// prefixed puts prefix before each line.
func prefixed(prefix string, lines ...string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = prefix + l
	}
	return out
}

// Several files and stdin convert in order into one stream.
func TestConvertStdinAndSeveralFiles(t *testing.T) {
	in, err := os.ReadFile("testdata/workloadref.in.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := runConvert(t, string(in), "-f", "testdata/service.in.yaml", "-f", "-")
	wantExit(t, r, 0)
	docs := splitDocuments(t, r.stdout)
	var kinds []string
	for _, doc := range docs {
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, meta.Kind)
	}
	if got := strings.Join(kinds, ","); got != "Service,Rollout,Service,Service" {
		t.Errorf("kinds %s", got)
	}
	if !strings.Contains(r.stdout, "# new: Services api-stable and api-canary") {
		t.Errorf("no comment before the new Services:\n%s", r.stdout)
	}
	assertSluiceObjectsDecodeStrictly(t, r.stdout)
}

// The Rollouts made from a Deployment are what the Go types say.
func TestConvertDeploymentRollout(t *testing.T) {
	r := runConvert(t, "", "-f", "testdata/deployment.in.yaml")
	wantExit(t, r, 0)
	objs := decodeSluice(t, r.stdout)
	if len(objs) != 1 {
		t.Fatalf("%d sluice objects, want 1", len(objs))
	}
	ro, ok := objs[0].(*v1alpha1.Rollout)
	if !ok {
		t.Fatalf("%T, want a Rollout", objs[0])
	}
	c := ro.Spec.Strategy.Canary
	if ro.Name != "web" || ro.Namespace != "shop" || *ro.Spec.Replicas != 5 || ro.Spec.MinReadySeconds != 10 ||
		*ro.Spec.RevisionHistoryLimit != 3 || *ro.Spec.ProgressDeadlineSeconds != 300 ||
		c == nil || c.StableService != "web-stable" || c.CanaryService != "web-canary" ||
		c.MaxSurge.IntValue() != 1 || c.MaxUnavailable.IntValue() != 0 || len(c.Steps) != 6 ||
		*c.Steps[0].SetWeight != 20 || c.Steps[1].Pause.Duration.String() != "1m" ||
		*c.Steps[4].SetWeight != 80 || c.Steps[5].Pause.Duration.String() != "2m" {
		t.Errorf("rollout %+v", ro.Spec)
	}
	if len(ro.Annotations) != 1 || ro.Annotations["owner"] != "storefront@example.com" {
		t.Errorf("annotations %v", ro.Annotations)
	}
}

func TestConvertErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		line string
		code int
	}{
		{"malformed yaml", []string{"-f", "testdata/malformed.in.yaml"},
			"error: testdata/malformed.in.yaml#1: yaml: line 6: did not find expected ',' or ']'", exitFailure},
		{"wrong type after conversion", []string{"-f", "-"},
			`error: -#0: json: cannot unmarshal string into Go struct field RolloutSpec.spec.replicas of type int32`, exitFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdin := "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: x\nspec:\n  replicas: three\n"
			r := runConvert(t, stdin, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d", r.code, tc.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout on error: %q", r.stdout)
			}
			wantOneErrorLine(t, r, tc.line)
		})
	}
}

func TestRemoveField(t *testing.T) {
	obj := map[string]any{}
	if err := yaml.Unmarshal([]byte(`
spec:
  strategy:
    canary:
      steps:
      - setWeight: 10
      - experiment: {}
      - pause: {}
      analysis:
        analysisRunMetadata: {}
`), &obj); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"spec.strategy.canary.steps[1].experiment", "spec.strategy.canary.analysis.analysisRunMetadata"} {
		if !fieldpath.Remove(obj, path) {
			t.Fatalf("%s not removed", path)
		}
	}
	if fieldpath.Remove(obj, "spec.strategy.canary.steps[5].x") || fieldpath.Remove(obj, "spec.nothing") {
		t.Error("removed a field that is not there")
	}
	got, _ := yaml.Marshal(obj)
	want := "spec:\n  strategy:\n    canary:\n      steps:\n      - setWeight: 10\n      - pause: {}\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// splitDocuments splits a YAML stream into its non-empty documents.
func splitDocuments(t *testing.T, stream string) [][]byte {
	t.Helper()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(stream)))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		if hasContent(doc) {
			docs = append(docs, doc)
		}
	}
}

// decodeSluice decodes every sluice.dev document of the output strictly with the
// generated scheme.
func decodeSluice(t *testing.T, stream string) []any {
	t.Helper()
	dec := serializer.NewCodecFactory(sluicescheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	var objs []any
	for i, doc := range splitDocuments(t, stream) {
		var meta struct{ APIVersion string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if meta.APIVersion != sluiceAPIVersion {
			continue
		}
		obj, _, err := dec.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("document %d does not decode strictly: %v\n%s", i, err, doc)
		}
		objs = append(objs, obj)
	}
	return objs
}

func assertSluiceObjectsDecodeStrictly(t *testing.T, stream string) {
	t.Helper()
	decodeSluice(t, stream)
}

// The converted experiment and Kayenta template are what the Go types say
// (kayenta_lint_test.go lints them).
func TestConvertKayentaToJudge(t *testing.T) {
	r := runConvert(t, "", "--kayenta-config", "testdata/kayenta-config.json", "-f", "testdata/argo-kayenta.in.yaml")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	objs := decodeSluice(t, r.stdout)
	if len(objs) != 2 {
		t.Fatalf("%d sluice objects, want 2", len(objs))
	}
	ro, tmpl := objs[0].(*v1alpha1.Rollout), objs[1].(*v1alpha1.AnalysisTemplate)
	c := ro.Spec.Strategy.Canary
	step := c.Steps[1].Analysis
	if c.Baseline == nil || c.Baseline.Replicas.StrVal != v1alpha1.BaselineMatchCanary || c.Baseline.Metadata.Labels["role"] != "baseline" ||
		c.BaselineService != "guestbook-baseline" || step == nil || step.Templates[0].TemplateName != "kayenta-judge" || len(step.Args) != 3 ||
		*step.Args[0].ValueFrom.PodTemplateHashValue != v1alpha1.Baseline || *step.Args[1].ValueFrom.PodTemplateHashValue != v1alpha1.Latest ||
		step.Args[2].ValueFrom.FieldRef.FieldPath != "metadata.namespace" || len(c.Steps) != 4 {
		t.Errorf("canary strategy %+v, step 1 %+v", c, step)
	}
	j := tmpl.Spec.Metrics[0].Provider.Judge
	if j == nil || j.CanaryScope != "{{args.canary-hash}}" || j.BaselineScope != "{{args.baseline-hash}}" || j.Pass != 90 || j.Marginal != 70 ||
		j.Resolution != "30s" || len(j.Groups) != 2 || j.Groups[1] != (v1alpha1.JudgeGroup{Name: "system", Weight: 60}) || len(j.Metrics) != 2 {
		t.Fatalf("judge %+v", j)
	}
	latency, cpu := j.Metrics[0], j.Metrics[1]
	if latency.Direction != v1alpha1.JudgeIncrease || latency.EffectSize.AllowedIncrease != "1.1" || latency.Outliers != "remove" || latency.NaN != "remove" ||
		latency.Group != "latency" || !strings.Contains(latency.Query, `pod_template_hash="{{scope}}"`) {
		t.Errorf("p99-latency %+v", latency)
	}
	if cpu.Direction != v1alpha1.JudgeEither || !cpu.Critical || cpu.Group != "system" ||
		cpu.Query != `container_cpu_usage_seconds_total{namespace="shop",rollouts_pod_template_hash="{{scope}}"}` {
		t.Errorf("cpu %+v", cpu)
	}
	if len(tmpl.Spec.Args) != 3 {
		t.Errorf("args %+v: start-time and end-time should be gone", tmpl.Spec.Args)
	}
}

func TestConvertKayentaErrors(t *testing.T) {
	template := func(config string) string {
		raw, err := os.ReadFile("testdata/argo-kayenta.in.yaml")
		if err != nil {
			t.Fatal(err)
		}
		doc := string(raw)[strings.Index(string(raw), "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate"):]
		return strings.Replace(doc, "canaryConfigName: guestbook-canary", "canaryConfigName: "+config, 1)
	}
	datadogOnly := `{"name": "dd", "metrics": [{"name": "e", "query": {"type": "datadog", "metricName": "x"}}]}`
	dir := t.TempDir()
	ddFile := dir + "/dd.json"
	if err := os.WriteFile(ddFile, []byte(datadogOnly), 0o644); err != nil {
		t.Fatal(err)
	}
	notConfig := dir + "/not.json"
	if err := os.WriteFile(notConfig, []byte(`{"name": "x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		line  string
	}{
		{"no config given", []string{"-f", "-"}, template("guestbook-canary"),
			`error: -#0: metric "judge" uses Kayenta canary config "guestbook-canary": give it with --kayenta-config FILE (Kayenta's GET /canaryConfig/{id}), as the judge needs its metrics`},
		{"another config given", []string{"--kayenta-config", "testdata/kayenta-config.json", "-f", "-"}, template("checkout"),
			`error: -#0: metric "judge" uses Kayenta canary config "checkout": give it with --kayenta-config FILE (Kayenta's GET /canaryConfig/{id}), as the judge needs its metrics`},
		{"no Prometheus metric", []string{"--kayenta-config", ddFile, "-f", "-"}, template("dd"),
			`error: -#0: metric "judge": no metric of Kayenta canary config "dd" queries Prometheus, so the judge would compare nothing`},
		{"not a canary config", []string{"--kayenta-config", notConfig, "-f", "-"}, template("x"),
			"error: " + notConfig + "#0: not a Kayenta canary config: it has no metrics"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runConvert(t, tc.stdin, tc.args...)
			if r.code != exitFailure || r.stdout != "" {
				t.Errorf("exit %d, stdout %q; want exit %d and nothing written", r.code, r.stdout, exitFailure)
			}
			wantOneErrorLine(t, r, tc.line)
		})
	}
}
