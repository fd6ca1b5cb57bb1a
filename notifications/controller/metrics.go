package controller

import "github.com/prometheus/client_golang/prometheus"

// Results, the values of sluice_notifications_sent_total's result label.
const (
	resultSent    = "sent"
	resultFailed  = "failed"  // will be retried
	resultGaveUp  = "gave-up" // failed for good: permanent error or past the give-up time
	resultSkipped = "skipped" // recorded without sending (a subscription's first look)
)

var (
	sentTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sluice_notifications_sent_total",
		Help: "Notification deliveries by service kind (webhook, slack), trigger and result (sent, failed, gave-up, skipped).",
	}, []string{"service", "trigger", "result"})
	configErrors = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "sluice_notifications_config_errors",
		Help: "Problems in a notifications ConfigMap/Secret (and subscribe annotations) as last loaded, by namespace.",
	}, []string{"namespace"})
)

// Collectors are the controller's Prometheus collectors.
func (c *Controller) Collectors() []prometheus.Collector {
	return []prometheus.Collector{sentTotal, configErrors}
}

// serviceKind bounds the service label: "webhook.<name>" counts as webhook.
func serviceKind(service string) string {
	if service == "slack" {
		return "slack"
	}
	return "webhook"
}
