package render

import (
	"strings"
	"testing"

	"github.com/sluice-dev/sluice/notifications"
)

func TestCompileReportsEachBrokenTemplateAndKeepsTheRest(t *testing.T) {
	templates := map[string]string{
		"good":            `message: "{{.Rollout.Name}}"`,
		"unparsable":      `message: "{{.Rollout.Name"`,
		"misspelt":        `message: "{{.Rollout.Nmae}}"`,
		"not-yaml":        "message: [unclosed",
		"unknown-field":   `{mesage: hi}`,
		"empty":           ``,
		"nothing":         `{slack: {}}`,
		"bad-body":        `{webhook: {audit: {body: {x: "{{.Nope}}"}}}}`,
		"bad-blocks":      `{slack: {blocks: {not: a list}}}`,
		"bad-func":        `message: "{{nosuch .Rollout.Name}}"`,
		"string-not-json": `{webhook: {audit: {body: "{not json {{.Rollout.Name}}"}}}`,
	}
	set, problems := Compile(templates)
	want := map[string]string{
		"unparsable":      "does not parse",
		"misspelt":        "Nmae",
		"not-yaml":        "not YAML",
		"unknown-field":   "mesage",
		"empty":           "empty",
		"nothing":         "nothing to send",
		"bad-body":        "Nope",
		"bad-blocks":      "slack.blocks must be a YAML list",
		"bad-func":        "nosuch",
		"string-not-json": "not JSON",
	}
	got := map[string]string{}
	for _, p := range problems {
		got[p.Template] = p.Message
		if strings.Contains(p.Message, "\n") {
			t.Errorf("problem for %s is not one line: %q", p.Template, p.Message)
		}
		if !strings.HasPrefix(p.String(), "template."+p.Template+": ") {
			t.Errorf("problem %q does not name its key", p.String())
		}
	}
	for name, fragment := range want {
		if !strings.Contains(got[name], fragment) {
			t.Errorf("problem for %s = %q, want it to mention %q", name, got[name], fragment)
		}
		if set.Has(name) {
			t.Errorf("broken template %s is in the set", name)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems = %v, want one for each of %d broken templates", problems, len(want))
	}
	if !set.Has("good") {
		t.Errorf("the good template did not survive its broken neighbours")
	}
}

func TestDefaultsCoverEveryTriggerAndRender(t *testing.T) {
	set, problems := Compile(Defaults())
	if len(problems) > 0 {
		t.Fatalf("built-in templates do not compile: %v", problems)
	}
	for _, trigger := range notifications.BuiltinTriggers {
		d := abortedDelivery("slack", "#r")
		d.Trigger, d.Data.Trigger = trigger, trigger
		d.Data.Analysis = nil // rollout triggers have none; every default must cope
		msg, err := set.Render([]string{trigger}, d)
		if err != nil {
			t.Errorf("%s: %v", trigger, err)
			continue
		}
		if !strings.Contains(msg.SlackText, "shop/checkout") {
			t.Errorf("%s: text %q does not name the Rollout", trigger, msg.SlackText)
		}
	}
	d := abortedDelivery("slack", "#r")
	msg, _ := set.Render([]string{notifications.OnAnalysisRunFailed}, d)
	if want := "analysis checkout-3 Failed; error-rate Failed (0.07)"; !strings.Contains(msg.SlackText, want) {
		t.Errorf("analysis text %q lacks %q", msg.SlackText, want)
	}
}
