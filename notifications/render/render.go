package render

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/template"

	"github.com/sluice-dev/sluice/notifications"
)

// Render renders the named templates for one delivery. It renders only what
// the destination uses (a webhook's body, or Slack's text and blocks) and
// returns an error, never a partial Message, when any part fails: a
// template not in the Set, a field that is not in the data, a string body
// that is not JSON, or nothing at all to send.
//
// With several templates, Slack texts are joined one per line and blocks
// concatenated; for a webhook the last template with a body for it wins.
func (s *Set) Render(names []string, d notifications.Delivery) (Message, error) {
	if len(names) == 0 {
		return Message{}, fmt.Errorf("no templates to render")
	}
	templates := make([]*compiled, len(names))
	for i, name := range names {
		if !s.Has(name) {
			return Message{}, fmt.Errorf("template %q is not defined or did not compile", name)
		}
		templates[i] = s.templates[name]
	}
	if webhook, ok := strings.CutPrefix(d.Service, "webhook."); ok {
		return renderWebhook(names, templates, webhook, d)
	}
	return renderSlack(names, templates, d)
}

func renderWebhook(names []string, templates []*compiled, webhook string, d notifications.Delivery) (Message, error) {
	var msg Message
	var data any
	for i, c := range templates {
		w, ok := c.webhooks[webhook]
		if !ok {
			continue
		}
		where := fmt.Sprintf("template %q webhook.%s", names[i], webhook)
		msg.WebhookMethod = w.method
		if w.path != nil {
			path, err := execute(w.path, d.Data)
			if err != nil {
				return Message{}, fmt.Errorf("%s.path: %s", where, err)
			}
			msg.WebhookPath = path
		}
		if w.body != nil {
			body, err := renderJSONTree(w.body, d.Data)
			if err != nil {
				return Message{}, fmt.Errorf("%s.body: %s", where, err)
			}
			data = body
		}
	}
	if data == nil {
		payload, err := dataPayload(d.Data)
		if err != nil {
			return Message{}, err
		}
		data = payload
	}
	body, err := json.Marshal(newCloudEvent(d, data))
	if err != nil {
		return Message{}, fmt.Errorf("webhook body: %s", oneLine(err))
	}
	msg.Webhook = body
	return msg, nil
}

func renderSlack(names []string, templates []*compiled, d notifications.Delivery) (Message, error) {
	var texts []string
	var blocks []any
	for i, c := range templates {
		where := fmt.Sprintf("template %q", names[i])
		text := c.slackText
		if text == nil {
			text = c.message
		}
		if text != nil {
			out, err := execute(text, d.Data)
			if err != nil {
				return Message{}, fmt.Errorf("%s: %s", where, err)
			}
			if out != "" {
				texts = append(texts, out)
			}
		}
		if c.slackBlocks != nil {
			out, err := renderJSONTree(c.slackBlocks, d.Data)
			if err != nil {
				return Message{}, fmt.Errorf("%s slack.blocks: %s", where, err)
			}
			list, ok := out.([]any)
			if !ok {
				return Message{}, fmt.Errorf("%s slack.blocks: not a JSON array", where)
			}
			blocks = append(blocks, list...)
		}
	}
	if len(texts) == 0 && len(blocks) == 0 {
		return Message{}, fmt.Errorf("templates %s give no Slack text or blocks", strings.Join(names, ", "))
	}
	msg := Message{SlackText: strings.Join(texts, "\n"), SlackSummary: Summary(d.Data)}
	if len(blocks) > 0 {
		out, err := json.Marshal(blocks)
		if err != nil {
			return Message{}, fmt.Errorf("slack blocks: %s", oneLine(err))
		}
		msg.SlackBlocks = out
	}
	return msg, nil
}

// renderJSONTree renders a compiled body or blocks: a YAML tree rendered
// field by field, or one string that must render to JSON.
func renderJSONTree(n node, data notifications.Data) (any, error) {
	out, err := renderTree(n, data)
	if err != nil {
		return nil, err
	}
	if _, isText := n.(*template.Template); isText {
		value, err := decodeJSON(out.(string))
		if err != nil {
			return nil, fmt.Errorf("renders to text that is not JSON (%s); write it as a YAML object, or quote values with the json function", oneLine(err))
		}
		return value, nil
	}
	return out, nil
}
