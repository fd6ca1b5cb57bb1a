package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// promqlTemplate is an AnalysisTemplate with one Prometheus metric; its args
// are service (no value: the Rollout passes it), window (no value) and
// offset (value 1h).
func promqlTemplate(query string) string {
	return fmt.Sprintf(`apiVersion: sluice.dev/v1alpha1
kind: AnalysisTemplate
metadata: {name: checks}
spec:
  args:
  - name: service
  - name: window
  - name: offset
    value: 1h
  metrics:
  - name: errors
    provider:
      prometheus:
        query: %q
`, query)
}

// Every Prometheus query is parsed with Prometheus' parser; args get their
// template value or a stand-in that fits where they stand, so valid queries
// never get a finding.
func TestLintPromQL(t *testing.T) {
	const at = "<stdin>: document 1 (AnalysisTemplate/checks): spec.metrics[0].provider.prometheus.query: "
	for _, tc := range []struct {
		name, query string
		finding     string // "" for none
	}{
		{name: "args in label values, a range, after offset and as a threshold",
			query: `sum(rate(http_requests_total{service="{{args.service}}",code=~"5.."}[{{args.window}}] offset {{args.offset}})) / sum(rate(http_requests_total{service="{{args.service}}"}[{{args.window}}])) > {{args.service}}`},
		{name: "an arg as the metric name and as a label name", query: `{{args.service}}{ {{args.window}}="x"} and on({{args.service}}) up`},
		{name: "an arg inside a regular expression and with spaces in the braces", query: `up{job=~"{{ args.service }}.*"}`},
		{name: "an arg at @", query: `up @ {{args.window}}`},
		{name: "an experimental function", query: `limitk(2, up)`},
		{name: "a missing parenthesis", query: `sum(rate(http_requests_total{service="{{args.service}}"}[5m])`,
			finding: `error: ` + at + `does not parse as PromQL: 1:56: parse error: unclosed left parenthesis (in the query with args substituted: "sum(rate(http_requests_total{service=\"sluice_arg\"}[5m])")`},
		{name: "a stray brace, without args", query: `up{job="a"}}`,
			finding: `error: ` + at + `does not parse as PromQL: 1:12: parse error: unexpected character: '}'`},
		{name: "a template value that does not fit", query: `rate(up[5m] offset {{args.offset}}s)`,
			finding: `warning: ` + at + `does not parse as PromQL with {{args.offset}} at its value in the template: 1:20: parse error: unknown unit "hs" in duration "1hs" (in the query with args substituted: "rate(up[5m] offset 1hs)")`},
		{name: "an arg where no stand-in fits", query: `rate(up[5m]) {{args.service}} 3`,
			finding: `note: ` + at + `not checked: {{args.service}} has no value in the template and no stand-in parses where it stands, so Prometheus checks the query when the run starts: 1:14: parse error: unexpected identifier "sluice_arg" (in the query with args substituted: "rate(up[5m]) sluice_arg 3")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runLint(t, promqlTemplate(tc.query), "-f", "-", "--strict")
			findings, _ := lintLines(t, r.stdout)
			var want []string
			if tc.finding != "" {
				want = []string{tc.finding}
			}
			if strings.Join(findings, "\n") != strings.Join(want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(findings, "\n"), strings.Join(want, "\n"))
			}
			wantCode := 0
			if strings.HasPrefix(tc.finding, "error") {
				wantCode = exitFailure
			}
			wantExit(t, r, wantCode)
		})
	}
}

// An AnalysisRun's queries are checked too, with the run's argument values.
func TestLintPromQLInAnalysisRun(t *testing.T) {
	run := `apiVersion: sluice.dev/v1alpha1
kind: AnalysisRun
metadata: {name: checks}
spec:
  args: [{name: window, value: 5m}]
  metrics:
  - name: errors
    provider: {prometheus: {query: "rate(up[{{args.window}}]"}}
`
	r := runLint(t, run, "-f", "-")
	wantExit(t, r, exitFailure)
	want := `error: <stdin>: document 1 (AnalysisRun/checks): spec.metrics[0].provider.prometheus.query: does not parse as PromQL: 1:12: parse error: unclosed left parenthesis (in the query with args substituted: "rate(up[5m]")`
	if findings, _ := lintLines(t, r.stdout); strings.Join(findings, "\n") != want {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(findings, "\n"), want)
	}
}

// The queries the repository ships — the examples, the docs' snippets and the
// e2e fixtures — all parse with their args replaced by stand-ins, as lint
// reads them; those of the e2e test of invalid queries do not.
func TestLintPromQLStandInsFitTheRepositorysQueries(t *testing.T) {
	queries := repositoryQueries(t)
	if len(queries) < 10 {
		t.Fatalf("found only %d queries: %q", len(queries), queries)
	}
	for where, query := range queries {
		resolved, _ := substitutePromQLArgs(query, nil)
		_, err := promqlParser.ParseExpr(resolved)
		if invalid := strings.Contains(where, "analysis_errors_test.go") && strings.Contains(query, "sum("); invalid != (err != nil) {
			t.Errorf("%s: %q (as %q): parse error %v, want one: %v", where, query, resolved, err, invalid)
		}
	}
}

var (
	// yamlBlockRE finds the YAML of a Markdown code block or a Go raw string.
	yamlBlockRE = regexp.MustCompile("(?s)```yaml\n(.*?)```|`([^`]*prometheus[^`]*)`")
	// sprintfQueryRE finds a PromQL format string in the e2e helpers.
	sprintfQueryRE = regexp.MustCompile("fmt\\.Sprintf\\(`((?:sum|rate|vector|avg|max|min|histogram_quantile)\\([^`]*)`")
	goVerbRE       = regexp.MustCompile(`%(\[\d+\])?([sdvq])`)
)

// repositoryQueries collects the PromQL queries of the repository's examples,
// docs and e2e tests (YAML in Markdown code blocks and Go raw strings, and the
// e2e helpers' query format strings), by file.
func repositoryQueries(t *testing.T) map[string]string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"../../manifests/examples/*.yaml", "../../docs/*.md", "../../README.md", "../../test/e2e/*.go"} {
		matches, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, matches...)
	}
	queries := map[string]string{}
	add := func(file, query string) { queries[fmt.Sprintf("%s#%d", file, len(queries))] = query }
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		var blocks []string
		if strings.HasSuffix(file, ".yaml") {
			blocks = []string{text}
		}
		for _, m := range yamlBlockRE.FindAllStringSubmatch(text, -1) {
			blocks = append(blocks, m[1]+m[2])
		}
		for _, block := range blocks {
			for _, doc := range splitYAML([]byte(withoutGoVerbs(block))) {
				var v any
				if yaml.Unmarshal(doc.body, &v) == nil {
					prometheusQueries(v, func(q string) { add(file, q) })
				}
			}
		}
		for _, m := range sprintfQueryRE.FindAllStringSubmatch(text, -1) {
			add(file, withoutGoVerbs(m[1]))
		}
	}
	return queries
}

// withoutGoVerbs fills a Go format string's verbs: %q with a quoted string,
// the others with a name.
func withoutGoVerbs(s string) string {
	return goVerbRE.ReplaceAllStringFunc(s, func(verb string) string {
		if strings.HasSuffix(verb, "q") {
			return `"v1"`
		}
		return "v1"
	})
}

// prometheusQueries calls fn with the query of every prometheus provider below v.
func prometheusQueries(v any, fn func(string)) {
	switch c := v.(type) {
	case map[string]any:
		if p, ok := c["prometheus"].(map[string]any); ok {
			if q, ok := p["query"].(string); ok {
				fn(q)
			}
		}
		for _, item := range c {
			prometheusQueries(item, fn)
		}
	case []any:
		for _, item := range c {
			prometheusQueries(item, fn)
		}
	}
}
