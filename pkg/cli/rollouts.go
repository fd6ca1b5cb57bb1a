package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// fieldManager names the plugin in managedFields.
const fieldManager = "kubectl-sluice"

// getRollout reads a rollout; a missing one is reported in the user's terms.
func (s *session) getRollout(ctx context.Context, name string) (*v1alpha1.Rollout, error) {
	ro, err := s.sluice.SluiceV1alpha1().Rollouts(s.namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, s.rolloutError(name, err)
	}
	return ro, nil
}

// rolloutError rewrites an API error about a rollout for the user.
func (s *session) rolloutError(name string, err error) error {
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("rollout %q not found in namespace %q", name, s.namespace)
	}
	return fmt.Errorf("rollout %q: %w", name, err)
}

// patchSpec merge-patches fields of spec.
func (s *session) patchSpec(ctx context.Context, name string, spec map[string]any) (*v1alpha1.Rollout, error) {
	return s.mergePatch(ctx, name, map[string]any{"spec": spec}, "")
}

// patchStatus merge-patches fields of status through the status subresource, the
// only way the API server accepts status changes.
func (s *session) patchStatus(ctx context.Context, name string, status map[string]any) (*v1alpha1.Rollout, error) {
	return s.mergePatch(ctx, name, map[string]any{"status": status}, "status")
}

// patchStatusAt is patchStatus made conditional on the rollout still being at
// resourceVersion, for writes computed from what was read (a step index).
func (s *session) patchStatusAt(ctx context.Context, name, resourceVersion string, status map[string]any) (*v1alpha1.Rollout, error) {
	return s.mergePatch(ctx, name, withPrecondition(map[string]any{"status": status}, resourceVersion), "status")
}

// patchSpecAt is patchSpec made conditional on the rollout still being at
// resourceVersion.
func (s *session) patchSpecAt(ctx context.Context, name, resourceVersion string, spec map[string]any) (*v1alpha1.Rollout, error) {
	return s.mergePatch(ctx, name, withPrecondition(map[string]any{"spec": spec}, resourceVersion), "")
}

// withPrecondition adds resourceVersion to a merge patch: the API server then
// applies it only to that version of the object and answers 409 Conflict when
// the object has been written since.
func withPrecondition(patch map[string]any, resourceVersion string) map[string]any {
	if resourceVersion != "" {
		patch["metadata"] = map[string]any{"resourceVersion": resourceVersion}
	}
	return patch
}

func (s *session) mergePatch(ctx context.Context, name string, patch map[string]any, subresource string) (*v1alpha1.Rollout, error) {
	body, err := json.Marshal(patch)
	if err != nil {
		return nil, err
	}
	return s.patch(ctx, name, types.MergePatchType, body, subresource)
}

// jsonPatchOp is one RFC 6902 operation.
type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// jsonPatch applies RFC 6902 operations to the rollout.
func (s *session) jsonPatch(ctx context.Context, name string, ops []jsonPatchOp) (*v1alpha1.Rollout, error) {
	body, err := json.Marshal(ops)
	if err != nil {
		return nil, err
	}
	return s.patch(ctx, name, types.JSONPatchType, body, "")
}

func (s *session) patch(ctx context.Context, name string, pt types.PatchType, body []byte, subresource string) (*v1alpha1.Rollout, error) {
	var sub []string
	if subresource != "" {
		sub = []string{subresource}
	}
	ro, err := s.sluice.SluiceV1alpha1().Rollouts(s.namespace).Patch(ctx, name, pt, body, metav1.PatchOptions{FieldManager: fieldManager}, sub...)
	if err != nil {
		return nil, s.rolloutError(name, err)
	}
	return ro, nil
}

// forEachRollout runs an action on each named rollout, going on after a failure so
// that one bad name does not stop the others. The errors are joined into one line.
func forEachRollout(names []string, action func(name string) error) error {
	var failed []string
	for _, name := range names {
		if err := action(name); err != nil {
			failed = append(failed, oneLine(err.Error()))
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return errors.New(strings.Join(failed, "; "))
}
