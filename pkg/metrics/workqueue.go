package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/util/workqueue"
)

// The work queue metrics use the names Kubernetes components use, so existing
// dashboards work. Every series has one label, the queue's name; sluice has a
// fixed handful of queues, so the label set is bounded.
const (
	workqueueSubsystem = "workqueue"
	queueNameLabel     = "name"
)

// queueDurationBuckets span 100µs to 2 min, fine between 5 and 500 ms: a
// reaction under 100 ms is judged there, and a p95 interpolated inside a
// factor-4 bucket (25.6–102.4 ms) could not tell 30 ms from 90 ms.
var queueDurationBuckets = []float64{.0001, .0005, .001, .0025, .005, .01, .02, .03, .05, .075, .1, .15, .2, .3, .5, 1, 2.5, 5, 10, 30, 60, 120}

var (
	workqueueDepth = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Subsystem: workqueueSubsystem, Name: "depth",
		Help: "Current number of items waiting in the work queue.",
	}, []string{queueNameLabel})
	workqueueAdds = prometheus.NewCounterVec(prometheus.CounterOpts{
		Subsystem: workqueueSubsystem, Name: "adds_total",
		Help: "Total number of items added to the work queue.",
	}, []string{queueNameLabel})
	workqueueLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Subsystem: workqueueSubsystem, Name: "queue_duration_seconds",
		Help:    "How long an item waits in the work queue before a worker takes it.",
		Buckets: queueDurationBuckets,
	}, []string{queueNameLabel})
	workqueueWorkDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Subsystem: workqueueSubsystem, Name: "work_duration_seconds",
		Help:    "How long a worker takes to process one item.",
		Buckets: queueDurationBuckets,
	}, []string{queueNameLabel})
	workqueueUnfinishedWork = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Subsystem: workqueueSubsystem, Name: "unfinished_work_seconds",
		Help: "Seconds of work in progress that no worker has finished yet; a steady rise means a stuck worker.",
	}, []string{queueNameLabel})
	workqueueLongestRunning = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Subsystem: workqueueSubsystem, Name: "longest_running_processor_seconds",
		Help: "Seconds the longest-running worker of the queue has been processing its item.",
	}, []string{queueNameLabel})
	workqueueRetries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Subsystem: workqueueSubsystem, Name: "retries_total",
		Help: "Total number of rate-limited re-adds (retries) to the work queue.",
	}, []string{queueNameLabel})
)

func workqueueCollectors() []prometheus.Collector {
	return []prometheus.Collector{
		workqueueDepth, workqueueAdds, workqueueLatency, workqueueWorkDuration,
		workqueueUnfinishedWork, workqueueLongestRunning, workqueueRetries,
	}
}

// workqueueProvider hands client-go the series of one named queue.
type workqueueProvider struct{}

var _ workqueue.MetricsProvider = workqueueProvider{}

func (workqueueProvider) NewDepthMetric(name string) workqueue.GaugeMetric {
	return workqueueDepth.WithLabelValues(name)
}

func (workqueueProvider) NewAddsMetric(name string) workqueue.CounterMetric {
	return workqueueAdds.WithLabelValues(name)
}

func (workqueueProvider) NewLatencyMetric(name string) workqueue.HistogramMetric {
	return workqueueLatency.WithLabelValues(name)
}

func (workqueueProvider) NewWorkDurationMetric(name string) workqueue.HistogramMetric {
	return workqueueWorkDuration.WithLabelValues(name)
}

func (workqueueProvider) NewUnfinishedWorkSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return workqueueUnfinishedWork.WithLabelValues(name)
}

func (workqueueProvider) NewLongestRunningProcessorSecondsMetric(name string) workqueue.SettableGaugeMetric {
	return workqueueLongestRunning.WithLabelValues(name)
}

func (workqueueProvider) NewRetriesMetric(name string) workqueue.CounterMetric {
	return workqueueRetries.WithLabelValues(name)
}
