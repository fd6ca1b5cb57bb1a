package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// The conversions are tested in pkg/convert; these tests run the command: its
// inputs (files in order, stdin), where the stream and the warnings go, its
// messages and exit codes.

// runConvert runs the convert command with stdin.
func runConvert(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := newRootCommand(newFakeCluster(t).options())
	cmd.SetArgs(append([]string{"convert"}, args...))
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	code := ReportError(&stderr, cmd.Execute())
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// A file and stdin convert in order into one stream on stdout; each dropped
// field is a warning on stderr.
func TestConvertCommand(t *testing.T) {
	in, err := os.ReadFile("../convert/testdata/deployment.in.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := runConvert(t, string(in), "-f", "../convert/testdata/service.in.yaml", "-f", "-")
	wantExit(t, r, 0)
	var want string
	for _, golden := range []string{"service.out.yaml", "deployment.out.yaml"} {
		out, err := os.ReadFile("../convert/testdata/" + golden)
		if err != nil {
			t.Fatal(err)
		}
		if want != "" {
			want += "---\n"
		}
		want += string(out)
	}
	if r.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}

	r = runConvert(t, "", "-f", "../convert/testdata/argo-canary.in.yaml")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\nstderr: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	for _, line := range lines {
		if !strings.HasPrefix(line, "warning: ../convert/testdata/argo-canary.in.yaml#0 Rollout/checkout: field ") {
			t.Errorf("stderr line %q", line)
		}
	}
	if len(lines) != 4 {
		t.Errorf("%d warnings, want 4:\n%s", len(lines), r.stderr)
	}
}

func TestConvertErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		line string
		code int
	}{
		{"malformed yaml", []string{"-f", "../convert/testdata/malformed.in.yaml"},
			"error: ../convert/testdata/malformed.in.yaml#1: yaml: line 6: did not find expected ',' or ']'", ExitFailure},
		{"wrong type after conversion", []string{"-f", "-"},
			`error: -#0: json: cannot unmarshal string into Go struct field RolloutSpec.spec.replicas of type int32`, ExitFailure},
		{"missing file", []string{"-f", "testdata/convert-nothing.yaml"},
			"error: read testdata/convert-nothing.yaml: open testdata/convert-nothing.yaml: no such file or directory", ExitFailure},
		{"no file", nil,
			"error: give at least one -f FILE (see 'kubectl sluice convert --help')", ExitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdin := "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: x\nspec:\n  replicas: three\n"
			r := runConvert(t, stdin, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d", r.code, tc.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout on error: %q", r.stdout)
			}
			wantOneErrorLine(t, r, tc.line)
		})
	}
}
