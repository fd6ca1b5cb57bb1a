package main

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// hashMetrics are the series a hash target feeds, under the names and labels
// of three sources a cluster commonly has, so that the templates in
// manifests/analysis run against this exporter as they would against a real
// Prometheus:
//
//	http_requests_total{namespace,service,pod_template_hash,code}          an instrumented application
//	http_request_duration_seconds{namespace,service,pod_template_hash}     (fine buckets, 2 ms to 17 s)
//	istio_requests_total{reporter,destination_workload,destination_workload_namespace,response_code,pod_template_hash}
//	istio_request_duration_milliseconds{... the same ...}                  Istio's sidecars, both reporters
//	envoy_cluster_upstream_rq_total{envoy_cluster_name}                    Envoy's cluster statistics
//	envoy_cluster_upstream_rq_xx{envoy_cluster_name,envoy_response_code_class}
//	envoy_cluster_upstream_rq{envoy_cluster_name,envoy_response_code}
//	envoy_cluster_upstream_rq_time{envoy_cluster_name}                     (ms)
//
// pod_template_hash is the pod's sluice.dev/pod-template-hash label, which a
// real Prometheus gets by a relabel rule (manifests/analysis/README.md). The
// Envoy cluster is "<namespace>/<service>": Envoy counts per upstream
// cluster, not per pod, so a judge over Envoy statistics tells the sides apart
// by Service (the canary's and the baseline's), and targets of one service add
// up in its cluster.
type hashMetrics struct {
	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
	istioRequests *prometheus.CounterVec
	istioDuration *prometheus.HistogramVec
	envoyTotal    *prometheus.CounterVec
	envoyClass    *prometheus.CounterVec
	envoyCode     *prometheus.CounterVec
	envoyTime     *prometheus.HistogramVec
}

// proxyBucketsMs are the default latency buckets of Istio's and Envoy's
// histograms, in milliseconds: coarse, as users really have them.
var proxyBucketsMs = []float64{0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000}

// istioReporters: each request is reported by the client's and the server's
// sidecar; a query must pick one (reporter="destination") or count it twice.
var istioReporters = []string{"source", "destination"}

// responseCodes are the codes the simulation answers with.
var responseCodes = []int{200, 500}

func newHashMetrics(httpRequests *prometheus.CounterVec) *hashMetrics {
	istioLabels := []string{"reporter", "destination_workload", "destination_workload_namespace", "response_code", "pod_template_hash"}
	return &hashMetrics{
		httpRequests: httpRequests,
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Simulated request durations of the pods of one pod-template hash.",
			Buckets: prometheus.ExponentialBuckets(0.002, 1.15, 66),
		}, []string{"namespace", "service", "pod_template_hash"}),
		istioRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "istio_requests_total",
			Help: "The simulated requests of a pod-template hash as Istio's sidecars count them.",
		}, istioLabels),
		istioDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "istio_request_duration_milliseconds",
			Help:    "The simulated request durations of a pod-template hash as Istio's sidecars measure them.",
			Buckets: proxyBucketsMs,
		}, istioLabels),
		envoyTotal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "envoy_cluster_upstream_rq_total",
			Help: "The simulated requests of a Service as an Envoy upstream cluster counts them.",
		}, []string{"envoy_cluster_name"}),
		envoyClass: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "envoy_cluster_upstream_rq_xx",
			Help: "The simulated requests of a Service by response code class, as Envoy counts them.",
		}, []string{"envoy_cluster_name", "envoy_response_code_class"}),
		envoyCode: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "envoy_cluster_upstream_rq",
			Help: "The simulated requests of a Service by response code, as Envoy counts them.",
		}, []string{"envoy_cluster_name", "envoy_response_code"}),
		envoyTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "envoy_cluster_upstream_rq_time",
			Help:    "The simulated request durations of a Service as Envoy measures them (ms).",
			Buckets: proxyBucketsMs,
		}, []string{"envoy_cluster_name"}),
	}
}

func (m *hashMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.httpDuration, m.istioRequests, m.istioDuration, m.envoyTotal, m.envoyClass, m.envoyCode, m.envoyTime}
}

func envoyCluster(k hashKey) string {
	if k.Namespace == "" {
		return k.Service
	}
	return k.Namespace + "/" + k.Service
}

// create makes every series of a target up front, so that an error ratio is 0
// rather than no data before the first error.
func (m *hashMetrics) create(k hashKey) {
	for _, code := range responseCodes {
		c := strconv.Itoa(code)
		m.httpRequests.WithLabelValues(k.Namespace, k.Service, k.Hash, c)
		for _, r := range istioReporters {
			m.istioRequests.WithLabelValues(r, k.Service, k.Namespace, c, k.Hash)
			m.istioDuration.WithLabelValues(r, k.Service, k.Namespace, c, k.Hash)
		}
		m.envoyClass.WithLabelValues(envoyCluster(k), c[:1])
		m.envoyCode.WithLabelValues(envoyCluster(k), c)
	}
	m.httpDuration.WithLabelValues(k.Namespace, k.Service, k.Hash)
	m.envoyTotal.WithLabelValues(envoyCluster(k))
	m.envoyTime.WithLabelValues(envoyCluster(k))
}

// record adds one target's requests to every series.
func (m *hashMetrics) record(k hashKey, reqs []request) {
	cluster := envoyCluster(k)
	for _, r := range reqs {
		c := "200"
		if r.failed {
			c = "500"
		}
		m.httpRequests.WithLabelValues(k.Namespace, k.Service, k.Hash, c).Inc()
		m.httpDuration.WithLabelValues(k.Namespace, k.Service, k.Hash).Observe(r.seconds)
		for _, rep := range istioReporters {
			m.istioRequests.WithLabelValues(rep, k.Service, k.Namespace, c, k.Hash).Inc()
			m.istioDuration.WithLabelValues(rep, k.Service, k.Namespace, c, k.Hash).Observe(r.seconds * 1000)
		}
		m.envoyTotal.WithLabelValues(cluster).Inc()
		m.envoyClass.WithLabelValues(cluster, c[:1]).Inc()
		m.envoyCode.WithLabelValues(cluster, c).Inc()
		m.envoyTime.WithLabelValues(cluster).Observe(r.seconds * 1000)
	}
}

// remove drops a target's series; its Envoy cluster's series go only when
// no other target feeds that cluster (clusterInUse).
func (m *hashMetrics) remove(k hashKey, clusterInUse bool) {
	for _, code := range responseCodes {
		c := strconv.Itoa(code)
		m.httpRequests.DeleteLabelValues(k.Namespace, k.Service, k.Hash, c)
		for _, r := range istioReporters {
			m.istioRequests.DeleteLabelValues(r, k.Service, k.Namespace, c, k.Hash)
			m.istioDuration.DeleteLabelValues(r, k.Service, k.Namespace, c, k.Hash)
		}
	}
	m.httpDuration.DeleteLabelValues(k.Namespace, k.Service, k.Hash)
	if clusterInUse {
		return
	}
	cluster := envoyCluster(k)
	m.envoyTotal.DeleteLabelValues(cluster)
	m.envoyTime.DeleteLabelValues(cluster)
	for _, code := range responseCodes {
		c := strconv.Itoa(code)
		m.envoyClass.DeleteLabelValues(cluster, c[:1])
		m.envoyCode.DeleteLabelValues(cluster, c)
	}
}
