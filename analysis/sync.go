package analysis

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// staleRetry is how soon a sync that found a cache older than its own last
// write tries again; informers catch up within milliseconds.
const staleRetry = 50 * time.Millisecond

// busyRetry is how soon a run whose due measurement found every measurement slot
// taken tries again.
const busyRetry = time.Second

// sync reconciles one AnalysisRun and returns when to look at it again.
func (c *Controller) sync(ctx context.Context, key cache.ObjectName) (time.Duration, error) {
	cached, err := c.runLister.AnalysisRuns(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if c.freshness.Stale(cached) {
		return staleRetry, nil
	}
	if cached.Status.Phase.Completed() {
		return c.expire(ctx, cached)
	}
	run := cached.DeepCopy()
	now := c.clock.Now()
	prepared, err := c.prepare(ctx, run)
	if isTransient(err) {
		// Retried with backoff (processNextItem rate-limits a failed sync); the
		// event tells people why the run waits. err holds no secret value.
		c.recorder.Event(run, corev1.EventTypeWarning, "ArgumentUnavailable", err.Error()+"; retrying")
		return 0, err
	}
	if err != nil {
		c.complete(run, v1alpha1.AnalysisPhaseError, err.Error(), now)
		return 0, c.writeStatus(ctx, cached, run, nil)
	}
	start(run, prepared, now)
	finished := c.measurer.take(run.UID)
	c.recordFinished(run, prepared, finished)
	requeue := c.assess(ctx, run, prepared, now)
	if wait, hold := c.holdStartWrite(cached, run, prepared, now); hold {
		if requeue == 0 || wait < requeue {
			requeue = wait // the Running write is made by then at the latest
		}
		return requeue, nil
	}
	if err := c.writeStatus(ctx, cached, run, prepared.secrets); err != nil {
		c.measurer.putBack(run.UID, finished)
		return 0, err
	}
	if run.Status.Phase.Completed() {
		return c.expire(ctx, run)
	}
	return requeue, nil
}

// start marks a new run Running and lists its metrics in status.
func start(run *v1alpha1.AnalysisRun, prepared *preparedRun, now time.Time) {
	st := &run.Status
	if st.StartedAt == nil {
		t := metav1.NewTime(now)
		if prepared.startedAt != nil {
			t = *prepared.startedAt // started by an earlier sync whose write was held
		}
		st.StartedAt = &t
		st.Phase = v1alpha1.AnalysisPhaseRunning
	}
	for _, m := range prepared.metrics {
		if resultOf(run, m.spec.Name) == nil {
			st.MetricResults = append(st.MetricResults, v1alpha1.MetricResult{
				Name: m.spec.Name, Phase: v1alpha1.AnalysisPhasePending, DryRun: m.dryRun,
			})
		}
	}
}

// startWriteDelay bounds how long a run's first status write waits for its first
// measurements (see holdStartWrite).
const startWriteDelay = 2 * time.Second

// holdStartWrite decides whether the first sync of a run skips its write. That
// sync marks the run Running and starts its first measurements; written on its
// own, "Running" would cost a status write per run that the first result's
// write makes a few milliseconds later anyway (a Prometheus query or a web
// check). So while the stored run has not started, nothing has been measured
// yet and a measurement is in flight, the write waits, up to startWriteDelay:
// a Job metric takes longer, and its run then shows Running. The start time is
// kept so the later write stores the real one.
func (c *Controller) holdStartWrite(cached, run *v1alpha1.AnalysisRun, prepared *preparedRun, now time.Time) (time.Duration, bool) {
	measured, inFlight := false, false
	for _, m := range prepared.metrics {
		if r := resultOf(run, m.spec.Name); r != nil && len(r.Measurements) > 0 {
			measured = true
		}
		inFlight = inFlight || c.measurer.busy(run.UID, m.spec.Name)
	}
	wait, hold := startWriteWait(&run.Status, cached.Status.StartedAt != nil, measured, inFlight, now)
	if hold {
		prepared.startedAt = run.Status.StartedAt
	}
	return wait, hold
}

// startWriteWait decides holdStartWrite: a run just started by this sync (not
// stored as started), with nothing measured yet and a measurement in flight,
// waits for it until startWriteDelay after its start.
func startWriteWait(st *v1alpha1.AnalysisRunStatus, storedStarted, measured, inFlight bool, now time.Time) (time.Duration, bool) {
	if storedStarted || st.Phase != v1alpha1.AnalysisPhaseRunning || st.StartedAt == nil || measured || !inFlight {
		return 0, false
	}
	left := st.StartedAt.Add(startWriteDelay).Sub(now)
	return left, left > 0
}

// recordFinished writes the measurements that finished since the last sync
// into the metrics' results.
func (c *Controller) recordFinished(run *v1alpha1.AnalysisRun, prepared *preparedRun, finished []finishedMeasurement) {
	for _, f := range finished {
		r, m := resultOf(run, f.metric), prepared.metric(f.metric)
		if r == nil || m == nil || r.Phase.Completed() {
			continue
		}
		recordMeasurement(r, f.measurement, m.retain)
		endOnFinalError(r, f)
		for k, v := range f.metricMetadata {
			if r.Metadata == nil {
				r.Metadata = map[string]string{}
			}
			r.Metadata[k] = v
		}
		if f.measurement.Phase.Completed() {
			measurementsTotal.WithLabelValues(f.provider, string(f.measurement.Phase)).Inc()
		}
	}
}

// assess updates every metric's phase, ends the run when its outcome is known
// (or it was terminated), and otherwise starts the measurements that are due.
// It returns when the next measurement is due.
func (c *Controller) assess(ctx context.Context, run *v1alpha1.AnalysisRun, prepared *preparedRun, now time.Time) time.Duration {
	terminating := run.Spec.Terminate
	for _, m := range prepared.metrics {
		r := resultOf(run, m.spec.Name)
		r.Phase, r.Message = metricPhase(m, r, terminating && !c.measurer.busy(run.UID, m.spec.Name))
	}
	phase, message, decisive := runVerdict(run.Status.MetricResults)
	if terminating || decisive || phase.Completed() {
		if !c.stopMeasurements(ctx, run, prepared, now) {
			return busyRetry // a measurement is still finishing; record it first
		}
		phase, message, _ = runVerdict(run.Status.MetricResults)
		if terminating {
			message = terminatedMessage(message)
		}
		c.complete(run, phase, message, now)
		return 0
	}
	return c.startDue(ctx, run, prepared, now)
}

// terminatedMessage is the message of a run ended by spec.terminate: "run
// terminated", plus why it is not Successful when it is not (a metric that
// measured nothing good, see unproven, or one over its limits).
func terminatedMessage(verdict string) string {
	if verdict == "" {
		return "run terminated"
	}
	return "run terminated: " + verdict
}

// stopMeasurements ends every metric still running: a measurement in progress
// (a Job) is stopped and kept as an Error that counts for nothing, and the
// metric's phase is decided as terminated. It reports false while a measurement
// is in flight, whose result the run should still record.
func (c *Controller) stopMeasurements(ctx context.Context, run *v1alpha1.AnalysisRun, prepared *preparedRun, now time.Time) bool {
	for _, m := range prepared.metrics {
		if c.measurer.busy(run.UID, m.spec.Name) {
			return false
		}
	}
	for _, m := range prepared.metrics {
		r := resultOf(run, m.spec.Name)
		if last := inProgress(r); last != nil {
			if err := m.provider.Terminate(ctx, run, m.spec, *last); err != nil {
				klog.FromContext(ctx).Error(err, "Stop measurement", "metric", m.spec.Name)
			}
			finished := metav1.NewTime(now)
			last.Phase, last.Message, last.FinishedAt, last.ResumeAt = v1alpha1.AnalysisPhaseError, "stopped before it finished: the run ended", &finished, nil
		}
		if !r.Phase.Completed() {
			r.Phase, r.Message = metricPhase(m, r, true)
		}
	}
	return true
}

// startDue starts every measurement that is due and returns how long until the
// next one is.
func (c *Controller) startDue(ctx context.Context, run *v1alpha1.AnalysisRun, prepared *preparedRun, now time.Time) time.Duration {
	var next time.Duration
	soonest := func(d time.Duration) {
		if d > 0 && (next == 0 || d < next) {
			next = d
		}
	}
	jobChanged := c.takeJobChanged(run.UID)
	for _, m := range prepared.metrics {
		r := resultOf(run, m.spec.Name)
		if r.Phase.Completed() || c.measurer.busy(run.UID, m.spec.Name) {
			continue
		}
		due := nextMeasurementAt(m, r, run.Status.StartedAt.Time)
		if inProgress(r) != nil && jobChanged {
			due = now // its Job changed: look now rather than at the resume time
		}
		if wait := due.Sub(now); wait > 0 {
			soonest(wait)
			continue
		}
		// Detached from the worker's context: a measurement outlives this sync,
		// and it is bounded by its own timeout.
		if !c.measurer.start(context.WithoutCancel(ctx), run.DeepCopy(), m, prepared.secrets, inProgress(r)) {
			soonest(busyRetry)
			continue
		}
		if r.Phase == v1alpha1.AnalysisPhasePending {
			r.Phase = v1alpha1.AnalysisPhaseRunning
		}
	}
	return next
}

// nextMeasurementAt is when a metric's next measurement is due: initialDelay
// after the run started for the first; at its resume time to check one in
// progress (sooner when its Job changes, see startDue); 10 s after an Error;
// interval after the previous one finished otherwise.
func nextMeasurementAt(m *metric, r *v1alpha1.MetricResult, startedAt time.Time) time.Time {
	n := len(r.Measurements)
	if n == 0 {
		return startedAt.Add(m.initialDelay)
	}
	last := r.Measurements[n-1]
	switch {
	case last.Phase == v1alpha1.AnalysisPhaseRunning:
		if last.ResumeAt != nil {
			return last.ResumeAt.Time
		}
		return startedAt
	case last.FinishedAt == nil:
		return startedAt
	case last.Phase == v1alpha1.AnalysisPhaseError:
		return last.FinishedAt.Add(errorRetryDelay)
	}
	return last.FinishedAt.Add(m.interval)
}

// complete ends the run with a phase and records an event saying so.
func (c *Controller) complete(run *v1alpha1.AnalysisRun, phase v1alpha1.AnalysisPhase, message string, now time.Time) {
	st := &run.Status
	t := metav1.NewTime(now)
	if st.StartedAt == nil {
		st.StartedAt = &t
	}
	st.Phase, st.Message, st.CompletedAt = phase, message, &t
	eventType := corev1.EventTypeNormal
	if phase != v1alpha1.AnalysisPhaseSuccessful {
		eventType = corev1.EventTypeWarning
	}
	text := fmt.Sprintf("AnalysisRun %s", phase)
	if message != "" {
		text += ": " + message
	}
	c.recorder.Event(run, eventType, "AnalysisRun"+string(phase), text)
}

// writeStatus writes the run's status through the status subresource, once per
// sync and only when it changed.
func (c *Controller) writeStatus(ctx context.Context, cached, run *v1alpha1.AnalysisRun, secrets []string) error {
	st := &run.Status
	st.Message = redact(st.Message, secrets)
	st.ObservedGeneration = run.Generation
	st.RunSummary, st.DryRunSummary = summarize(st.MetricResults)
	if equality.Semantic.DeepEqual(cached.Status, run.Status) {
		return nil
	}
	written, err := c.sluice.SluiceV1alpha1().AnalysisRuns(run.Namespace).UpdateStatus(ctx, run, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("update AnalysisRun status: %w", err)
	}
	c.freshness.Wrote(cached, written)
	return nil
}

// expire deletes a completed run once its ttlStrategy says so, and otherwise
// says when to look again.
func (c *Controller) expire(ctx context.Context, run *v1alpha1.AnalysisRun) (time.Duration, error) {
	ttl := ttlOf(run)
	if ttl == nil || run.Status.CompletedAt == nil {
		return 0, nil
	}
	left := run.Status.CompletedAt.Add(*ttl).Sub(c.clock.Now())
	if left > 0 {
		return left, nil
	}
	err := c.sluice.SluiceV1alpha1().AnalysisRuns(run.Namespace).Delete(ctx, run.Name, metav1.DeleteOptions{
		Preconditions:     &metav1.Preconditions{UID: &run.UID},
		PropagationPolicy: ptrTo(metav1.DeletePropagationBackground),
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return 0, fmt.Errorf("delete expired AnalysisRun: %w", err)
	}
	klog.FromContext(ctx).V(2).Info("Deleted expired AnalysisRun")
	return 0, nil
}

// ttlOf is how long a completed run is kept: secondsAfterSuccess or
// secondsAfterFailure (any other completed phase) if set, else
// secondsAfterCompletion; nil keeps it.
func ttlOf(run *v1alpha1.AnalysisRun) *time.Duration {
	s := run.Spec.TTLStrategy
	if s == nil {
		return nil
	}
	seconds := s.SecondsAfterCompletion
	if run.Status.Phase == v1alpha1.AnalysisPhaseSuccessful && s.SecondsAfterSuccess != nil {
		seconds = s.SecondsAfterSuccess
	} else if run.Status.Phase != v1alpha1.AnalysisPhaseSuccessful && s.SecondsAfterFailure != nil {
		seconds = s.SecondsAfterFailure
	}
	if seconds == nil {
		return nil
	}
	d := time.Duration(*seconds) * time.Second
	return &d
}

// resultOf is the metric's result in the run's status, or nil.
func resultOf(run *v1alpha1.AnalysisRun, name string) *v1alpha1.MetricResult {
	for i := range run.Status.MetricResults {
		if run.Status.MetricResults[i].Name == name {
			return &run.Status.MetricResults[i]
		}
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }

// earliest is the sooner of two delays, where 0 means none.
func earliest(a, b time.Duration) time.Duration {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}
