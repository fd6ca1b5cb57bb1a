package render

import (
	"fmt"
	"time"

	"github.com/sluice-dev/sluice/notifications"
)

// sampleDelivery has every field of Data set (Analysis too), so trying a
// template on it finds a misspelt field when the configuration loads rather
// than when a release needs the message.
func sampleDelivery(service string) notifications.Delivery {
	return notifications.Delivery{
		Event: notifications.Event{
			Trigger: notifications.OnRolloutStepCompleted, Key: "uid/rev-2/on-rollout-step-completed/step-1", Revision: 2,
			Data: notifications.Data{
				Trigger: notifications.OnRolloutStepCompleted, Key: "uid/rev-2/on-rollout-step-completed/step-1",
				Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
				Rollout: notifications.RolloutData{
					Namespace: "default", Name: "sample", UID: "uid", Phase: "Progressing", Message: "sample",
					Revision: 2, Step: 1, Steps: 3, StepName: "1/3: setWeight 20",
					CanaryWeight: 20, StableWeight: 80, StableHash: "aaaa", CanaryHash: "bbbb",
					Images: []string{"example/app:2"}, PauseReason: "CanaryPauseStep", AbortReason: "aborted by a user",
				},
				Analysis: &notifications.AnalysisData{
					Name: "sample-run", Kind: "AnalysisRun", Phase: "Successful", Message: "sample",
					Metrics: []notifications.MetricData{{Name: "m", Phase: "Successful", Value: "1", Message: "sample"}},
				},
			},
		},
		Destination: notifications.Destination{Service: service},
	}
}

// tryOnSample renders every part of a compiled template on sample data.
func tryOnSample(c *compiled) error {
	set := &Set{templates: map[string]*compiled{"t": c}}
	if c.message != nil || c.slackText != nil || c.slackBlocks != nil {
		if _, err := set.Render([]string{"t"}, sampleDelivery("slack")); err != nil {
			return trimSample(err)
		}
	}
	for webhook := range c.webhooks {
		if _, err := set.Render([]string{"t"}, sampleDelivery("webhook."+webhook)); err != nil {
			return trimSample(err)
		}
	}
	return nil
}

// trimSample drops the `template "t"` the sample set names, since the
// caller names the real template.
func trimSample(err error) error {
	return fmt.Errorf("fails on sample data: %s", trimPrefix(err.Error(), `template "t" `))
}

func trimPrefix(s, prefix string) string {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}
