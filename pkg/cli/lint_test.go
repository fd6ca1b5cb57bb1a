package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The checks are tested in pkg/lint; these tests run the command: its inputs
// (files, directories, stdin), --strict, its messages and exit codes.

// runLint runs the lint command with stdin.
func runLint(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := newRootCommand(newFakeCluster(t).options())
	cmd.SetArgs(append([]string{"lint"}, args...))
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	code := ReportError(&stderr, cmd.Execute())
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// lintLines splits lint output into its finding lines and its summary.
func lintLines(t *testing.T, stdout string) ([]string, string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

// Stdin, a directory and --strict notes, and reference checks across files.
func TestLintInputs(t *testing.T) {
	stdin, err := os.ReadFile("../lint/testdata/lint/bad-weight.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := runLint(t, string(stdin), "-f", "-")
	wantExit(t, r, ExitFailure)
	want := "error: <stdin>: document 1 (Rollout/web): spec.strategy.canary.steps[0].setWeight: must be at most 100, got 150\n" +
		"1 error, 0 warnings in 1 document\n"
	if r.stdout != want {
		t.Errorf("stdin:\n%s\nwant:\n%s", r.stdout, want)
	}

	// The Rollout's Services are in another file: checked, and found.
	r = runLint(t, "", "-f", "../../manifests/examples/canary.yaml", "-f", "../../manifests/examples/analysistemplate.yaml", "--strict")
	wantExit(t, r, 0)
	if r.stdout != "0 errors, 0 warnings, 0 notes in 4 documents\n" {
		t.Errorf("two files:\n%s", r.stdout)
	}

	// Without --strict the references left to the cluster are not mentioned.
	r = runLint(t, "", "-f", "../../manifests/examples/bluegreen.yaml")
	wantExit(t, r, 0)
	if r.stdout != "0 errors, 0 warnings in 3 documents\n" {
		t.Errorf("bluegreen:\n%s", r.stdout)
	}
	r = runLint(t, "", "-f", "../../manifests/examples/bluegreen.yaml", "--strict")
	wantExit(t, r, 0)
	wantNote := `note: ../../manifests/examples/bluegreen.yaml: document 3 (Rollout/web-bg): spec.strategy.blueGreen.prePromotionAnalysis.templates[0].templateName: not checked: the files hold no AnalysisTemplate; AnalysisTemplate "success-rate" must exist in the cluster`
	if findings, summary := lintLines(t, r.stdout); !cmp.Equal(findings, []string{wantNote}) || summary != "0 errors, 0 warnings, 1 note in 3 documents" {
		t.Errorf("bluegreen --strict:\n%s", r.stdout)
	}

	// A directory is its manifest files in name order.
	r = runLint(t, "", "-f", "../lint/testdata/lint")
	wantExit(t, r, ExitFailure)
	first := strings.Index(r.stdout, "../lint/testdata/lint/bad-apiversion.yaml: document 1")
	last := strings.Index(r.stdout, "../lint/testdata/lint/multi.yaml: document 9")
	if first < 0 || last < first {
		t.Errorf("directory:\n%s", r.stdout)
	}
}

func TestLintCommandErrors(t *testing.T) {
	r := runLint(t, "", "-f", "../lint/testdata/lint/nothing.yaml")
	wantExit(t, r, ExitFailure)
	wantOneErrorLine(t, r, "error: read ../lint/testdata/lint/nothing.yaml: no such file or directory")
	if r.stdout != "" {
		t.Errorf("stdout %q", r.stdout)
	}
	r = runLint(t, "")
	wantExit(t, r, ExitUsage)
	wantOneErrorLine(t, r, "error: give at least one -f FILE (see 'kubectl sluice lint --help')")
}

// TestLintAndPlanFlagTheSameRouteSteps: plan notes the row of the very step lint
// warns about, and no other.
func TestLintAndPlanFlagTheSameRouteSteps(t *testing.T) {
	const file = "../lint/testdata/route-pods/header-before-pods.yaml"
	r := newFakeCluster(t).run("plan", "-f", file)
	wantExit(t, r, 0)
	var noted []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "no route set: the canary has no pods") {
			noted = append(noted, strings.Fields(line)[0])
		}
	}
	if !cmp.Equal(noted, []string{"1"}) {
		t.Errorf("plan notes steps %v, want [1] (lint's steps[0]):\n%s", noted, r.stdout)
	}
}
