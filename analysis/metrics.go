package analysis

import (
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/labels"
)

// The AnalysisRun controller's metrics (SPEC §5), with bounded label sets:
// provider and phase come from fixed lists, and only sluice_analysis_run_info
// names objects, one series per run in the cache.
var (
	measurementsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_analysis_measurements_total",
		Help: "Measurements taken, by provider and the measurement's phase.",
	}, []string{"provider", "phase"})
	runInfoDesc = prometheus.NewDesc("sluice_analysis_run_info",
		"One series per AnalysisRun, with its phase.",
		[]string{"namespace", "name", "phase"}, nil)
)

// Collectors are the controller's collectors, for the process's registry.
func (c *Controller) Collectors() []prometheus.Collector {
	return []prometheus.Collector{measurementsTotal, runInfo{c}}
}

// runInfo reports sluice_analysis_run_info from the informer cache at scrape
// time, so deleted runs disappear without bookkeeping.
type runInfo struct{ c *Controller }

func (r runInfo) Describe(ch chan<- *prometheus.Desc) { ch <- runInfoDesc }

func (r runInfo) Collect(ch chan<- prometheus.Metric) {
	runs, err := r.c.runLister.List(labels.Everything())
	if err != nil {
		return
	}
	for _, run := range runs {
		phase := string(run.Status.Phase)
		if phase == "" {
			phase = "Pending"
		}
		ch <- prometheus.MustNewConstMetric(runInfoDesc, prometheus.GaugeValue, 1, run.Namespace, run.Name, phase)
	}
}
