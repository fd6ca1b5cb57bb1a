package config

import (
	"maps"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/sluice-dev/sluice/notifications/render"
)

// Load reads a sluice-notifications ConfigMap and its Secret (either may be
// nil: no ConfigMap is a configuration that sends nothing; no Secret only
// matters to a value that refers to one). Every key is read on its own: a
// key that is wrong is a Problem naming it and is left out, and the rest
// load. Problems come in the order of the keys.
func Load(cm *corev1.ConfigMap, secret *corev1.Secret) (*Config, []Problem) {
	c := &Config{
		Webhooks:        map[string]Webhook{},
		Templates:       render.Defaults(),
		Triggers:        map[string][]Condition{},
		DefaultTriggers: BuiltinDefaultTriggers,
	}
	var data map[string]string
	if cm != nil {
		data = cm.Data
	}
	keys := make([]string, 0, len(data))
	for key := range data {
		keys = append(keys, key)
	}
	sort.Strings(keys)

	var problems []Problem
	report := func(key, message string) { problems = append(problems, Problem{Key: key, Message: message}) }

	// Services and templates first: triggers and subscriptions refer to them.
	for _, key := range keys {
		value := data[key]
		switch {
		case strings.HasPrefix(key, "service.webhook."):
			name := strings.TrimPrefix(key, "service.webhook.")
			if !webhookName.MatchString(name) {
				report(key, "webhook name must be letters, digits, - and _")
				continue
			}
			w, err := parseWebhook(value, &secretValues{secret: secret})
			if err != nil {
				report(key, err.Error())
				continue
			}
			c.Webhooks[name] = w
		case key == "service.slack":
			s, err := parseSlack(value, &secretValues{secret: secret})
			if err != nil {
				report(key, err.Error())
				continue
			}
			c.Slack = &s
		case strings.HasPrefix(key, "service."):
			report(key, "unknown service (sluice has service.webhook.<name> and service.slack)")
		case strings.HasPrefix(key, "template."):
			name := strings.TrimPrefix(key, "template.")
			if name == "" {
				report(key, "names no template")
				continue
			}
			c.Templates[name] = value
		case strings.HasPrefix(key, "trigger."), key == "defaultTriggers", key == "subscriptions":
			// after the services and templates
		default:
			report(key, "unknown key (sluice reads service.*, template.*, trigger.*, defaultTriggers, subscriptions)")
		}
	}
	c.Set = compileTemplates(c.Templates, report)

	for _, key := range keys {
		value := data[key]
		switch {
		case strings.HasPrefix(key, "trigger."):
			trigger := strings.TrimPrefix(key, "trigger.")
			if err := checkTrigger(trigger); err != nil {
				report(key, err.Error())
				continue
			}
			conditions, bad := parseConditions(value, c.Set)
			for _, message := range bad {
				report(key, message)
			}
			c.Triggers[trigger] = conditions
		case key == "defaultTriggers":
			var triggers []string
			if err := decodeStrict(value, &triggers); err != nil {
				report(key, err.Error()+" (want a YAML list of triggers)")
				continue
			}
			known, bad := parseTriggerList(triggers)
			for _, message := range bad {
				report(key, message)
			}
			c.DefaultTriggers = known
		}
	}
	// Subscriptions last: they are checked against the services above.
	if value, ok := data["subscriptions"]; ok {
		subs, bad := c.parseSubscriptions(value)
		c.Subscriptions = subs
		problems = append(problems, bad...)
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Key < problems[j].Key })
	return c, problems
}

// compileTemplates compiles every template, reporting each broken one under
// its key. A broken built-in template would be a bug in sluice; it is
// reported the same way.
func compileTemplates(templates map[string]string, report func(key, message string)) *render.Set {
	set, problems := render.Compile(maps.Clone(templates))
	for _, p := range problems {
		report("template."+p.Template, p.Message)
	}
	return set
}
