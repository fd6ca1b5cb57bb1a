// Package job is the job metric provider: a measurement runs a Kubernetes Job
// owned by the AnalysisRun; the Job succeeding is a Successful measurement, the
// Job failing a Failed one.
package job

import (
	"context"
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"

	"github.com/sluice-dev/sluice/analysis/provider"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

const (
	// RunUIDLabel is on every Job a job metric creates, holding the run's UID;
	// the controller's Job informer is filtered to it.
	RunUIDLabel = "sluice.dev/analysis-run-uid"
	// MetricLabel holds the metric's name (when it is a valid label value).
	MetricLabel = "sluice.dev/metric"
	// instanceLabel scopes the Job to a controller instance, like the run.
	instanceLabel = "sluice.dev/instance-id"
	// nameKey is the measurement metadata key holding the Job's name.
	nameKey = "job-name"
	// recheckAfter is the safety-net interval for checking a running Job; Job
	// events wake the run sooner.
	recheckAfter = 30 * time.Second
)

// Provider runs job metrics.
type Provider struct {
	kube       kubernetes.Interface
	jobs       batchlisters.JobLister
	instanceID string
}

// New returns a job provider that creates Jobs with kube and reads them from
// the lister (filtered to RunUIDLabel).
func New(kube kubernetes.Interface, jobs batchlisters.JobLister, instanceID string) *Provider {
	return &Provider{kube: kube, jobs: jobs, instanceID: instanceID}
}

var _ provider.Provider = (*Provider)(nil)

// Type implements provider.Provider.
func (p *Provider) Type() string { return "job" }

// Measure starts a Job (inProgress == nil) or checks the one a previous call started.
func (p *Provider) Measure(ctx context.Context, run *v1alpha1.AnalysisRun, metric v1alpha1.Metric, inProgress *v1alpha1.Measurement) (provider.Outcome, error) {
	if inProgress == nil {
		return p.startJob(ctx, run, metric)
	}
	name := inProgress.Metadata[nameKey]
	j, err := p.jobs.Jobs(run.Namespace).Get(name)
	if apierrors.IsNotFound(err) {
		// Just created and not yet in the cache, or deleted by someone: ask the
		// API server which.
		j, err = p.kube.BatchV1().Jobs(run.Namespace).Get(ctx, name, metav1.GetOptions{})
	}
	if apierrors.IsNotFound(err) {
		return provider.Outcome{}, fmt.Errorf("Job %q was deleted before it finished", name)
	}
	if err != nil {
		return provider.Outcome{}, fmt.Errorf("read Job %q: %w", name, err)
	}
	return judge(j), nil
}

// judge reads a Job's outcome from its conditions.
func judge(j *batchv1.Job) provider.Outcome {
	meta := map[string]string{nameKey: j.Name}
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return provider.Outcome{Phase: v1alpha1.AnalysisPhaseSuccessful, Text: "succeeded", Metadata: meta}
		case batchv1.JobFailed:
			text := "failed"
			if c.Reason != "" {
				text += " (" + c.Reason + ")"
			}
			return provider.Outcome{Phase: v1alpha1.AnalysisPhaseFailed, Text: text, Metadata: meta}
		}
	}
	return provider.Outcome{Phase: v1alpha1.AnalysisPhaseRunning, ResumeAfter: recheckAfter, Metadata: meta}
}

// startJob creates the metric's Job, owned by the run so it is deleted with it.
func (p *Provider) startJob(ctx context.Context, run *v1alpha1.AnalysisRun, metric v1alpha1.Metric) (provider.Outcome, error) {
	spec := metric.Provider.Job
	labels := map[string]string{RunUIDLabel: string(run.UID)}
	for k, v := range spec.Metadata.Labels {
		labels[k] = v
	}
	if len(metric.Name) <= 63 {
		labels[MetricLabel] = metric.Name
	}
	if p.instanceID != "" {
		labels[instanceLabel] = p.instanceID
	}
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    generateName(run.Name, metric.Name),
			Namespace:       run.Namespace,
			Labels:          labels,
			Annotations:     spec.Metadata.Annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(run, v1alpha1.SchemeGroupVersion.WithKind("AnalysisRun"))},
		},
		Spec: *spec.Spec.DeepCopy(),
	}
	created, err := p.kube.BatchV1().Jobs(run.Namespace).Create(ctx, j, metav1.CreateOptions{})
	if err != nil {
		return provider.Outcome{}, fmt.Errorf("create Job for metric %q: %w", metric.Name, err)
	}
	return provider.Outcome{
		Phase: v1alpha1.AnalysisPhaseRunning, ResumeAfter: recheckAfter,
		Metadata: map[string]string{nameKey: created.Name},
	}, nil
}

// generateName is "<run>-<metric>-" cut so the generated name (5 more
// characters) stays within the 63 characters a Job's name may have: the Job
// controller puts the name in a label of the Job's pods.
// Characters a DNS label may not have become "-".
func generateName(run, metric string) string {
	b := []byte(strings.ToLower(run + "-" + metric))
	for i, ch := range b {
		if (ch < 'a' || ch > 'z') && (ch < '0' || ch > '9') {
			b[i] = '-'
		}
	}
	base := strings.Trim(string(b[:min(len(b), 57)]), "-")
	return base + "-"
}

// Terminate deletes a running measurement's Job and its pods.
func (p *Provider) Terminate(ctx context.Context, run *v1alpha1.AnalysisRun, _ v1alpha1.Metric, inProgress v1alpha1.Measurement) error {
	name := inProgress.Metadata[nameKey]
	if name == "" {
		return nil
	}
	policy := metav1.DeletePropagationBackground
	err := p.kube.BatchV1().Jobs(run.Namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete Job %q: %w", name, err)
	}
	return nil
}
