package analysis

import (
	"context"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// measurementTimeout caps one provider call. Providers apply their own, shorter
// timeouts (Prometheus 30 s, web 10 s by default); this only guards against a
// provider that ignores its context.
const measurementTimeout = 5 * time.Minute

// measurer takes measurements off the workers: a worker starts them and
// returns, and a finished measurement wakes its run. So a slow Prometheus delays
// only the runs that query it, never the other runs in the queue, and the number
// of provider calls in flight is bounded.
//
// Finished measurements wait here until their run's next sync records them in
// status. If the process dies first they are lost and simply taken again: what
// matters lives in the AnalysisRun, not here.
type measurer struct {
	clock clock.PassiveClock
	slots chan struct{}
	wake  func(run *v1alpha1.AnalysisRun)

	mu       sync.Mutex
	inFlight map[measurementKey]bool
	finished map[types.UID][]finishedMeasurement
}

type measurementKey struct {
	run    types.UID
	metric string
}

// finishedMeasurement is a measurement ready to record in a metric's result.
type finishedMeasurement struct {
	metric         string
	measurement    v1alpha1.Measurement
	metricMetadata map[string]string
	provider       string
	// finalReason is set when the measurement's error cannot pass on a later
	// try: the metric then ends at once (see endOnFinalError).
	finalReason string
}

func newMeasurer(c clock.PassiveClock, concurrency int, wake func(*v1alpha1.AnalysisRun)) *measurer {
	return &measurer{
		clock:    c,
		slots:    make(chan struct{}, concurrency),
		wake:     wake,
		inFlight: map[measurementKey]bool{},
		finished: map[types.UID][]finishedMeasurement{},
	}
}

// busy reports whether a measurement of the metric is in flight or waiting to
// be recorded.
func (ms *measurer) busy(run types.UID, metric string) bool {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.inFlight[measurementKey{run, metric}] {
		return true
	}
	for _, f := range ms.finished[run] {
		if f.metric == metric {
			return true
		}
	}
	return false
}

// start takes a measurement in the background and reports whether it started;
// false means every slot is taken (try again shortly) or one is already under way.
func (ms *measurer) start(ctx context.Context, run *v1alpha1.AnalysisRun, m *metric, secrets []string, previous *v1alpha1.Measurement) bool {
	key := measurementKey{run.UID, m.spec.Name}
	select {
	case ms.slots <- struct{}{}:
	default:
		return false
	}
	ms.mu.Lock()
	if ms.inFlight[key] {
		ms.mu.Unlock()
		<-ms.slots
		return false
	}
	ms.inFlight[key] = true
	ms.mu.Unlock()

	go func() {
		defer func() { <-ms.slots }()
		f := ms.measure(ctx, run, m, secrets, previous)
		ms.mu.Lock()
		delete(ms.inFlight, key)
		ms.finished[run.UID] = append(ms.finished[run.UID], f)
		ms.mu.Unlock()
		ms.wake(run)
	}()
	return true
}

// measure calls the provider and judges its outcome.
func (ms *measurer) measure(ctx context.Context, run *v1alpha1.AnalysisRun, m *metric, secrets []string, previous *v1alpha1.Measurement) finishedMeasurement {
	started := metav1.NewTime(ms.clock.Now())
	if previous != nil && previous.StartedAt != nil {
		started = *previous.StartedAt
	}
	ctx, cancel := context.WithTimeout(ctx, measurementTimeout)
	defer cancel()
	outcome, err := m.provider.Measure(ctx, run, m.spec, previous)
	now := metav1.NewTime(ms.clock.Now())
	result := v1alpha1.Measurement{StartedAt: &started, Metadata: redactMap(outcome.Metadata, secrets)}
	f := finishedMeasurement{metric: m.spec.Name, provider: m.provider.Type(), metricMetadata: redactMap(outcome.MetricMetadata, secrets)}
	switch {
	case err != nil:
		result.Phase, result.Message = v1alpha1.AnalysisPhaseError, redact(err.Error(), secrets)
		f.finalReason = finalReason(err, nil, outcome)
	case outcome.Phase == v1alpha1.AnalysisPhaseRunning:
		result.Phase = v1alpha1.AnalysisPhaseRunning
		resume := metav1.NewTime(now.Add(outcome.ResumeAfter))
		result.ResumeAt = &resume
		f.measurement = result
		return f
	case outcome.Phase != "":
		result.Phase, result.Value = outcome.Phase, redact(outcome.Text, secrets)
		result.Message = redact(outcome.Message, secrets)
	default:
		result.Value = redact(outcome.Text, secrets)
		phase, jerr := m.conditions.Judge(outcome.Value)
		if jerr != nil {
			phase, result.Message = v1alpha1.AnalysisPhaseError, redact(jerr.Error(), secrets)
			f.finalReason = finalReason(nil, jerr, outcome)
		}
		result.Phase = phase
	}
	result.FinishedAt = &now
	f.measurement = result
	return f
}

// take hands over the run's finished measurements for recording.
func (ms *measurer) take(run types.UID) []finishedMeasurement {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	f := ms.finished[run]
	delete(ms.finished, run)
	return f
}

// putBack returns measurements whose recording failed (the status write lost a
// conflict), so the next sync records them instead of measuring again — which
// for a Job would start a second Job.
func (ms *measurer) putBack(run types.UID, f []finishedMeasurement) {
	if len(f) == 0 {
		return
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.finished[run] = append(f, ms.finished[run]...)
}

// forget drops what is kept for a deleted run.
func (ms *measurer) forget(run types.UID) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	delete(ms.finished, run)
}

// inFlightCount is the number of provider calls under way.
func (ms *measurer) inFlightCount() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return len(ms.inFlight)
}
