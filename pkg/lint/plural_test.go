package lint

import (
	"strings"
	"testing"
)

// Lint's messages that count things use the singular for one.
func TestLintCountNouns(t *testing.T) {
	rollout := `apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: app
        image: example/app:1
  strategy:
    canary:
      analysis:
        templates:
        - templateName: checks
        startingStep: 3
      steps:
      - setWeight: 50
`
	r := runLint(t, rollout, "-f", "-")
	wantExit(t, r, 0)
	want := "warning: <stdin>: document 1 (Rollout/web): spec.strategy.canary.analysis.startingStep: is 3, but there is only 1 step (0): the background analysis would never run\n" +
		"0 errors, 1 warning in 1 document\n"
	if r.stdout != want {
		t.Errorf("got:\n%s\nwant:\n%s", r.stdout, want)
	}

	// The schema rules' own counts, with limits low enough to reach one.
	for _, tc := range []struct {
		rule  schemaRule
		value any
		want  string
	}{
		{maxItems("x", 0), []any{1}, "has 1 item; at most 0 are allowed"},
		{minItems("x", 2), []any{1}, "has 1 item; at least 2 required"},
		{maxProperties("x", 0), map[string]any{"a": 1}, "has 1 entry; at most 0 are allowed"},
		{maxLength("x", 0), "a", `"a" is 1 character long; at most 0 are allowed`},
		{maxItems("x", 1), []any{1, 2}, "has 2 items; at most 1 is allowed"},
		{maxLength("x", 1), "ab", `"ab" is 2 characters long; at most 1 is allowed`},
	} {
		var got []string
		tc.rule.check("x", tc.value, func(_, msg string) { got = append(got, msg) })
		if strings.Join(got, "|") != tc.want {
			t.Errorf("%s %s: got %q, want %q", tc.rule.keyword, tc.rule.arg, got, tc.want)
		}
	}
}
