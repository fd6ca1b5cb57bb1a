package controller

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/config"
)

// One delivery per event and destination: the templates of every condition
// that holds, none when no condition holds, in event order.
func TestWantedDeliveries(t *testing.T) {
	audit := notifications.Destination{Service: "webhook.audit"}
	slack := notifications.Destination{Service: "slack", Recipient: "deploys"}
	route := func(trigger string, d notifications.Destination, when string, templates ...string) boundRoute {
		return boundRoute{Route: config.Route{Trigger: trigger, Destination: d, Templates: templates, When: when}}
	}
	routes := []boundRoute{
		route(notifications.OnRolloutAborted, audit, "", "aborted"),
		route(notifications.OnRolloutAborted, audit, "big", "page", "aborted"),
		route(notifications.OnRolloutAborted, slack, "small", "aborted"),
		route(notifications.OnRolloutAborted, slack, "broken", "aborted"),
		route(notifications.OnRolloutUpdated, slack, "", "updated"),
	}
	eval := func(when string, d notifications.Data) (bool, error) {
		switch when {
		case "broken":
			return false, errors.New("broken")
		case "small":
			return d.Rollout.CanaryWeight < 50, nil
		case "big":
			return d.Rollout.CanaryWeight >= 50, nil
		}
		return true, nil
	}
	events := []notifications.Event{
		{Trigger: notifications.OnRolloutUpdated, Key: "u/rev-2/" + notifications.OnRolloutUpdated},
		{Trigger: notifications.OnRolloutAborted, Key: "u/rev-2/" + notifications.OnRolloutAborted, Data: notifications.Data{Rollout: notifications.RolloutData{CanaryWeight: 60}}},
	}
	got, errs := wantedDeliveries(events, routes, eval)
	if len(errs) != 1 {
		t.Errorf("errors %v, want the broken condition's", errs)
	}
	type row struct {
		ID        string
		Templates []string
		Trigger   string
	}
	var rows []row
	for _, w := range got {
		rows = append(rows, row{w.ID(), w.templates, w.Data.Trigger})
	}
	want := []row{
		{"u/rev-2/on-rollout-updated/slack/deploys", []string{"updated"}, notifications.OnRolloutUpdated},
		{"u/rev-2/on-rollout-aborted/webhook.audit/", []string{"aborted", "page"}, notifications.OnRolloutAborted},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("deliveries (-want +got):\n%s", diff)
	}
}
