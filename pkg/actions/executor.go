package actions

import (
	"context"
	"encoding/json"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
)

// Executor reads objects, decides actions on them and makes their writes, with
// the clients and in the namespace of whoever acts (the plugin's kubeconfig,
// the dashboard's user).
type Executor struct {
	Sluice    sluiceclient.Interface
	Kube      kubernetes.Interface
	Namespace string
	// FieldManager names the client in the objects' managedFields.
	FieldManager string
}

// Apply decides an action on ro (as read) and makes its writes. It returns the
// sentence that says what they did, or the decision's *Declined error.
//
// Every write is conditioned on a resourceVersion: the first on ro's, each next
// one on the one the write before it returned. A concurrent change therefore
// makes a write conflict instead of acting on a rollout that has moved on, and
// the action's own writes never make its next one conflict. After a conflict
// the rollout is read again and the action decided again from it; a change that
// already wrote, or is pinned (promote, resume), goes on only with the writes
// still wanted.
func (e *Executor) Apply(ctx context.Context, ro *v1alpha1.Rollout, decide Decision) (string, error) {
	change, err := decide(ro)
	if err != nil {
		return "", err
	}
	pending, rv, wrote := change.Writes, ro.ResourceVersion, false
	for conflicts := 0; len(pending) > 0; {
		written, err := e.writeRollout(ctx, ro.Name, rv, pending[0])
		if err == nil {
			rv, wrote, pending = written.ResourceVersion, true, pending[1:]
			continue
		}
		if conflicts++; !apierrors.IsConflict(err) || conflicts > conflictRetries {
			return "", err
		}
		fresh, err := e.Rollout(ctx, ro.Name)
		if err != nil {
			return "", err
		}
		if pending, err = afterConflict(&change, pending, wrote, fresh, decide); err != nil {
			return "", err
		}
		rv = fresh.ResourceVersion
	}
	return change.Done, nil
}

// conflictRetries bounds how often an action reads again after a conflict: a
// rollout written this often while acting on it is left to the person to look
// at again.
const conflictRetries = 5

// afterConflict is what is left to write once a write conflicted, given the
// rollout read again. Nothing written yet and not pinned: the action is decided
// again (it may now be declined). Otherwise the writes no longer wanted are
// dropped; when that leaves none and none of the change's writes landed, the
// pinned change says why it did nothing.
func afterConflict(change *Change, pending []Write, wrote bool, fresh *v1alpha1.Rollout, decide Decision) ([]Write, error) {
	if !wrote && change.lost == nil {
		again, err := decide(fresh)
		if err != nil {
			return nil, err
		}
		*change = again
		return again.Writes, nil
	}
	var left []Write
	for _, w := range pending {
		if w.still == nil || w.still(fresh) {
			left = append(left, w)
		}
	}
	if len(left) == 0 && !wrote {
		return nil, change.lost(fresh)
	}
	return left, nil
}

// writeRollout makes one write to a rollout at resourceVersion.
func (e *Executor) writeRollout(ctx context.Context, name, resourceVersion string, w Write) (*v1alpha1.Rollout, error) {
	pt, body, err := patchOf(w, resourceVersion)
	if err != nil {
		return nil, err
	}
	var sub []string
	if w.Status {
		sub = []string{"status"}
	}
	ro, err := e.Sluice.SluiceV1alpha1().Rollouts(e.Namespace).Patch(ctx, name, pt, body, metav1.PatchOptions{FieldManager: e.FieldManager}, sub...)
	if err != nil {
		return nil, RolloutError(e.Namespace, name, err)
	}
	return ro, nil
}

// patchOf is the patch of a write, with resourceVersion (when known) as its
// precondition: the API server applies it only to that version of the object
// and answers 409 Conflict when the object has been written since.
func patchOf(w Write, resourceVersion string) (types.PatchType, []byte, error) {
	if w.Ops != nil {
		ops := w.Ops
		if resourceVersion != "" {
			ops = append(ops[:len(ops):len(ops)], JSONPatchOp{Op: "replace", Path: "/metadata/resourceVersion", Value: resourceVersion})
		}
		body, err := json.Marshal(ops)
		return types.JSONPatchType, body, err
	}
	part := "spec"
	if w.Status {
		part = "status"
	}
	patch := map[string]any{part: w.Merge}
	if resourceVersion != "" {
		patch["metadata"] = map[string]any{"resourceVersion": resourceVersion}
	}
	body, err := json.Marshal(patch)
	return types.MergePatchType, body, err
}
