package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// fakePrometheus answers instant and range queries from a function of the
// query, and records the queries it was sent.
type fakePrometheus struct {
	*httptest.Server
	mu      sync.Mutex
	queries []string
}

// promAnswer is a result: a scalar for instant queries, or samples for range
// queries; nil is an empty vector or matrix.
type promAnswer []float64

func newFakePrometheus(t *testing.T, answer func(query string) promAnswer) *fakePrometheus {
	p := &fakePrometheus{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.FormValue("query")
		p.mu.Lock()
		p.queries = append(p.queries, q)
		p.mu.Unlock()
		values := answer(q)
		var data map[string]any
		switch {
		case strings.HasSuffix(r.URL.Path, "/query_range"):
			points := make([][]any, len(values))
			for i, v := range values {
				points[i] = []any{float64(1767366000 + 15*i), fmt.Sprint(v)}
			}
			result := []any{}
			if len(values) > 0 {
				result = append(result, map[string]any{"metric": map[string]string{}, "values": points})
			}
			data = map[string]any{"resultType": "matrix", "result": result}
		case strings.HasSuffix(r.URL.Path, "/query"):
			result := []any{}
			for _, v := range values {
				result = append(result, map[string]any{"metric": map[string]string{}, "value": []any{1767366000.0, fmt.Sprint(v)}})
			}
			data = map[string]any{"resultType": "vector", "result": result}
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": data})
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *fakePrometheus) sent() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.queries...)
}

// builtinTemplate reads a ClusterAnalysisTemplate of manifests/analysis.
func builtinTemplate(t *testing.T, name string) *v1alpha1.ClusterAnalysisTemplate {
	t.Helper()
	raw, err := os.ReadFile("../../manifests/analysis/" + name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	var tmpl v1alpha1.ClusterAnalysisTemplate
	if err := yaml.UnmarshalStrict(raw, &tmpl); err != nil {
		t.Fatal(err)
	}
	return &tmpl
}

// judgedCanary is the fixture rollout with a baseline, judged in a step by
// the built-in http-judge with the values a user would pass.
func judgedCanary() *v1alpha1.Rollout {
	ro := canaryRollout()
	hash := func(which v1alpha1.ValueFromPodTemplateHash) *v1alpha1.ArgumentValueFrom {
		return &v1alpha1.ArgumentValueFrom{PodTemplateHashValue: &which}
	}
	c := ro.Spec.Strategy.Canary
	c.Baseline = &v1alpha1.CanaryBaseline{Replicas: ptr(intstr.FromString(v1alpha1.BaselineMatchCanary))}
	c.Steps = append(c.Steps[:1], append([]v1alpha1.CanaryStep{{Analysis: &v1alpha1.RolloutAnalysis{
		Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: "http-judge", ClusterScope: true}},
		Args: []v1alpha1.AnalysisRunArgument{
			{Name: "namespace", ValueFrom: &v1alpha1.ArgumentValueFrom{FieldRef: &v1alpha1.FieldRef{FieldPath: "metadata.namespace"}}},
			{Name: "canary-hash", ValueFrom: hash(v1alpha1.Latest)},
			{Name: "baseline-hash", ValueFrom: hash(v1alpha1.Baseline)},
		},
	}}}, c.Steps[1:]...)...)
	return ro
}

// judgeData is Prometheus for a canary erring at 2% against a baseline at
// 0.5%, 30% slower, by the queries of http-judge.
func judgeData(baselineHash string) func(string) promAnswer {
	return func(q string) promAnswer {
		canary := strings.Contains(q, `pod_template_hash="`+canaryHash+`"`)
		baseline := strings.Contains(q, `pod_template_hash="`+baselineHash+`"`)
		if canary == baseline {
			return nil
		}
		switch {
		case strings.Contains(q, `code=~"5.."`) && canary:
			return promAnswer{120}
		case strings.Contains(q, `code=~"5.."`):
			return promAnswer{30}
		case strings.Contains(q, "http_requests_total"):
			return promAnswer{6000}
		}
		samples := make(promAnswer, 20)
		for i := range samples {
			samples[i] = 0.1 + 0.001*float64(i%5)
			if canary {
				samples[i] *= 1.3
			}
		}
		return samples
	}
}

// The acceptance case: analyze prints the judge's table for a running canary,
// with the hashes the Rollout passes, and writes nothing.
func TestAnalyzeJudgesARunningCanary(t *testing.T) {
	ro := judgedCanary()
	baselineHash := plan.BaselineHash(stableHash, canaryHash)
	baselineRS := replicaSet(ro, baselineHash, 0, "example.com/web:1.0", 1, 1, 4*time.Minute)
	c := newFakeCluster(t, ro, builtinTemplate(t, "http-judge"),
		replicaSet(ro, canaryHash, 2, "example.com/web:2.0", 1, 1, 5*time.Minute), baselineRS)
	prom := newFakePrometheus(t, judgeData(baselineHash))

	r := c.run("analyze", "http-judge", "--cluster", "--rollout", "web", "--prometheus-address", prom.URL)
	wantExit(t, r, ExitFailure)
	t.Log(r.stdout)
	for _, want := range []string{
		"Template:  ClusterAnalysisTemplate http-judge (from the cluster)\n",
		"Rollout:   default/web, the values of spec.strategy.canary.steps[1].analysis\n",
		fmt.Sprintf("Arguments: namespace=default canary-hash=%s baseline-hash=%s interval=1m count=5\n", canaryHash, baselineHash),
		"(4m0s ago, warmup added)", // the baseline's ReplicaSet is the newer side
		"judge   judge     ✖ Failed  score 0",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if !hasLine(r.stdout, "error-ratio", "High", "6000/6000") {
		t.Errorf("no High error-ratio row in the judge table:\n%s", r.stdout)
	}
	if !hasLine(r.stdout, "p99-latency", "High", "1.3", "20/20") {
		t.Errorf("no High p99-latency row with effect 1.3 in the judge table:\n%s", r.stdout)
	}
	sent := strings.Join(prom.sent(), "\n")
	if !strings.Contains(sent, `namespace="default",pod_template_hash="`+canaryHash+`"`) || !strings.Contains(sent, `pod_template_hash="`+baselineHash+`"`) {
		t.Errorf("queries do not name both sides:\n%s", sent)
	}
	wantReadOnly(t, c)
}

// hasLine reports whether one line of text holds every part.
func hasLine(text string, parts ...string) bool {
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

// wantReadOnly fails the test if a command did anything but read.
func wantReadOnly(t *testing.T, c *fakeCluster) {
	t.Helper()
	for _, a := range append(c.sluice.Actions(), c.kube.Actions()...) {
		if v := a.GetVerb(); v != "get" && v != "list" {
			t.Errorf("analyze wrote to the cluster: %s %s", v, a.GetResource().Resource)
		}
	}
}

// A canary like its baseline passes: exit 0.
func TestAnalyzePassesACanaryLikeItsBaseline(t *testing.T) {
	ro := judgedCanary()
	baselineHash := plan.BaselineHash(stableHash, canaryHash)
	c := newFakeCluster(t, ro, builtinTemplate(t, "http-judge"))
	prom := newFakePrometheus(t, func(q string) promAnswer {
		if !strings.Contains(q, canaryHash) && !strings.Contains(q, baselineHash) {
			return nil
		}
		switch {
		case strings.Contains(q, `code=~"5.."`):
			return promAnswer{12}
		case strings.Contains(q, "http_requests_total"):
			return promAnswer{6000}
		}
		return promAnswer{0.1, 0.11, 0.12, 0.1, 0.11, 0.12, 0.1, 0.11, 0.12, 0.1, 0.11, 0.12}
	})
	r := c.run("analyze", "http-judge", "--cluster", "--rollout", "web", "--prometheus-address", prom.URL, "--since", "5m")
	wantExit(t, r, ExitOK)
	if !strings.Contains(r.stdout, "✔ Successful  score 100") || !hasLine(r.stdout, "error-ratio", "Pass") || !hasLine(r.stdout, "p99-latency", "Pass") {
		t.Errorf("output:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "(5m0s ago, warmup added)") {
		t.Errorf("--since did not set the window:\n%s", r.stdout)
	}
}

// Threshold metrics print their value, the phase their conditions give it
// and the query as sent; a job metric is not run.
func TestAnalyzeAThresholdTemplate(t *testing.T) {
	tmpl := &v1alpha1.AnalysisTemplate{}
	tmpl.Name, tmpl.Namespace = "checks", "default"
	tmpl.Spec = v1alpha1.AnalysisTemplateSpec{
		Args: []v1alpha1.Argument{{Name: "service"}},
		Metrics: []v1alpha1.Metric{
			{Name: "success-rate", Interval: "30s", Count: ptr(intstr.FromInt32(5)), SuccessCondition: "result[0] >= 0.95",
				Provider: v1alpha1.MetricProvider{Prometheus: &v1alpha1.PrometheusMetric{Query: `sum(rate(ok{service="{{args.service}}"}[1m]))`}}},
			{Name: "smoke", Provider: v1alpha1.MetricProvider{Job: &v1alpha1.JobMetric{}}},
		},
	}
	c := newFakeCluster(t, tmpl)
	prom := newFakePrometheus(t, func(q string) promAnswer {
		if q == `sum(rate(ok{service="web-canary"}[1m]))` {
			return promAnswer{0.97}
		}
		return nil
	})
	r := c.run("analyze", "checks", "-a", "service=web-canary", "--prometheus-address", prom.URL)
	wantExit(t, r, ExitOK)
	for _, want := range []string{
		"success-rate  prometheus  ✔ Successful  [0.97]",
		"smoke         job         - not run",
		`  query: sum(rate(ok{service="web-canary"}[1m]))`,
		"not run: a job metric measures by running a Job, which would write to the cluster",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = c.run("analyze", "checks", "-a", "service=nope", "--prometheus-address", prom.URL)
	wantExit(t, r, ExitFailure)
	if !strings.Contains(r.stdout, "success-rate  prometheus  ✖ Error") || !strings.Contains(r.stdout, "query returned no data") {
		t.Errorf("an empty result:\n%s", r.stdout)
	}
	wantReadOnly(t, c)
}

// A template from a file needs no cluster when its arguments are given.
func TestAnalyzeAFileWithoutACluster(t *testing.T) {
	prom := newFakePrometheus(t, func(string) promAnswer { return promAnswer{0.99} })
	o := (&fakeCluster{t: t}).options()
	o.newSession = func() (*session, error) { return nil, fmt.Errorf("kubeconfig: no configuration has been provided") }
	cmd := newRootCommand(o)
	var out strings.Builder
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"analyze", "-f", "../../manifests/examples/analysistemplate.yaml", "-a", "service=web", "--prometheus-address", prom.URL})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("analyze -f without a cluster: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "✔ Successful  [0.99]") {
		t.Errorf("output:\n%s", out.String())
	}
}

// Bad input: one line on stderr, a non-zero exit, nothing queried.
func TestAnalyzeBadInput(t *testing.T) {
	ro := judgedCanary()
	for _, row := range []struct {
		name    string
		objects []runtime.Object
		args    []string
		code    int
		want    string
	}{
		{"no template", nil, []string{"analyze"}, ExitUsage,
			"error: analyze needs a TEMPLATE, or -f FILE (see 'kubectl sluice analyze --help')"},
		{"two templates", nil, []string{"analyze", "a", "b"}, ExitUsage,
			"error: analyze takes one TEMPLATE, got 2 arguments (see 'kubectl sluice analyze --help')"},
		{"an argument without =", nil, []string{"analyze", "a", "-a", "service"}, ExitUsage,
			`error: argument "service" is not NAME=VALUE (see 'kubectl sluice analyze --help')`},
		{"a template not there", nil, []string{"analyze", "nope"}, ExitFailure,
			`error: AnalysisTemplate "nope" not found in namespace "default"`},
		{"a cluster template not there", nil, []string{"analyze", "nope", "--cluster"}, ExitFailure,
			`error: ClusterAnalysisTemplate "nope" not found`},
		{"an argument left out", []runtime.Object{builtinTemplate(t, "http-judge")}, []string{"analyze", "http-judge", "--cluster"}, ExitFailure,
			`error: argument "namespace" of ClusterAnalysisTemplate "http-judge" has no value: give it with -a namespace=VALUE, or --rollout NAME for the values a Rollout passes`},
		{"an argument the template lacks", []runtime.Object{builtinTemplate(t, "http-judge")},
			[]string{"analyze", "http-judge", "--cluster", "-a", "namespace=x", "-a", "canary-hash=a", "-a", "baseline-hash=b", "-a", "canary=c"}, ExitFailure,
			`error: ClusterAnalysisTemplate "http-judge" has no argument "canary" (its arguments: namespace, canary-hash, baseline-hash, interval, count)`},
		{"a Rollout not there", []runtime.Object{builtinTemplate(t, "http-judge")}, []string{"analyze", "http-judge", "--cluster", "--rollout", "nope"}, ExitFailure,
			`error: rollout "nope" not found in namespace "default"`},
		{"a Rollout that does not use the template", []runtime.Object{ro, builtinTemplate(t, "istio-judge")},
			[]string{"analyze", "istio-judge", "--cluster", "--rollout", "web"}, ExitFailure,
			fmt.Sprintf(`error: Rollout "web" has no analysis that uses ClusterAnalysisTemplate "istio-judge", so it passes it no values: give them with -a NAME=VALUE (its hashes: stable %s, canary %s, baseline %s)`,
				stableHash, canaryHash, plan.BaselineHash(stableHash, canaryHash))},
		{"a negative window", nil, []string{"analyze", "a", "--since", "-5m"}, ExitUsage,
			"error: --since must not be negative, got -5m0s (see 'kubectl sluice analyze --help')"},
		{"a file that is not there", nil, []string{"analyze", "-f", "nope.yaml"}, ExitFailure,
			"error: read nope.yaml: open nope.yaml: no such file or directory"},
	} {
		t.Run(row.name, func(t *testing.T) {
			c := newFakeCluster(t, row.objects...)
			r := c.run(row.args...)
			if r.code != row.code || strings.TrimSpace(r.stderr) != row.want || r.stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q\nwant exit %d, stderr %q", r.code, r.stderr, r.stdout, row.code, row.want)
			}
			wantReadOnly(t, c)
		})
	}
}
