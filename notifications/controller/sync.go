package controller

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/sluice-dev/sluice/notifications/ledger"
	"github.com/sluice-dev/sluice/notifications/render"
	"github.com/sluice-dev/sluice/notifications/services"
	"github.com/sluice-dev/sluice/notifications/triggers"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

var everything = labels.Everything()

// Event reasons on the Rollout.
const reasonFailed = "NotificationFailed"

// sync works out and delivers what is due for one Rollout, and returns when
// to look again (the earliest retry or claim expiry; 0 for no timed wait).
//
// Two writes at most per sync, both conditioned on resourceVersion: the claim
// (with skipped deliveries, new routes and marks), then the outcomes.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) (time.Duration, error) {
	ro, err := c.rolloutLister.Rollouts(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if c.fresh.Stale(ro) {
		// The cache has not caught up with this controller's last ledger
		// write; its update event wakes the Rollout again.
		return 0, nil
	}
	logger := klog.FromContext(ctx)
	routes := c.routesFor(ctx, ro, c.configsFor(ctx, ro.Namespace))
	raw, hasLedger := ro.Annotations[ledger.Annotation]
	if len(routes) == 0 && !hasLedger {
		return 0, nil // nothing subscribed, nothing recorded: no write
	}
	l, err := ledger.Decode(raw)
	if err != nil {
		// A ledger someone broke by hand: start afresh. Every route is new
		// again, so the present is recorded, not sent.
		logger.Info("Notification ledger unreadable, starting a new one", "err", err)
		l = ledger.Ledger{}
	}
	now := c.cfg.Clock.Now()
	in := c.triggerInput(ro, l, now)
	wants, evalErrs := wantedDeliveries(triggers.Events(in), routes, render.Eval)
	for _, e := range evalErrs {
		logger.Info("Notification condition failed; treated as false", "err", e)
	}
	decision := ledger.Decide(l, deliveriesOf(wants), routeKeys(routes), now,
		ledger.Policy{Holder: c.cfg.Holder, ClaimTimeout: c.cfg.ClaimTimeout, GiveUpAfter: c.cfg.GiveUp})
	marked := false
	if triggers.MarksMatter(routeTriggers(routes)) {
		marked = l.Remember(triggers.Marks(in))
	}
	if !decision.Changes() && !marked {
		return untilDue(decision.Due, now), nil
	}
	l.Apply(decision, now, c.cfg.Holder)
	claimed, err := c.writeLedger(ctx, ro, l)
	if err != nil {
		return 0, err // a conflict: someone else moved; look again, send nothing
	}
	countDecision(decision)
	if len(decision.Claim) == 0 {
		return untilDue(decision.Due, now), nil
	}

	byID := make(map[string]wanted, len(wants))
	for _, w := range wants {
		byID[w.ID()] = w
	}
	outcomes := c.sendBatches(ctx, destinationBatches(decision.Claim, byID), l, now)
	c.reportOutcomes(ctx, ro, outcomes)
	retry, err := c.recordOutcomes(ctx, claimed, outcomes)
	if err != nil {
		return 0, fmt.Errorf("record notification outcomes: %w", err)
	}
	due := decision.Due
	if !retry.IsZero() {
		due = earliest(due, retry)
	}
	return untilDue(due, c.cfg.Clock.Now()), nil
}

// triggerInput gathers the stored state the triggers read.
func (c *Controller) triggerInput(ro *v1alpha1.Rollout, l ledger.Ledger, now time.Time) triggers.Input {
	revisions, created := c.replicaSetsOf(ro)
	return triggers.Input{Rollout: ro, Runs: c.runsOf(ro), Revisions: revisions, Created: created, Seen: l.View(), Now: now}
}

// replicaSetsOf maps each of the Rollout's ReplicaSets' pod-template hash to
// its revision and creation time.
func (c *Controller) replicaSetsOf(ro *v1alpha1.Rollout) (map[string]int64, map[string]time.Time) {
	objs, _ := c.rsIndex.ByIndex(rsOwnerIndex, string(ro.UID))
	revisions := make(map[string]int64, len(objs))
	created := make(map[string]time.Time, len(objs))
	for _, o := range objs {
		if rs, ok := o.(*appsv1.ReplicaSet); ok {
			if hash, rev, ok := replicaSetRevision(rs); ok {
				revisions[hash] = rev
				created[hash] = rs.CreationTimestamp.Time
			}
		}
	}
	return revisions, created
}

// reportOutcomes counts every outcome and leaves a Warning Event on the
// Rollout for each failure, naming the service and the error.
func (c *Controller) reportOutcomes(ctx context.Context, ro *v1alpha1.Rollout, outcomes []outcome) {
	logger := klog.FromContext(ctx)
	for _, o := range outcomes {
		result := resultSent
		switch {
		case o.err == nil:
			logger.V(2).Info("Notification sent", "trigger", o.Trigger, "service", o.Service, "recipient", o.Recipient, "id", o.ID())
		case o.notTried:
			logger.V(2).Info("Notification held back", "id", o.ID(), "reason", o.err)
			continue
		default:
			result = resultFailed
			if !retryable(o.err) {
				result = resultGaveUp
			}
			logger.Info("Notification failed", "trigger", o.Trigger, "service", o.Service, "recipient", o.Recipient, "id", o.ID(), "err", o.err, "retry", result == resultFailed)
			c.recordWarning(ro, reasonFailed, fmt.Sprintf("%s %s%s: %v", o.Trigger, o.Service, recipientSuffix(o.Recipient), o.err))
		}
		sentTotal.WithLabelValues(serviceKind(o.Service), o.Trigger, result).Inc()
	}
}

// countDecision counts deliveries recorded without a send.
func countDecision(d ledger.Decision) {
	for _, s := range d.Skip {
		sentTotal.WithLabelValues(serviceKind(s.Service), s.Trigger, resultSkipped).Inc()
	}
	for _, g := range d.GiveUp {
		sentTotal.WithLabelValues(serviceKind(g.Service), g.Trigger, resultGaveUp).Inc()
	}
}

func recipientSuffix(r string) string {
	if r == "" {
		return ""
	}
	return " (" + r + ")"
}

func retryable(err error) bool { return services.IsRetryable(err) }

func retryDelay(err error, id string, attempt int) time.Duration {
	return services.RetryDelay(err, id, attempt)
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// untilDue is how long from now until due; 0 for none, and at least a
// second for one already past (the ledger's times are whole seconds).
func untilDue(due, now time.Time) time.Duration {
	if due.IsZero() {
		return 0
	}
	return max(due.Sub(now), time.Second)
}
