package lint

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// FuzzLint lints fuzzed manifests offline: the YAML and JSON parse, the
// schema rules mirrored from the CRDs, the CEL rules, the controller's
// InvalidSpec rules, expressions, PromQL and references. It checks that lint
// never panics and that its report is what a user can rely on:
//
//   - deterministic: the same input gives the same findings, in the same
//     order, every time (Go randomizes map order, so two runs differ when a
//     rule depends on it);
//   - one line per finding, each naming its severity and document, and a
//     summary whose counts match the findings;
//   - the exit decision (errors > 0) matches the error lines.
//
// Whether the real API server agrees is out of scope here (no cluster).
func FuzzLint(f *testing.F) {
	files, err := filepath.Glob("testdata/lint/*")
	if err != nil || len(files) == 0 {
		f.Fatalf("seed manifests: %v %v", files, err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, false)
		f.Add(raw, true)
	}
	for _, seed := range lintSeeds {
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, strict bool) {
		first, errors := lintOnce(raw, strict)
		for range 2 {
			again, againErrors := lintOnce(raw, strict)
			if again != first || againErrors != errors {
				t.Fatalf("lint is not deterministic:\n--- first run (%d errors)\n%s--- another run (%d errors)\n%s", errors, first, againErrors, again)
			}
		}
		checkLintReport(t, first, errors, strict)
	})
}

// lintOnce runs lint on raw as the file "in.yaml" and returns its output and
// the number of errors (the exit decision).
func lintOnce(raw []byte, strict bool) (string, int) {
	report := Files([]Input{{Name: "in.yaml", Content: raw}}, strict)
	var out bytes.Buffer
	report.Print(&out)
	return out.String(), report.Errors()
}

var (
	findingLineRE = regexp.MustCompile(`^(error|warning|note): in\.yaml: document [1-9][0-9]*(: |\s\(|$)`)
	summaryRE     = regexp.MustCompile(`^(\d+) errors?, (\d+) warnings?(, (\d+) notes?)? in (\d+) documents?$`)
)

// checkLintReport checks the shape of lint's output.
func checkLintReport(t *testing.T, out string, errors int, strict bool) {
	t.Helper()
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("output does not end with a newline: %q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	summary := lines[len(lines)-1]
	counts := map[string]int{}
	for _, line := range lines[:len(lines)-1] {
		m := findingLineRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("finding line %q: want \"SEVERITY: in.yaml: document N…\" on one line; output:\n%s", line, out)
		}
		counts[m[1]]++
	}
	m := summaryRE.FindStringSubmatch(summary)
	if m == nil {
		t.Fatalf("summary %q is not \"N errors, N warnings[, N notes] in N documents\"", summary)
	}
	if strict != (m[4] != "") {
		t.Fatalf("summary %q: notes are counted exactly when --strict is on", summary)
	}
	if !strict && counts["note"] > 0 {
		t.Fatalf("notes printed without --strict:\n%s", out)
	}
	want := fmt.Sprintf("%d %d", counts["error"], counts["warning"])
	if got := m[1] + " " + m[2]; got != want {
		t.Fatalf("summary %q counts %s errors and warnings, the lines %s", summary, got, want)
	}
	if strict && m[4] != fmt.Sprint(counts["note"]) {
		t.Fatalf("summary %q counts %s notes, the lines %d", summary, m[4], counts["note"])
	}
	if errors != counts["error"] {
		t.Fatalf("lint decides on %d errors but prints %d", errors, counts["error"])
	}
}

// lintSeeds are small manifests that reach the schema and CEL rules with
// values of the wrong type, maps and lists, where map order could matter.
var lintSeeds = []string{
	`{"apiVersion":"sluice.dev/v1alpha1","kind":"Rollout","metadata":{"name":"x"},"spec":{"strategy":{"canary":{"steps":[{"setWeight":101,"pause":{}}]}}}}`,
	"apiVersion: sluice.dev/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template: {metadata: {labels: {app: api}}}\n  strategy: {canary: {maxSurge: 0, maxUnavailable: 0, steps: [{setCanaryScale: {weight: 1, replicas: 2}}]}}\n",
	"apiVersion: sluice.dev/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t}\nspec:\n  args: [{name: a, value: x, valueFrom: {}}]\n  metrics: [{name: m, count: 3, provider: {prometheus: {query: 'up{'}}}, {name: m, count: 2}]\n",
	"kind: List\napiVersion: v1\nitems:\n- 1\n- {apiVersion: sluice.dev/v1alpha1, kind: Rollout, spec: {workloadRef: {}, template: {}}}\n",
	"apiVersion: sluice.dev/v1alpha1\nkind: Rollout\nspec: {strategy: {blueGreen: {activeService: a, previewService: a, x: 1, y: 2, z: 3}}}\n---\n--- # c\n{]\n",
	"apiVersion: sluice.dev/v1alpha1\nkind: Rollout\nmetadata: {name: \"a\\nb\"}\nspec: {\"bad\\nkey\": 1, strategy: {canary: {steps: [{pause: {duration: \"18446744074\"}}]}}}\n",
}
