// Package metrics holds sluice-controller's Prometheus registry and the
// collectors that are not specific to one controller: Go runtime, process,
// client-go work queues and client-go REST requests.
//
// client-go reports work queue and REST client metrics through process-global
// hooks that can be installed only once, so the registry is process-global too.
// Controllers register their own collectors with Registry.
package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	clientmetrics "k8s.io/client-go/tools/metrics"
	"k8s.io/client-go/util/workqueue"
)

// Registry is the registry the controller's /metrics endpoint serves.
var Registry = newRegistry()

func newRegistry() *prometheus.Registry {
	r := prometheus.NewRegistry()
	r.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	r.MustRegister(workqueueCollectors()...)
	r.MustRegister(restClientCollectors()...)
	return r
}

var installOnce sync.Once

// InstallClientGoHooks points client-go's work queue and REST client metric hooks
// at Registry. Call it before any work queue is created: client-go binds a queue
// to the provider installed when the queue is made. Calling it again is a no-op.
func InstallClientGoHooks() {
	installOnce.Do(func() {
		workqueue.SetProvider(workqueueProvider{})
		clientmetrics.Register(clientmetrics.RegisterOpts{
			RequestResult:      requestResult{},
			RequestLatency:     requestLatency{},
			RateLimiterLatency: rateLimiterLatency{},
		})
	})
}
