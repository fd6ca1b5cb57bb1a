package render

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func compileOK(t *testing.T, templates map[string]string) *Set {
	t.Helper()
	set, problems := Compile(templates)
	if len(problems) > 0 {
		t.Fatalf("Compile: %v", problems)
	}
	return set
}

func decode(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("webhook body is not JSON: %v\n%s", err, body)
	}
	return out
}

func TestWebhookYAMLBodyKeepsQuotesIntact(t *testing.T) {
	set := compileOK(t, map[string]string{"aborted": `
webhook:
  audit:
    method: PUT
    path: /releases/{{.Rollout.Name}}
    body:
      rollout: "{{.Rollout.Namespace}}/{{.Rollout.Name}}"
      message: "{{.Rollout.Message}}"
      reason: "{{.Rollout.AbortReason}}"
      revision: 3
      labels: ["{{.Rollout.Phase}}", true]
`})
	d := abortedDelivery("webhook.audit", "")
	msg, err := set.Render([]string{"aborted"}, d)
	if err != nil {
		t.Fatal(err)
	}
	if msg.WebhookMethod != "PUT" || msg.WebhookPath != "/releases/checkout" {
		t.Errorf("method, path = %q, %q; want PUT, /releases/checkout", msg.WebhookMethod, msg.WebhookPath)
	}
	got := decode(t, msg.Webhook)["data"]
	want := map[string]any{
		"rollout":  "shop/checkout",
		"message":  d.Data.Rollout.Message,
		"reason":   d.Data.Rollout.AbortReason,
		"revision": float64(3),
		"labels":   []any{"Degraded", true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
}

func TestCloudEventEnvelope(t *testing.T) {
	set := compileOK(t, Defaults())
	d := abortedDelivery("webhook.audit", "")
	msg, err := set.Render([]string{"on-rollout-aborted"}, d)
	if err != nil {
		t.Fatal(err)
	}
	event := decode(t, msg.Webhook)
	for field, want := range map[string]any{
		"specversion":     "1.0",
		"id":              d.ID(),
		"type":            "dev.sluice.on-rollout-aborted",
		"source":          "/namespaces/shop/rollouts/checkout",
		"subject":         "revisions/3",
		"time":            "2026-12-03T15:04:05Z",
		"datacontenttype": "application/json",
	} {
		if event[field] != want {
			t.Errorf("%s = %v, want %v", field, event[field], want)
		}
	}
	if !strings.Contains(event["id"].(string), "/webhook.audit/") {
		t.Errorf("id %q does not name the destination", event["id"])
	}
}

func TestDefaultWebhookBodyIsTheData(t *testing.T) {
	set := compileOK(t, Defaults())
	d := abortedDelivery("webhook.audit", "")
	msg, err := set.Render([]string{"on-rollout-aborted"}, d)
	if err != nil {
		t.Fatal(err)
	}
	data := decode(t, msg.Webhook)["data"].(map[string]any)
	rollout := data["rollout"].(map[string]any)
	analysis := data["analysis"].(map[string]any)
	checks := map[string][2]any{
		"trigger":              {data["trigger"], "on-rollout-aborted"},
		"key":                  {data["key"], d.Key},
		"rollout.name":         {rollout["name"], "checkout"},
		"rollout.uid":          {rollout["uid"], "u1"},
		"rollout.message":      {rollout["message"], d.Data.Rollout.Message},
		"rollout.canaryWeight": {rollout["canaryWeight"], float64(20)},
		"rollout.abortReason":  {rollout["abortReason"], d.Data.Rollout.AbortReason},
		"analysis.phase":       {analysis["phase"], "Failed"},
	}
	for field, pair := range checks {
		if pair[0] != pair[1] {
			t.Errorf("data.%s = %v, want %v", field, pair[0], pair[1])
		}
	}
}

func TestStringBodyMustRenderToJSON(t *testing.T) {
	set := compileOK(t, map[string]string{
		"quoted": `{webhook: {audit: {body: '{"message": {{json .Rollout.Message}}}'}}}`,
		"naive":  `{webhook: {audit: {body: '{"message": "{{.Rollout.Message}}"}'}}}`,
	})
	d := abortedDelivery("webhook.audit", "")
	msg, err := set.Render([]string{"quoted"}, d)
	if err != nil {
		t.Fatalf("json-quoted body: %v", err)
	}
	if got := decode(t, msg.Webhook)["data"].(map[string]any)["message"]; got != d.Data.Rollout.Message {
		t.Errorf("message = %q, want %q", got, d.Data.Rollout.Message)
	}
	msg, err = set.Render([]string{"naive"}, d)
	if err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Fatalf("a body the quote breaks: err = %v, want one saying it is not JSON", err)
	}
	if msg.Webhook != nil {
		t.Errorf("a failed render returned a body: %s", msg.Webhook)
	}
}

func TestSlackTextAndBlocks(t *testing.T) {
	set := compileOK(t, map[string]string{
		"short": `message: "{{.Rollout.Name}} aborted"`,
		"rich": `
message: "ignored: slack.text wins"
slack:
  text: "*{{.Rollout.Name}}*: {{.Rollout.Message}}"
  blocks:
  - type: section
    text: {type: mrkdwn, text: "{{.Rollout.AbortReason}}"}
`,
	})
	d := abortedDelivery("slack", "#releases")
	msg, err := set.Render([]string{"short", "rich"}, d)
	if err != nil {
		t.Fatal(err)
	}
	if want := "checkout aborted\n*checkout*: " + d.Data.Rollout.Message; msg.SlackText != want {
		t.Errorf("text = %q, want %q", msg.SlackText, want)
	}
	var blocks []map[string]any
	if err := json.Unmarshal(msg.SlackBlocks, &blocks); err != nil {
		t.Fatalf("blocks are not JSON: %v\n%s", err, msg.SlackBlocks)
	}
	if len(blocks) != 1 || blocks[0]["text"].(map[string]any)["text"] != d.Data.Rollout.AbortReason {
		t.Errorf("blocks = %s", msg.SlackBlocks)
	}
	if msg.Webhook != nil {
		t.Errorf("a Slack render has a webhook body")
	}
	if want := "shop/checkout revision 3: Degraded, step 2/5, canary 20%, aborted: " + d.Data.Rollout.AbortReason; msg.SlackSummary != want {
		t.Errorf("summary = %q, want %q", msg.SlackSummary, want)
	}
}

func TestRenderRefusesRatherThanHalfSend(t *testing.T) {
	set := compileOK(t, map[string]string{
		"webhook-only":  `{webhook: {audit: {body: {a: b}}}}`,
		"analysis-name": `message: "{{.Analysis.Name}}"`,
	})
	rolloutOnly := abortedDelivery("slack", "#r")
	rolloutOnly.Data.Analysis = nil
	for name, tc := range map[string]struct {
		names []string
		d     func() any
		want  string
	}{
		"unknown template":       {[]string{"nope"}, nil, `template "nope" is not defined`},
		"one unknown among good": {[]string{"analysis-name", "nope"}, nil, `template "nope"`},
		"no Slack text":          {[]string{"webhook-only"}, nil, "no Slack text"},
		"nil analysis":           {[]string{"analysis-name"}, nil, "nil pointer"},
		"no templates":           {nil, nil, "no templates"},
	} {
		t.Run(name, func(t *testing.T) {
			msg, err := set.Render(tc.names, rolloutOnly)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if !cmp.Equal(msg, Message{}) {
				t.Errorf("a failed render returned %+v", msg)
			}
		})
	}
}

func TestWebhookWithoutItsBodyGetsData(t *testing.T) {
	set := compileOK(t, map[string]string{"other": `{message: hi, webhook: {other: {body: {a: b}}}}`})
	msg, err := set.Render([]string{"other"}, abortedDelivery("webhook.audit", ""))
	if err != nil {
		t.Fatal(err)
	}
	data := decode(t, msg.Webhook)["data"].(map[string]any)
	if data["trigger"] != "on-rollout-aborted" {
		t.Errorf("data = %v, want the event's data", data)
	}
}

func TestLowerCamel(t *testing.T) {
	for in, want := range map[string]string{"Name": "name", "UID": "uid", "CanaryWeight": "canaryWeight", "URLPath": "urlPath", "already": "already"} {
		if got := lowerCamel(in); got != want {
			t.Errorf("lowerCamel(%q) = %q, want %q", in, got, want)
		}
	}
}
