package rollout

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// The Rollout controller's metrics (SPEC §5). Label sets are bounded: reasons and
// outcomes come from fixed lists; only sluice_rollout_info carries object names,
// one series per Rollout, read from the cache at scrape time.
var (
	// The buckets are fine between 10 and 300 ms, where a reconcile's share of
	// a reaction under 100 ms is judged (test/bench reads p50 and p95 from them).
	reconcileDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "sluice_rollout_reconcile_duration_seconds",
		Help:    "Time one Rollout reconcile took, API calls included.",
		Buckets: []float64{.001, .0025, .005, .01, .02, .03, .05, .075, .1, .15, .2, .3, .5, 1, 2.5, 5},
	})
	reconcileErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sluice_rollout_reconcile_errors_total",
		Help: "Rollout reconciles that failed (conflicts excluded) and were retried.",
	})
	// staleRetries counts syncs that found the cache behind this controller's
	// own last write and looked again staleRetry later: the price of cache lag
	// on a reaction.
	staleRetries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_rollout_stale_retries_total",
		Help: "Rollout syncs that stopped because the informer cache did not show the controller's own last write yet, and retried shortly after, by the object that lagged.",
	}, []string{"object"})
	// ownWriteReads counts the objects a sync took from this controller's own
	// last write instead of the lagging cache (freshness.Tracker.Latest and
	// Pending): each is a reaction that did not wait for the watch.
	ownWriteReads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_rollout_own_write_reads_total",
		Help: "Objects a Rollout sync read from the controller's own last write because the informer cache did not show it yet, by object.",
	}, []string{"object"})
	eventsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_rollout_events_total",
		Help: "Kubernetes events the Rollout controller recorded, by reason.",
	}, []string{"reason"})
	// rolloutDuration is a delivery metric: one observation per update that
	// ends, from its start to its outcome (docs/metrics.md says how both are
	// read from the status).
	rolloutDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "sluice_rollout_duration_seconds",
		Help:    "Time from the start of a Rollout update to its outcome: Promoted, Aborted, or RolledBack (an older revision made stable again).",
		Buckets: []float64{10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400, 28800, 86400},
	}, []string{"outcome"})
	rolloutInfoDesc = prometheus.NewDesc("sluice_rollout_info",
		"One series per Rollout, with its strategy and phase.",
		[]string{"namespace", "name", "strategy", "phase"}, nil)
)

// Collectors are the controller's collectors, for the process's registry.
func (c *Controller) Collectors() []prometheus.Collector {
	return []prometheus.Collector{reconcileDuration, reconcileErrors, staleRetries, ownWriteReads, eventsTotal, rolloutDuration, rolloutInfo{c}}
}

// Outcomes of an update, the values of sluice_rollout_duration_seconds' label.
const (
	outcomePromoted   = "Promoted"
	outcomeAborted    = "Aborted"
	outcomeRolledBack = "RolledBack"
)

// Objects a sync can find lagging behind its own write, the values of
// sluice_rollout_stale_retries_total's label.
const (
	lagRollout           = "rollout"            // the Rollout's own status or metadata
	lagReplicaSet        = "replicaset"         // a ReplicaSet it scaled, annotated or evicted a pod of
	lagReplicaSetCreated = "replicaset-created" // a ReplicaSet it created (new or baseline), not cached yet
	lagService           = "service"            // a Service whose selector it switched
	lagAnalysisRun       = "analysisrun"        // a run it labelled
)

func init() {
	// Every outcome and lagging object is exported from the start, so rate()
	// and increase() see a zero before the first observation instead of a
	// missing series.
	for _, o := range []string{outcomePromoted, outcomeAborted, outcomeRolledBack} {
		rolloutDuration.WithLabelValues(o)
	}
	for _, o := range []string{lagRollout, lagReplicaSet, lagReplicaSetCreated, lagService, lagAnalysisRun} {
		staleRetries.WithLabelValues(o)
		ownWriteReads.WithLabelValues(o)
	}
}

// retryStale counts a sync that stopped on a cache behind its own write to
// object and returns how soon to look again.
func retryStale(object string) time.Duration {
	staleRetries.WithLabelValues(object).Inc()
	return staleRetry
}

// observeUpdateEnd records sluice_rollout_duration_seconds when the status a
// sync has just written ends an update. It runs where the sync records its
// events, after the status write succeeded, so an outcome is observed once: a
// failed write is retried by a sync that decides afresh, and the next sync starts
// from the written status, in which the update has already ended.
func observeUpdateEnd(prev, next *v1alpha1.RolloutStatus, in plan.Input, newRS *appsv1.ReplicaSet, now time.Time) {
	// The revisions are those before this sync's writes: a ReplicaSet that
	// becomes stable is given the newest revision number only in apply.
	rolledBack := in.New != nil && in.Stable != nil && in.New.Revision < in.Stable.Revision
	outcome, start, ended := updateEnd(prev, next, rolledBack, newRS.CreationTimestamp.Time, now)
	if ended {
		rolloutDuration.WithLabelValues(outcome).Observe(max(0, now.Sub(start).Seconds()))
	}
}

// updateEnd decides whether going from status prev to status next ends an
// update, with which outcome, and when that update started. It is pure: the
// start is derived from the persisted status, so it survives restarts and
// leader changes.
//
//   - Aborted: the Progressing condition turns to reason RolloutAborted. That
//     covers every way an abort begins (status.abort written by a user, a failed
//     analysis, progressDeadlineAbort) and a second abort after a retry, and is
//     not repeated while the rollout stays aborted.
//   - Promoted or RolledBack: status.stableRS moves to the current pod hash,
//     except on the first deploy (no stable before). RolledBack when the new
//     ReplicaSet's revision was older than the previous stable one's: an undo to a
//     template that still had its ReplicaSet.
//
// The start is when the Completed condition last turned False (the sync that
// first saw the new template), but never before the new ReplicaSet was created:
// the Completed condition may have been False already (an aborted update, pods
// missing), and a new template's update cannot begin before its ReplicaSet. With
// Completed still True in prev, the update began and ended within this sync.
func updateEnd(prev, next *v1alpha1.RolloutStatus, rolledBack bool, newRSCreated, now time.Time) (outcome string, start time.Time, ended bool) {
	switch {
	case progressingReason(prev) != v1alpha1.ReasonRolloutAborted && progressingReason(next) == v1alpha1.ReasonRolloutAborted:
		outcome = outcomeAborted
	case prev.StableRS != "" && prev.StableRS != next.StableRS && next.StableRS == next.CurrentPodHash:
		outcome = outcomePromoted
		if rolledBack {
			outcome = outcomeRolledBack
		}
	default:
		return "", time.Time{}, false
	}
	start = now
	if c := condition(prev, v1alpha1.RolloutCompleted); c != nil && c.Status == corev1.ConditionFalse {
		start = c.LastTransitionTime.Time
	}
	if newRSCreated.After(start) {
		start = newRSCreated
	}
	return outcome, start, true
}

func progressingReason(st *v1alpha1.RolloutStatus) string {
	if c := condition(st, v1alpha1.RolloutProgressing); c != nil {
		return c.Reason
	}
	return ""
}

// rolloutInfo reports sluice_rollout_info from the informer cache at scrape time,
// so deleted Rollouts disappear without bookkeeping.
type rolloutInfo struct{ c *Controller }

func (r rolloutInfo) Describe(ch chan<- *prometheus.Desc) { ch <- rolloutInfoDesc }

func (r rolloutInfo) Collect(ch chan<- prometheus.Metric) {
	ros, err := r.c.rolloutLister.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ro := range ros {
		strategy := "canary"
		if ro.Spec.Strategy.BlueGreen != nil {
			strategy = "blueGreen"
		}
		phase := string(ro.Status.Phase)
		if ro.Status.ObservedGeneration != ro.Generation {
			phase = string(v1alpha1.RolloutPhaseProgressing)
		}
		ch <- prometheus.MustNewConstMetric(rolloutInfoDesc, prometheus.GaugeValue, 1, ro.Namespace, ro.Name, strategy, phase)
	}
}

// observeReconcile records one reconcile's duration and outcome.
func observeReconcile(start time.Time, failed bool) {
	reconcileDuration.Observe(time.Since(start).Seconds())
	if failed {
		reconcileErrors.Inc()
	}
}

// countingRecorder counts every event by reason before recording it.
type countingRecorder struct{ record.EventRecorder }

func (r countingRecorder) Event(obj runtime.Object, eventtype, reason, message string) {
	eventsTotal.WithLabelValues(reason).Inc()
	r.EventRecorder.Event(obj, eventtype, reason, message)
}

func (r countingRecorder) Eventf(obj runtime.Object, eventtype, reason, messageFmt string, args ...any) {
	eventsTotal.WithLabelValues(reason).Inc()
	r.EventRecorder.Eventf(obj, eventtype, reason, messageFmt, args...)
}

func (r countingRecorder) AnnotatedEventf(obj runtime.Object, annotations map[string]string, eventtype, reason, messageFmt string, args ...any) {
	eventsTotal.WithLabelValues(reason).Inc()
	r.EventRecorder.AnnotatedEventf(obj, annotations, eventtype, reason, messageFmt, args...)
}
