package render

import (
	"fmt"
	"sort"
	"text/template"
)

// Set is a compiled set of templates, by name. It is immutable and safe for
// concurrent use.
type Set struct {
	templates map[string]*compiled
}

// compiled is one template with every string compiled.
type compiled struct {
	message   *template.Template // nil when the template has no message
	slackText *template.Template // nil: the message is the Slack text
	// slackBlocks is a compiled YAML list, or a *template.Template that must
	// render to a JSON array; nil without blocks.
	slackBlocks node
	webhooks    map[string]compiledWebhook
}

type compiledWebhook struct {
	method string
	path   *template.Template // nil: no path
	body   node               // nil: the event's data
}

// Compile compiles every template (name → raw YAML). A template that is not
// YAML, has an unknown field, does not parse, or fails on sample data (a
// misspelt field) is a Problem and is left out of the Set; the rest compile.
// Problems come sorted by template name.
func Compile(templates map[string]string) (*Set, []Problem) {
	set := &Set{templates: make(map[string]*compiled, len(templates))}
	var problems []Problem
	names := make([]string, 0, len(templates))
	for name := range templates {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c, err := compileOne(name, templates[name])
		if err == nil {
			err = tryOnSample(c)
		}
		if err != nil {
			problems = append(problems, Problem{Template: name, Message: err.Error()})
			continue
		}
		set.templates[name] = c
	}
	return set, problems
}

// Has says whether name compiled and can be rendered.
func (s *Set) Has(name string) bool {
	if s == nil {
		return false
	}
	_, ok := s.templates[name]
	return ok
}

func compileOne(name, raw string) (*compiled, error) {
	spec, err := parseSpec(raw)
	if err != nil {
		return nil, err
	}
	c := &compiled{webhooks: map[string]compiledWebhook{}}
	if spec.Message != "" {
		if c.message, err = compileText(name+".message", spec.Message); err != nil {
			return nil, fmt.Errorf("message %w", err)
		}
	}
	if spec.Slack != nil {
		if spec.Slack.Text != "" {
			if c.slackText, err = compileText(name+".slack.text", spec.Slack.Text); err != nil {
				return nil, fmt.Errorf("slack.text %w", err)
			}
		}
		if spec.Slack.Blocks != nil {
			if err := mustBeListOrString("slack.blocks", spec.Slack.Blocks); err != nil {
				return nil, err
			}
			if c.slackBlocks, err = compileTree(name+".slack.blocks", spec.Slack.Blocks); err != nil {
				return nil, fmt.Errorf("slack.blocks %w", err)
			}
		}
	}
	for webhook, w := range spec.Webhook {
		field := "webhook." + webhook
		out := compiledWebhook{method: w.Method}
		if w.Path != "" {
			if out.path, err = compileText(name+"."+field+".path", w.Path); err != nil {
				return nil, fmt.Errorf("%s.path %w", field, err)
			}
		}
		if w.Body != nil {
			if out.body, err = compileTree(name+"."+field+".body", w.Body); err != nil {
				return nil, fmt.Errorf("%s.body %w", field, err)
			}
		}
		c.webhooks[webhook] = out
	}
	if c.message == nil && c.slackText == nil && c.slackBlocks == nil && len(c.webhooks) == 0 {
		return nil, fmt.Errorf("has nothing to send: give a message, a slack text or blocks, or a webhook body")
	}
	return c, nil
}

func mustBeListOrString(field string, value any) error {
	switch value.(type) {
	case []any, string:
		return nil
	}
	return fmt.Errorf("%s must be a YAML list or a string of JSON", field)
}
