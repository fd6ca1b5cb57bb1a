package main

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The kinds that measure what the baseline and the judge cost (issue 23,
// item 5). "baseline" is a plain canary with canary.baseline: a third
// ReplicaSet, sized like the canary, from the first step until promotion.
// "judge" adds to that an analysis step whose metric is the judge provider
// comparing the canary with its baseline in Prometheus.
const (
	kindBaseline = "baseline"
	kindJudge    = "judge"

	judgeTemplateName = "bench-judge"
)

// baselineOf is the canary.baseline of the kinds that run one.
func baselineOf(kind string) *v1alpha1.CanaryBaseline {
	if kind != kindBaseline && kind != kindJudge {
		return nil
	}
	return &v1alpha1.CanaryBaseline{}
}

// judgeStep is the judge kind's analysis step: the template gets the canary's
// and the baseline's pod-template hashes, as a real judge would.
func judgeStep() v1alpha1.CanaryStep {
	hash := func(name string, of v1alpha1.ValueFromPodTemplateHash) v1alpha1.AnalysisRunArgument {
		return v1alpha1.AnalysisRunArgument{Name: name, ValueFrom: &v1alpha1.ArgumentValueFrom{PodTemplateHashValue: ptr.To(of)}}
	}
	return v1alpha1.CanaryStep{Analysis: &v1alpha1.RolloutAnalysis{
		Templates: []v1alpha1.AnalysisTemplateRef{{TemplateName: judgeTemplateName}},
		Args:      []v1alpha1.AnalysisRunArgument{hash("canary-hash", v1alpha1.Latest), hash("baseline-hash", v1alpha1.Baseline)},
	}}
}

// judgeQuery is the series the judge compares: the request rate of the
// bench's simulated version. The exporter has no per-hash series for the
// bench's thousands of hashes, so {{scope}} goes into a matcher on a label no
// series has (bench_scope!="<hash>"): both sides get the same series, the
// judge passes, and the cost — two range queries per look, the statistics,
// the verdict in status — is what a real judge pays.
func judgeQuery() string {
	return fmt.Sprintf(`sum(rate(sluice_test_requests_total{version=%q,bench_scope!="{{scope}}"}[5s]))`, exporterVersion)
}

// createJudgeTemplate creates the judge kind's AnalysisTemplate: one look
// (count 1) over a window of at least minSamples one-second steps.
func (e *env) createJudgeTemplate(ctx context.Context) error {
	t := &v1alpha1.AnalysisTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: judgeTemplateName, Namespace: e.namespace},
		Spec: v1alpha1.AnalysisTemplateSpec{
			Args: []v1alpha1.Argument{{Name: "canary-hash"}, {Name: "baseline-hash"}},
			Metrics: []v1alpha1.Metric{{
				Name: "judge",
				Provider: v1alpha1.MetricProvider{Judge: &v1alpha1.JudgeMetric{
					CanaryScope:   "{{args.canary-hash}}",
					BaselineScope: "{{args.baseline-hash}}",
					Resolution:    "1s",
					Pass:          95,
					Marginal:      75,
					Metrics: []v1alpha1.JudgeQuery{{
						Name: "request-rate", Type: v1alpha1.JudgeSeries, Query: judgeQuery(),
						Direction: v1alpha1.JudgeEither, MinSamples: 3,
					}},
				}},
			}},
		},
	}
	_, err := e.sluice.SluiceV1alpha1().AnalysisTemplates(e.namespace).Create(ctx, t, metav1.CreateOptions{})
	return err
}
