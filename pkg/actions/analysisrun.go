package actions

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TerminateAnalysisRun reads an AnalysisRun, decides TerminateRun on it and
// makes its write, conditioned on the resourceVersion read; after a conflict it
// reads the run again and decides again (it may have finished meanwhile).
func (e *Executor) TerminateAnalysisRun(ctx context.Context, name string) (string, error) {
	runs := e.Sluice.SluiceV1alpha1().AnalysisRuns(e.Namespace)
	for conflicts := 0; ; conflicts++ {
		run, err := runs.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return "", e.runError(name, err)
		}
		change, err := TerminateRun(run)
		if err != nil {
			return "", err
		}
		err = e.writeRun(ctx, run, change.Writes)
		if err == nil {
			return change.Done, nil
		}
		if !apierrors.IsConflict(err) || conflicts >= conflictRetries {
			return "", e.runError(name, err)
		}
	}
}

// writeRun makes writes to an AnalysisRun's spec, the first at the
// resourceVersion read.
func (e *Executor) writeRun(ctx context.Context, run *v1alpha1.AnalysisRun, writes []Write) error {
	rv := run.ResourceVersion
	for _, w := range writes {
		pt, body, err := patchOf(w, rv)
		if err != nil {
			return err
		}
		written, err := e.Sluice.SluiceV1alpha1().AnalysisRuns(e.Namespace).Patch(ctx, run.Name, pt, body, metav1.PatchOptions{FieldManager: e.FieldManager})
		if err != nil {
			return err
		}
		rv = written.ResourceVersion
	}
	return nil
}

// runError rewrites an API error about an AnalysisRun for the user.
func (e *Executor) runError(name string, err error) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("analysisrun %q not found in namespace %q", name, e.Namespace)
	}
	return fmt.Errorf("analysisrun %q: %w", name, err)
}
