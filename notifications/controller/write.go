package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/sluice-dev/sluice/notifications/ledger"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// writeLedger stores the ledger on the Rollout with a merge patch of that
// one annotation, conditioned on ro's resourceVersion (a resourceVersion in a
// patch is a precondition): if anyone changed the Rollout since it was read,
// the write fails with a conflict and nothing this sync decided stands. The
// patch never touches the spec.
func (c *Controller) writeLedger(ctx context.Context, ro *v1alpha1.Rollout, l ledger.Ledger) (*v1alpha1.Rollout, error) {
	text, err := l.Encode()
	if err != nil {
		return nil, err
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"resourceVersion": ro.ResourceVersion,
		"annotations":     map[string]string{ledger.Annotation: text},
	}})
	if err != nil {
		return nil, err
	}
	written, err := c.cfg.Sluice.SluiceV1alpha1().Rollouts(ro.Namespace).Patch(ctx, ro.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		return nil, fmt.Errorf("write notification ledger of %s/%s: %w", ro.Namespace, ro.Name, err)
	}
	c.fresh.Wrote(ro, written)
	return written, nil
}

// markAttempts bounds how often recording the outcomes is retried after a
// conflict (the Rollout controller writes status meanwhile).
const markAttempts = 5

// recordOutcomes writes what the sends came to, starting from the Rollout as
// the claim left it; after a conflict it reads the Rollout again from the API
// and applies the outcomes to its ledger. It returns the earliest retry it
// recorded (zero: none).
func (c *Controller) recordOutcomes(ctx context.Context, ro *v1alpha1.Rollout, outcomes []outcome) (time.Time, error) {
	var err error
	for range markAttempts {
		var l ledger.Ledger
		if l, err = ledger.Decode(ro.Annotations[ledger.Annotation]); err != nil {
			return time.Time{}, err
		}
		c.applyOutcomes(&l, outcomes, c.cfg.Clock.Now())
		if _, err = c.writeLedger(ctx, ro, l); !apierrors.IsConflict(err) {
			return earliestRetry(l, outcomes), err
		}
		if ro, err = c.cfg.Sluice.SluiceV1alpha1().Rollouts(ro.Namespace).Get(ctx, ro.Name, metav1.GetOptions{}); err != nil {
			return time.Time{}, fmt.Errorf("read %s/%s to record notification outcomes: %w", ro.Namespace, ro.Name, err)
		}
	}
	return time.Time{}, err
}

// earliestRetry is the earliest next try the ledger holds for the outcomes.
func earliestRetry(l ledger.Ledger, outcomes []outcome) time.Time {
	var due time.Time
	for _, o := range outcomes {
		if e, ok := l.Entries[o.ID()]; ok && e.State == ledger.StateFailed && !e.NextAt.IsZero() {
			due = earliest(due, e.NextAt)
		}
	}
	return due
}

// applyOutcomes marks each outcome in the ledger: sent, failed with its next
// try, or given up. A failure is recorded only while the claim is still this
// process's: one taken over meanwhile belongs to its new holder.
func (c *Controller) applyOutcomes(l *ledger.Ledger, outcomes []outcome, now time.Time) {
	for _, o := range outcomes {
		id := o.ID()
		if o.err == nil {
			l.MarkSent(id, now)
			if o.threadTS != "" {
				l.SetThread(o.Revision, o.Recipient, o.threadTS)
			}
			continue
		}
		e, ok := l.Entries[id]
		if !ok || e.State != ledger.StateClaimed || e.Holder != c.cfg.Holder {
			continue
		}
		switch {
		case o.notTried:
			l.MarkFailed(id, now, o.err.Error(), now)
		case retryable(o.err):
			l.MarkFailed(id, now, o.err.Error(), now.Add(retryDelay(o.err, id, e.Attempts)))
		default:
			l.MarkGaveUp(id, now, o.err.Error())
		}
	}
}
