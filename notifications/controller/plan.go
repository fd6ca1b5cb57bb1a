package controller

import (
	"slices"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/config"
	"github.com/sluice-dev/sluice/notifications/ledger"
)

// wanted is one delivery the stored state and the subscriptions ask for,
// with what it takes to send it.
type wanted struct {
	notifications.Delivery
	// templates are those of every condition of the trigger whose `when`
	// holds, rendered together into one message.
	templates []string
	cfg       *config.Config
}

// evalFunc says whether a `when` condition holds for an event (render.Eval).
type evalFunc func(when string, d notifications.Data) (bool, error)

// wantedDeliveries pairs each event with the routes of its trigger: one
// delivery per event and destination, carrying the templates of every route
// (condition) of that destination whose `when` holds; none when no condition
// holds. Deliveries come in event order. A condition that fails to evaluate
// counts as not holding and is returned in errs.
func wantedDeliveries(events []notifications.Event, routes []boundRoute, eval evalFunc) (out []wanted, errs []error) {
	for _, ev := range events {
		ev.Data.Trigger, ev.Data.Key = ev.Trigger, ev.Key
		index := map[string]int{} // route key → position in out
		for _, r := range routes {
			if r.Trigger != ev.Trigger {
				continue
			}
			holds, err := eval(r.When, ev.Data)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if !holds {
				continue
			}
			if i, ok := index[r.Key()]; ok {
				for _, t := range r.Templates {
					if !slices.Contains(out[i].templates, t) {
						out[i].templates = append(out[i].templates, t)
					}
				}
				continue
			}
			index[r.Key()] = len(out)
			out = append(out, wanted{
				Delivery:  notifications.Delivery{Event: ev, Destination: r.Destination},
				templates: slices.Clone(r.Templates),
				cfg:       r.cfg,
			})
		}
	}
	return out, errs
}

// routeKeys are the ledger's names of the routes (one per trigger and
// destination).
func routeKeys(routes []boundRoute) []string {
	var keys []string
	for _, r := range routes {
		k := ledger.RouteKey(r.Trigger, r.Destination)
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

func deliveriesOf(ws []wanted) []notifications.Delivery {
	out := make([]notifications.Delivery, len(ws))
	for i, w := range ws {
		out[i] = w.Delivery
	}
	return out
}

// destinationBatches splits the claimed deliveries by destination, each in
// claim order: destinations are sent to side by side (one failing or slow
// never holds another back), and one destination's deliveries one after the
// other, so a receiver sees them in order and a Slack revision's parent
// message exists before its replies.
func destinationBatches(claimed []notifications.Delivery, byID map[string]wanted) [][]wanted {
	var batches [][]wanted
	index := map[notifications.Destination]int{}
	for _, d := range claimed {
		w, ok := byID[d.ID()]
		if !ok {
			continue
		}
		i, ok := index[d.Destination]
		if !ok {
			i = len(batches)
			index[d.Destination] = i
			batches = append(batches, nil)
		}
		batches[i] = append(batches[i], w)
	}
	return batches
}

// routeTriggers are the triggers the routes name.
func routeTriggers(routes []boundRoute) []string {
	var out []string
	for _, r := range routes {
		if !slices.Contains(out, r.Trigger) {
			out = append(out, r.Trigger)
		}
	}
	return out
}
