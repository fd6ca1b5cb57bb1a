package controller

import (
	"context"
	"math"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Events travel in two lanes, each a client-go event broadcaster of its own.
//
// Why: client-go's broadcaster loses events in two places before they reach
// the API server. Its correlator lets a source write 25 events about one
// object and then one every five minutes; a canary release alone makes about
// 25 routine events about its Rollout (ScalingReplicaSet, RolloutStepCompleted,
// TrafficWeightUpdated, …), so the event saying how the release ended was
// dropped: RolloutCompleted, or RolloutAborted once 25 warnings (retried
// errors) had come before it. And its sink is
// fed from a queue of 1000 events that silently drops whatever arrives while
// it is full; a wave of releases fills it far faster than one writer doing an
// API round trip per Event empties it (N=1000: 4% of RolloutCompleted were
// written, docs/benchmarks.md).
//
// The routine lane keeps client-go's behaviour: the per-object spam filter,
// aggregation of similar events, a queue that drops under load. The decisive
// lane carries only the events a person acts on (decisiveReasons): its
// correlator never throttles and never combines different messages (exact
// repeats are still counted into one Event), and its sink queues without
// dropping (queuedSink) and writes with several writers. However many routine
// events came before, the decisive ones are written. Both lanes share the
// events client and its rate limiter.
//
// Decisive events come from state changes that are persisted in status (a
// release completes, aborts, pauses or resumes once; a run ends once), so
// they cannot flood; a bug that repeated one would show as a growing count.

// decisiveReasons are the event reasons that are always recorded (SPEC §2.6:
// the outcome of a release, its pauses, analysis results, an invalid spec).
// The reasons are the Rollout controller's (rollout/plan, rollout/sync.go,
// rollout/analysis.go) and the AnalysisRun controller's (analysis/sync.go).
var decisiveReasons = map[string]bool{
	"RolloutCompleted": true,
	"RolloutAborted":   true,
	"RolloutPaused":    true,
	"RolloutResumed":   true,
	"InvalidSpec":      true,
	// AnalysisRun<Phase>, for the phases a run ends in, on the run and on its
	// Rollout.
	analysisRunReason(v1alpha1.AnalysisPhaseSuccessful):   true,
	analysisRunReason(v1alpha1.AnalysisPhaseFailed):       true,
	analysisRunReason(v1alpha1.AnalysisPhaseError):        true,
	analysisRunReason(v1alpha1.AnalysisPhaseInconclusive): true,
}

func analysisRunReason(phase v1alpha1.AnalysisPhase) string { return "AnalysisRun" + string(phase) }

// isDecisive tells whether events with this reason are always recorded.
func isDecisive(reason string) bool { return decisiveReasons[reason] }

// decisiveCorrelation configures the decisive lane's correlator: no spam
// filter (an unlimited token bucket per object) and aggregation keyed by the
// message too, so two different messages never merge; repeats of one message
// still become one Event with a count.
func decisiveCorrelation() record.CorrelatorOptions {
	return record.CorrelatorOptions{
		QPS:       float32(math.Inf(1)),
		BurstSize: math.MaxInt32,
		KeyFunc: func(ev *corev1.Event) (string, string) {
			group, local := record.EventAggregatorByReasonFunc(ev)
			return strings.Join([]string{group, ev.Message}, "\x00"), local
		},
	}
}

// decisiveWriters is how many Events the decisive lane writes at once.
const decisiveWriters = 4

// drainTimeout is how long shutdown waits for queued decisive events.
const drainTimeout = 5 * time.Second

// eventLanes are the process's two event broadcasters.
type eventLanes struct {
	routine, decisive record.EventBroadcaster
	queue             *queuedSink
	stopWriters       context.CancelFunc
	writers           sync.WaitGroup
}

func newEventLanes() *eventLanes {
	return &eventLanes{
		routine:  record.NewBroadcaster(),
		decisive: record.NewBroadcaster(record.WithCorrelatorOptions(decisiveCorrelation())),
	}
}

// newRecorder returns the recorder both controllers use: it hands each event
// to its lane by reason.
func (l *eventLanes) newRecorder(scheme *runtime.Scheme, source corev1.EventSource) record.EventRecorder {
	return laneRecorder{
		routine:  l.routine.NewRecorder(scheme, source),
		decisive: l.decisive.NewRecorder(scheme, source),
	}
}

// startRecording writes both lanes to sink and logs every event at
// verbosity logV. Call it once.
func (l *eventLanes) startRecording(sink record.EventSink, logV klog.Level) {
	var ctx context.Context
	ctx, l.stopWriters = context.WithCancel(context.Background())
	l.queue = newQueuedSink(sink, decisiveWriters)
	l.queue.start(ctx, &l.writers)
	l.routine.StartStructuredLogging(logV)
	l.routine.StartRecordingToSink(sink)
	l.decisive.StartStructuredLogging(logV)
	l.decisive.StartRecordingToSink(l.queue)
}

// shutdown stops both lanes. Routine events still queued are not written;
// queued decisive ones are given up to drainTimeout.
func (l *eventLanes) shutdown() {
	l.routine.Shutdown()
	l.decisive.Shutdown()
	if l.queue == nil {
		return
	}
	l.queue.close()
	drained := make(chan struct{})
	go func() { l.writers.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(drainTimeout):
	}
	// A writer in the middle of a request finishes it on its own.
	l.stopWriters()
}

// laneRecorder sends decisive events to one recorder, the rest to the other.
type laneRecorder struct {
	routine, decisive record.EventRecorder
}

func (r laneRecorder) lane(reason string) record.EventRecorder {
	if isDecisive(reason) {
		return r.decisive
	}
	return r.routine
}

func (r laneRecorder) Event(obj runtime.Object, eventtype, reason, message string) {
	r.lane(reason).Event(obj, eventtype, reason, message)
}

func (r laneRecorder) Eventf(obj runtime.Object, eventtype, reason, messageFmt string, args ...any) {
	r.lane(reason).Eventf(obj, eventtype, reason, messageFmt, args...)
}

func (r laneRecorder) AnnotatedEventf(obj runtime.Object, annotations map[string]string, eventtype, reason, messageFmt string, args ...any) {
	r.lane(reason).AnnotatedEventf(obj, annotations, eventtype, reason, messageFmt, args...)
}
