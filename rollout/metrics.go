package rollout

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// The Rollout controller's metrics (SPEC §5). Label sets are bounded: reasons and
// outcomes come from fixed lists; only sluice_rollout_info carries object names,
// one series per Rollout, read from the cache at scrape time.
var (
	reconcileDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "sluice_rollout_reconcile_duration_seconds",
		Help:    "Time one Rollout reconcile took, API calls included.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	})
	reconcileErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sluice_rollout_reconcile_errors_total",
		Help: "Rollout reconciles that failed (conflicts excluded) and were retried.",
	})
	eventsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_rollout_events_total",
		Help: "Kubernetes events the Rollout controller recorded, by reason.",
	}, []string{"reason"})
	rolloutInfoDesc = prometheus.NewDesc("sluice_rollout_info",
		"One series per Rollout, with its strategy and phase.",
		[]string{"namespace", "name", "strategy", "phase"}, nil)
)

// Collectors are the controller's collectors, for the process's registry.
func (c *Controller) Collectors() []prometheus.Collector {
	return []prometheus.Collector{reconcileDuration, reconcileErrors, eventsTotal, rolloutInfo{c}}
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
