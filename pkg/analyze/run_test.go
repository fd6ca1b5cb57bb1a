package analyze

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func templateSpec() *v1alpha1.AnalysisTemplateSpec {
	return &v1alpha1.AnalysisTemplateSpec{
		Args: []v1alpha1.Argument{
			{Name: "service"},
			{Name: "canary-hash"},
			{Name: "interval", Value: ptr("1m")},
			{Name: "token", ValueFrom: &v1alpha1.ValueFrom{SecretKeyRef: &v1alpha1.SecretKeyRef{Name: "creds", Key: "token"}}},
		},
		Metrics: []v1alpha1.Metric{{
			Name: "errors", Interval: "{{args.interval}}", InitialDelay: "1m", Count: ptr(intstr.FromInt32(5)),
			Provider: v1alpha1.MetricProvider{Prometheus: &v1alpha1.PrometheusMetric{Query: "q"}},
		}},
	}
}

func argValue(run *v1alpha1.AnalysisRun, name string) (string, bool) {
	for _, a := range run.Spec.Args {
		if a.Name == name && a.Value != nil {
			return *a.Value, true
		}
	}
	return "", false
}

func TestBuildRunTakesGivenThenRolloutThenTemplateValues(t *testing.T) {
	start := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	run, shown, err := BuildRun(Request{
		Template: TemplateRef{Name: "t"}, Spec: templateSpec(), Namespace: "shop",
		Given:       map[string]string{"service": "web", "interval": "2m"},
		FromRollout: map[string]string{"canary-hash": "abc", "interval": "30s", "extra": "x"},
		WindowStart: start,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"service": "web", "interval": "2m", "canary-hash": "abc", "extra": "x"} {
		if got, ok := argValue(run, name); !ok || got != want {
			t.Errorf("arg %s = %q (set %v), want %q", name, got, ok, want)
		}
	}
	if got := argsText(shown); got != "service=web canary-hash=abc interval=2m token=<Secret creds, key token>" {
		t.Errorf("arguments shown as %q", got)
	}
	m := run.Spec.Metrics[0]
	if m.Count != nil || m.Interval != "" || m.InitialDelay != "" {
		t.Errorf("metric keeps count %v, interval %q, initialDelay %q: analyze measures once, now", m.Count, m.Interval, m.InitialDelay)
	}
	if run.Status.StartedAt == nil || !run.Status.StartedAt.Time.Equal(start) || run.Namespace != "shop" {
		t.Errorf("run started %v in %q, want %v in shop", run.Status.StartedAt, run.Namespace, start)
	}
	if templateSpec().Metrics[0].Count == nil {
		t.Fatal("the template itself changed")
	}
}

func TestBuildRunRefusesMissingAndUnknownArguments(t *testing.T) {
	for _, row := range []struct {
		name string
		req  Request
		want string
	}{
		{"a value missing, no rollout",
			Request{Template: TemplateRef{Name: "t"}, Spec: templateSpec(), Given: map[string]string{"service": "web"}},
			`argument "canary-hash" of AnalysisTemplate "t" has no value: give it with -a canary-hash=VALUE, or --rollout NAME for the values a Rollout passes`},
		{"a value missing, with a rollout",
			Request{Template: TemplateRef{Name: "t", ClusterScope: true}, Spec: templateSpec(), FromRollout: map[string]string{"canary-hash": "abc"}},
			`argument "service" of ClusterAnalysisTemplate "t" has no value: give it with -a service=VALUE`},
		{"an argument the template does not declare",
			Request{Template: TemplateRef{Name: "t"}, Spec: templateSpec(), Given: map[string]string{"service": "web", "canary-hash": "a", "servce": "x"}},
			`AnalysisTemplate "t" has no argument "servce" (its arguments: service, canary-hash, interval, token)`},
	} {
		t.Run(row.name, func(t *testing.T) {
			_, _, err := BuildRun(row.req)
			if err == nil || err.Error() != row.want {
				t.Errorf("error %v,\nwant %s", err, row.want)
			}
			if err != nil && row.name == "a value missing, with a rollout" && strings.Contains(err.Error(), "--rollout") {
				t.Error("the hint suggests --rollout, which was given")
			}
		})
	}
}

func TestWindowStart(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	canary, baseline := now.Add(-20*time.Minute), now.Add(-18*time.Minute)
	for _, row := range []struct {
		name  string
		since time.Duration
		sides []time.Time
		want  time.Time
	}{
		{"--since wins", 5 * time.Minute, []time.Time{canary, baseline}, now.Add(-5 * time.Minute)},
		{"the newer side", 0, []time.Time{canary, baseline}, baseline},
		{"no sides", 0, nil, now.Add(-DefaultWindow)},
		{"a side from the future (clock skew)", 0, []time.Time{now.Add(time.Minute)}, now.Add(-DefaultWindow)},
	} {
		if got := WindowStart(now, row.since, row.sides); !got.Equal(row.want) {
			t.Errorf("%s: %v, want %v", row.name, got, row.want)
		}
	}
}
