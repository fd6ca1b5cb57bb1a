package render

import (
	"time"

	"github.com/sluice-dev/sluice/notifications"
)

// abortedDelivery is an abort whose Rollout message holds the characters
// that break hand-written JSON: quotes, a backslash and a newline.
func abortedDelivery(service, recipient string) notifications.Delivery {
	data := notifications.Data{
		Trigger: notifications.OnRolloutAborted, Key: "u1/rev-3/on-rollout-aborted/1",
		Time: time.Date(2026, 12, 3, 15, 4, 5, 0, time.UTC),
		Rollout: notifications.RolloutData{
			Namespace: "shop", Name: "checkout", UID: "u1", Phase: "Degraded",
			Message:  `analysis "checkout-3" said "no" \ twice` + "\nsee logs",
			Revision: 3, Step: 2, Steps: 5, CanaryWeight: 20, StableWeight: 80,
			Images:      []string{"shop/checkout:3"},
			AbortReason: `analysis failed: metric "error-rate" Failed`,
		},
		Analysis: &notifications.AnalysisData{Name: "checkout-3", Kind: "AnalysisRun", Phase: "Failed",
			Metrics: []notifications.MetricData{{Name: "error-rate", Phase: "Failed", Value: "0.07"}}},
	}
	return notifications.Delivery{
		Event:       notifications.Event{Trigger: data.Trigger, Key: data.Key, Revision: 3, Data: data},
		Destination: notifications.Destination{Service: service, Recipient: recipient},
	}
}
