package config

import (
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Routes lists what a Rollout's events go to: the ConfigMap's subscriptions
// whose selector matches the Rollout's labels, and the Rollout's own subscribe
// annotations. Each (trigger, destination) sends, per trigger.<name>
// condition, that condition's templates when its `when` holds; a trigger with
// no trigger.<name> key sends its built-in template "<trigger>".
//
// A bad annotation, an unknown trigger or service, or a subscription naming
// no triggers with no defaultTriggers is a Problem and is left out; every
// other route is kept. Routes come sorted by trigger and destination, a
// trigger's conditions in their written order, without repeats, so the same
// Rollout always gives the same list.
func (c *Config) Routes(ro metav1.Object) ([]Route, []Problem) {
	var subs []keyedSubscription
	rolloutLabels := labels.Set(ro.GetLabels())
	for i, sub := range c.Subscriptions {
		if sub.Selector == nil || sub.Selector.Matches(rolloutLabels) {
			subs = append(subs, keyedSubscription{Subscription: sub, key: subscriptionKey(i)})
		}
	}
	annotated, problems := annotationSubscriptions(ro.GetAnnotations())
	subs = append(subs, annotated...)

	seen := map[string]bool{}
	var routes []Route
	for _, sub := range subs {
		report := func(message string) { problems = append(problems, Problem{Key: sub.key, Message: message}) }
		triggers := sub.Triggers
		if len(triggers) == 0 {
			triggers = c.DefaultTriggers
			if len(triggers) == 0 {
				report("names no triggers and defaultTriggers is empty")
				continue
			}
		}
		for _, d := range sub.Destinations {
			if err := c.checkDestination(d); err != nil {
				report(err.Error())
				continue
			}
			for _, trigger := range triggers {
				if err := checkTrigger(trigger); err != nil {
					report(err.Error())
					continue
				}
				for _, route := range c.routesOf(trigger) {
					route.Destination = d
					id := route.Key() + "\x00" + strings.Join(route.Templates, ",") + "\x00" + route.When
					if !seen[id] {
						seen[id] = true
						routes = append(routes, route)
					}
				}
			}
		}
	}
	sort.SliceStable(routes, func(i, j int) bool { return routeLess(routes[i], routes[j]) })
	return routes, problems
}

// routesOf is a trigger's conditions as routes with no destination yet: its
// trigger.<name> conditions, or its built-in template. A template that did
// not compile is never routed (Load reported it).
func (c *Config) routesOf(trigger string) []Route {
	conditions, configured := c.Triggers[trigger]
	if !configured {
		if !c.Set.Has(trigger) {
			return nil
		}
		return []Route{{Trigger: trigger, Templates: []string{trigger}}}
	}
	routes := make([]Route, 0, len(conditions))
	for _, cond := range conditions {
		if unusableTemplates(cond.Send, c.Set) != "" {
			continue
		}
		routes = append(routes, Route{Trigger: trigger, Templates: cond.Send, When: cond.When})
	}
	return routes
}

func subscriptionKey(i int) string {
	return fmt.Sprintf("subscriptions[%d]", i)
}

// routeLess orders routes by trigger and destination; the sort is stable, so
// a trigger's conditions keep their written order (the controller joins the
// templates of every condition that holds in that order).
func routeLess(a, b Route) bool {
	return a.Key() < b.Key()
}
