package rollout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/sluice-dev/sluice/internal/freshness"
	"github.com/sluice-dev/sluice/internal/priority"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// staleRetry is how soon a sync that found its cache behind its own last write
// looks again. The informer event that brings the write usually arrives first.
const staleRetry = 50 * time.Millisecond

// errSpecInvalid marks a sync that stopped at an InvalidSpec: the key is retried
// with backoff, without logging an error, until the spec (or a referenced object)
// is fixed. Fixing a referenced Service also wakes the Rollout at once.
var errSpecInvalid = errors.New("invalid spec")

// sync reconciles one Rollout: observe, plan, apply, write status. It returns how
// soon the Rollout needs another look without a watch event (0 = not needed).
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) (time.Duration, error) {
	logger := klog.FromContext(ctx)
	cached, err := c.rolloutLister.Rollouts(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		c.counts.done(key)
		c.pauses.record(key, nil)
		return 0, c.releaseServices(ctx, key.Namespace, key.Name)
	}
	if err != nil {
		return 0, err
	}
	cached, fresh := latestOf(c.freshness, cached, lagRollout)
	if !fresh {
		return retryStale(lagRollout), nil
	}
	if cached.DeletionTimestamp != nil {
		return 0, nil // the garbage collector removes the owned ReplicaSets
	}
	ro := cached.DeepCopy()
	v1alpha1.SetRolloutDefaults(ro)
	now := c.clock.Now()

	rss, err := c.ownedReplicaSets(ctx, ro)
	if err != nil {
		return 0, err
	}
	rss, fresh = latestAll(c.freshness, rss, lagReplicaSet)
	if !fresh {
		return retryStale(lagReplicaSet), nil
	}
	// A ReplicaSet this controller created that the cache does not show yet
	// is acted on as the create returned it.
	for _, created := range c.freshness.Pending(ro.UID, func(name string) bool { return containsName(rss, name) }) {
		if rs, ok := created.(*appsv1.ReplicaSet); ok {
			ownWriteReads.WithLabelValues(lagReplicaSetCreated).Inc()
			rss = append(rss, rs)
		}
	}
	rss, baselines := splitBaselines(rss)

	if msg := c.invalidSpec(ro); msg != "" {
		return 0, c.reportInvalid(ctx, ro, msg, rss, now)
	}

	template, workload := c.podTemplate(ro)
	newRS, err := c.currentReplicaSet(ctx, ro, template, workload, rss)
	if err != nil {
		return 0, err
	}
	var pending *appsv1.ReplicaSet // the new ReplicaSet when apply still has to create it
	if newRS == nil {
		pending = newReplicaSet(ro, template, rss)
		newRS = pending
	}
	if !containsRS(rss, newRS) {
		rss = append(rss, newRS)
	}

	in, svcs, servicesFresh := c.observe(ro, newRS, rss, baselines, now)
	if !servicesFresh {
		return retryStale(lagService), nil // a Service this controller switched is not in the cache yet
	}
	in.ExactPauseStarts = c.pauses.of(key)
	runs, stale := c.observeRuns(ro, newRS.Labels[HashLabel])
	if stale {
		return retryStale(lagAnalysisRun), nil // a run this controller labelled is not in the cache yet
	}
	analysisInput(&in, ro, runs.current)
	decide := plan.Canary
	if ro.Spec.Strategy.BlueGreen != nil {
		decide = plan.BlueGreen
	}
	p := decide(in)
	// The requests this sync makes on its way to a transition users see (the
	// AnalysisRun of the step it moves to) wait in the client's rate limiter at
	// that transition's priority, so its status write is not held up behind
	// its own prerequisites. writeStatus judges the final status again.
	ctx = priority.With(ctx, statusWriteLevel(&ro.Status, &p.Status))
	logger.V(4).Info("Planned", "replicas", p.Replicas, "step", ptrValue(p.Status.CurrentStepIndex),
		"stableService", p.StableServiceHash, "canaryService", p.CanaryServiceHash,
		"activeService", p.ActiveServiceHash, "previewService", p.PreviewServiceHash)

	if err := c.apply(ctx, ro, p, rss, pending, template, svcs); err != nil {
		return 0, err
	}
	if err := c.applyBaseline(ctx, ro, p.Baseline, baselines, byHash(rss, ro.Status.StableRS), svcs.baseline); err != nil {
		return 0, err
	}
	if err := c.releaseServices(ctx, ro.Namespace, ro.Name); err != nil {
		return 0, err // a Service it no longer names (see release.go)
	}
	st := p.Status
	if p.Traffic != nil {
		if err := c.applyTraffic(ctx, ro, *p.Traffic, &st); err != nil {
			return 0, err
		}
	}
	if err := c.reconcileAnalyses(ctx, ro, p, &st, newRS, runs); err != nil {
		return 0, err
	}
	restartIn, err := c.restartIfSteady(ctx, ro, &st, newRS, rss)
	if err != nil {
		return 0, err
	}
	if workload != nil {
		st.WorkloadObservedGeneration = workload.Generation
	}
	deadlineIn := completeStatus(ro, &st, statusFacts{newRS: newRS, rss: rss, now: now, unwritten: c.counts.latest(key), scaleDownAt: p.ScaleDownAt, abortedBecause: eventMessage(p.Events, "RolloutAborted"), waitingFor: p.WaitingForAnalysis,
		newWanted: plannedReplicas(p, newRS)})
	if err := c.scaleDownWorkload(ctx, ro, workload, &st); err != nil {
		return 0, err
	}
	writeIn, err := c.writeStatus(ctx, cached, st)
	if err != nil {
		return 0, err
	}
	c.pauses.record(key, st.PauseConditions)
	for _, e := range p.Events {
		c.recorder.Event(cached, eventType(e.Warning), e.Reason, e.Message)
	}
	observeUpdateEnd(&cached.Status, &st, in, newRS, now)
	return earliest(earliest(p.RequeueAfter, deadlineIn), earliest(restartIn, writeIn)), nil
}

// restartIfSteady works on spec.restartAt once the Rollout runs one template at
// full availability and is not paused: a restart never mixes with an update.
func (c *Controller) restartIfSteady(ctx context.Context, ro *v1alpha1.Rollout, st *v1alpha1.RolloutStatus, newRS *appsv1.ReplicaSet, rss []*appsv1.ReplicaSet) (time.Duration, error) {
	steady := st.StableRS == newRS.Labels[HashLabel] && !ro.Spec.Paused && !st.Abort
	if ro.Spec.RestartAt == nil || !steady {
		return 0, nil
	}
	done, wait, err := c.restartPods(ctx, ro, rss)
	if err != nil {
		return 0, err
	}
	if done {
		st.RestartedAt = ro.Spec.RestartAt.DeepCopy()
	}
	return wait, nil
}

// currentReplicaSet returns the ReplicaSet that runs the pod template, or nil
// when none does yet. The answer is persisted as status.currentPodHash for
// status.observedGeneration (and the workload's generation), so the template is
// looked for again only when it may have changed (see identifyReplicaSet).
//
// An InvalidSpec status also records the generation it saw, without looking at
// the template: while one stands, currentPodHash may belong to an older
// template, so the template is looked for again.
func (c *Controller) currentReplicaSet(ctx context.Context, ro *v1alpha1.Rollout, template *corev1.PodTemplateSpec, workload *appsv1.Deployment, rss []*appsv1.ReplicaSet) (*appsv1.ReplicaSet, error) {
	unchanged := ro.Status.ObservedGeneration == ro.Generation &&
		(workload == nil || ro.Status.WorkloadObservedGeneration == workload.Generation) &&
		!conditionTrue(&ro.Status, v1alpha1.RolloutInvalidSpec)
	if unchanged && ro.Status.CurrentPodHash != "" {
		if rs := byHash(rss, ro.Status.CurrentPodHash); rs != nil {
			return rs, nil
		}
	}
	return c.identifyReplicaSet(ctx, ro, template, rss)
}

// latestOf returns the version of a cached object a sync acts on: the cached
// one, or the one this controller's own last write returned when the cache is
// behind it (freshness.Tracker.Latest). fresh is false when the sync must wait
// for the cache instead.
func latestOf[T metav1.Object](f *freshness.Tracker, cached T, object string) (T, bool) {
	latest, ok := f.Latest(cached)
	if !ok {
		return cached, false
	}
	own, isT := latest.(T)
	if !isT {
		return cached, false
	}
	if any(own) != any(cached) {
		ownWriteReads.WithLabelValues(object).Inc()
	}
	return own, true
}

// latestAll applies latestOf to each object, in a new slice.
func latestAll[T metav1.Object](f *freshness.Tracker, cached []T, object string) ([]T, bool) {
	out := make([]T, len(cached))
	for i, o := range cached {
		latest, fresh := latestOf(f, o, object)
		if !fresh {
			return cached, false
		}
		out[i] = latest
	}
	return out, true
}

// managedServices are the Services a Rollout's strategy points at ReplicaSets;
// those the strategy does not use (or that do not exist) are nil.
type managedServices struct {
	stable, canary, baseline, active, preview *corev1.Service
}

// observe builds the plan input from the caches (and, while a Service may be
// moving, its EndpointSlices). A Service cached older than this controller's
// last write to it is read as that write returned it; fresh is false when one
// cannot be (the sync waits for the cache).
func (c *Controller) observe(ro *v1alpha1.Rollout, newRS *appsv1.ReplicaSet, rss, baselines []*appsv1.ReplicaSet, now time.Time) (in plan.Input, svcs managedServices, fresh bool) {
	in = plan.Input{Rollout: ro, Now: now}
	for _, rs := range baselines {
		in.Baselines = append(in.Baselines, replicaSetInfo(rs))
	}
	newHash := newRS.Labels[HashLabel]
	for _, rs := range rss {
		info := replicaSetInfo(rs)
		switch {
		case rs.Name == newRS.Name:
			in.New = info
		case ro.Status.StableRS != "" && info.Hash == ro.Status.StableRS:
			in.Stable = info
		default:
			in.Others = append(in.Others, info)
		}
	}
	fresh = true
	get := func(name string) *corev1.Service {
		if name == "" {
			return nil
		}
		svc, _ := c.serviceLister.Services(ro.Namespace).Get(name)
		if svc == nil {
			return nil
		}
		latest, ok := latestOf(c.freshness, svc, lagService)
		fresh = fresh && ok
		return latest
	}
	// Every Service's EndpointSlices are read whenever a ReplicaSet may be scaled
	// down: during an update (the new ReplicaSet is not the stable one: its
	// steps, an abort, the cutover) and while an old ReplicaSet still has pods.
	// The plan keeps a ReplicaSet's pods while any Service's slices do not show
	// that Service's selection alone (plan's servedByServices), so a Service
	// left unread there would hold them for ever: an aborted canary kept its
	// pods until a retry. At rest (the stable ReplicaSet alone) none is read.
	othersRun := slices.ContainsFunc(slices.Concat(in.Others, in.Baselines), func(rs *plan.ReplicaSet) bool { return rs.Pods > 0 || rs.Replicas > 0 })
	moving := othersRun || ro.Status.StableRS != newHash
	if canary := ro.Spec.Strategy.Canary; canary != nil {
		svcs.stable, svcs.canary = get(canary.StableService), get(canary.CanaryService)
		in.StableService = c.observeService(svcs.stable, moving)
		in.CanaryService = c.observeService(svcs.canary, moving)
		svcs.baseline = get(canary.BaselineService)
		in.BaselineService = c.observeService(svcs.baseline, moving)
	} else {
		bg := ro.Spec.Strategy.BlueGreen
		svcs.active, svcs.preview = get(bg.ActiveService), get(bg.PreviewService)
		in.ActiveService = c.observeService(svcs.active, moving)
		in.PreviewService = c.observeService(svcs.preview, moving)
	}
	return in, svcs, fresh
}

// apply carries out a plan: scale-downs before scale-ups (so the surge bound
// holds even between the writes), then Services, then bookkeeping. pending is
// the new ReplicaSet when it does not exist yet: it is created at its planned
// size where the scale-ups are made.
func (c *Controller) apply(ctx context.Context, ro *v1alpha1.Rollout, p plan.Plan, rss []*appsv1.ReplicaSet, pending *appsv1.ReplicaSet, template *corev1.PodTemplateSpec, svcs managedServices) error {
	// Role metadata first, so pods a scale-up creates already carry it.
	if err := c.applyRoleMetadata(ctx, ro, p, rss, pending); err != nil {
		return err
	}
	for _, growing := range []bool{false, true} {
		for i, rs := range rss {
			want, ok := p.Replicas[rs.Name]
			if isPending(rs, pending) {
				if growing {
					created, err := c.createReplicaSet(ctx, ro, rs, template, want)
					if err != nil {
						return err
					}
					rss[i] = created
				}
				continue
			}
			if !ok || (want > ptrValue(rs.Spec.Replicas)) != growing {
				continue
			}
			written, err := c.scaleReplicaSet(ctx, ro, rs, want)
			if err != nil {
				return err
			}
			rss[i] = written // later writes in this sync start from the new version
		}
	}
	for _, target := range []struct {
		svc  *corev1.Service
		hash string
	}{{svcs.stable, p.StableServiceHash}, {svcs.canary, p.CanaryServiceHash}, {svcs.active, p.ActiveServiceHash}, {svcs.preview, p.PreviewServiceHash}} {
		if err := c.pointService(ctx, ro, target.svc, target.hash); err != nil {
			return err
		}
	}
	for i, rs := range rss {
		if at, ok := p.ScaleDownAt[rs.Name]; ok {
			written, err := c.setScaleDownDeadline(ctx, rs, at)
			if err != nil {
				return err
			}
			rss[i] = written
		}
	}
	// A ReplicaSet that becomes stable takes the newest revision number, so the
	// revision history reads in release order (an undo brings an old one back).
	if p.Status.StableRS != ro.Status.StableRS {
		if rs := byHash(rss, p.Status.StableRS); rs != nil && revisionOf(rs) < maxRevision(rss) {
			if err := c.setRevision(ctx, rs, maxRevision(rss)+1); err != nil {
				return err
			}
		}
	}
	return c.cleanupHistory(ctx, ro, rss, p.Status.StableRS, p.Status.CurrentPodHash)
}

// applyRoleMetadata gives the new and stable ReplicaSets' pods the metadata of
// their current role (canaryMetadata/stableMetadata, previewMetadata/activeMetadata).
// A pending ReplicaSet gets it into the object it will be created from.
func (c *Controller) applyRoleMetadata(ctx context.Context, ro *v1alpha1.Rollout, p plan.Plan, rss []*appsv1.ReplicaSet, pending *appsv1.ReplicaSet) error {
	for i, rs := range rss {
		hash := rs.Labels[HashLabel]
		if hash != p.Status.StableRS && hash != p.Status.CurrentPodHash {
			continue
		}
		want := roleMetadata(ro, rs, p.Status.StableRS)
		if isPending(rs, pending) {
			rss[i], _, _ = withRoleMetadata(ro, rs, want)
			continue
		}
		written, err := c.syncRoleMetadata(ctx, ro, rs, want)
		if err != nil {
			return err
		}
		rss[i] = written // later writes in this sync start from the new version
	}
	return nil
}

// reportInvalid records an InvalidSpec: condition, Degraded phase and one event
// per distinct message. Nothing is scaled or switched.
func (c *Controller) reportInvalid(ctx context.Context, ro *v1alpha1.Rollout, msg string, rss []*appsv1.ReplicaSet, now time.Time) error {
	st := ro.Status.DeepCopy()
	previous := ""
	if conditionTrue(st, v1alpha1.RolloutInvalidSpec) {
		previous = condition(st, v1alpha1.RolloutInvalidSpec).Message
	}
	completeStatus(ro, st, statusFacts{invalid: msg, rss: rss, now: now})
	if _, err := c.writeStatus(ctx, ro, *st); err != nil {
		return err // a batched counts-only write waits for the retry (errSpecInvalid backs off)
	}
	if previous != msg {
		c.recorder.Event(ro, corev1.EventTypeWarning, "InvalidSpec", msg)
	}
	return fmt.Errorf("%w: %s", errSpecInvalid, msg)
}

func replicaSetInfo(rs *appsv1.ReplicaSet) *plan.ReplicaSet {
	return &plan.ReplicaSet{
		Name:        rs.Name,
		Hash:        rs.Labels[HashLabel],
		Revision:    revisionOf(rs),
		Replicas:    ptrValue(rs.Spec.Replicas),
		Pods:        rs.Status.Replicas,
		Ready:       rs.Status.ReadyReplicas,
		Available:   rs.Status.AvailableReplicas,
		ScaleDownAt: scaleDownDeadline(rs),
		Synced:      rs.Status.ObservedGeneration >= rs.Generation,
	}
}

func byHash(rss []*appsv1.ReplicaSet, hash string) *appsv1.ReplicaSet {
	for _, rs := range rss {
		if rs.Labels[HashLabel] == hash {
			return rs
		}
	}
	return nil
}

func containsRS(rss []*appsv1.ReplicaSet, rs *appsv1.ReplicaSet) bool {
	return containsName(rss, rs.Name)
}

// isPending reports whether rs is the pending (not yet created) ReplicaSet.
func isPending(rs, pending *appsv1.ReplicaSet) bool {
	return pending != nil && rs.Name == pending.Name
}

func containsName(rss []*appsv1.ReplicaSet, name string) bool {
	for _, r := range rss {
		if r.Name == name {
			return true
		}
	}
	return false
}

func eventType(warning bool) string {
	if warning {
		return corev1.EventTypeWarning
	}
	return corev1.EventTypeNormal
}

// earliest is the smaller positive duration (0 = none).
func earliest(a, b time.Duration) time.Duration {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return min(a, b)
}

func equalPtr(a, b *int32) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// plannedReplicas is the spec.replicas a plan gives a ReplicaSet: its new
// size, or the one it has when the plan leaves it alone.
func plannedReplicas(p plan.Plan, rs *appsv1.ReplicaSet) int32 {
	if n, ok := p.Replicas[rs.Name]; ok {
		return n
	}
	return ptrValue(rs.Spec.Replicas)
}

// eventMessage is the message of the plan's event with a reason, or "".
func eventMessage(events []plan.Event, reason string) string {
	for _, e := range events {
		if e.Reason == reason {
			return e.Message
		}
	}
	return ""
}
