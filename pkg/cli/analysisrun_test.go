package cli

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func successRateTemplate() *v1alpha1.AnalysisTemplate {
	addr := "http://prometheus:9090"
	return &v1alpha1.AnalysisTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "success-rate", Namespace: "default"},
		Spec: v1alpha1.AnalysisTemplateSpec{
			Args: []v1alpha1.Argument{{Name: "service"}, {Name: "address", Value: &addr}},
			Metrics: []v1alpha1.Metric{{Name: "rate", Provider: v1alpha1.MetricProvider{
				Prometheus: &v1alpha1.PrometheusMetric{Address: "{{args.address}}", Query: "up{service=\"{{args.service}}\"}"},
			}}},
		},
	}
}

func TestCreateAnalysisRunFromTemplate(t *testing.T) {
	c := newFakeCluster(t, successRateTemplate())
	r := c.run("create", "analysisrun", "--from", "success-rate", "-a", "service=web", "--name", "once")
	wantExit(t, r, 0)
	run, err := c.sluice.SluiceV1alpha1().AnalysisRuns("default").Get(context.Background(), "once", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Spec.Metrics) != 1 || *run.Spec.Args[0].Value != "web" || *run.Spec.Args[1].Value != "http://prometheus:9090" {
		t.Fatalf("run spec: %+v", run.Spec)
	}
}

func TestCreateAnalysisRunNeedsEveryArgument(t *testing.T) {
	c := newFakeCluster(t, successRateTemplate())
	wantOneErrorLine(t, c.run("create", "analysisrun", "--from", "success-rate"),
		`error: argument "service" has no value in template "success-rate": give it with -a service=VALUE`)
	wantOneErrorLine(t, c.run("create", "analysisrun", "--from", "success-rate", "-a", "service=web", "-a", "zone=x"),
		`error: template "success-rate" has no argument "zone"`)
	wantOneErrorLine(t, c.run("create", "analysisrun", "--from", "nope"),
		`error: AnalysisTemplate "nope" not found in namespace "default"`)
	wantExit(t, c.run("create", "analysisrun"), ExitUsage)
}

func TestTerminateAnalysisRun(t *testing.T) {
	run := &v1alpha1.AnalysisRun{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "default"}}
	c := newFakeCluster(t, run)
	wantExit(t, c.run("terminate", "analysisrun", "r"), 0)
	got, err := c.sluice.SluiceV1alpha1().AnalysisRuns("default").Get(context.Background(), "r", metav1.GetOptions{})
	if err != nil || !got.Spec.Terminate {
		t.Fatalf("terminate not set: %+v %v", got.Spec, err)
	}
	wantOneErrorLine(t, c.run("terminate", "analysisrun", "nope"), `error: analysisrun "nope" not found in namespace "default"`)
}
