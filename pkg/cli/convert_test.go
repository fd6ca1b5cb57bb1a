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

// --kayenta-config gives the canary configs of Argo's Kayenta metrics; the
// stream then holds the Rollout with a baseline and the judge template.
func TestConvertWithAKayentaConfig(t *testing.T) {
	r := runConvert(t, "", "--kayenta-config", "../convert/testdata/kayenta-config.json", "-f", "../convert/testdata/argo-kayenta.in.yaml")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\nstderr: %s", r.code, r.stderr)
	}
	want, err := os.ReadFile("../convert/testdata/argo-kayenta.out.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if r.stdout != string(want) {
		t.Errorf("stdout:\n%s\nwant:\n%s", r.stdout, want)
	}
	if !strings.Contains(r.stderr, "warning: ../convert/testdata/argo-kayenta.in.yaml#1 AnalysisTemplate/kayenta-judge: spec.metrics[0] (judge): provider.kayenta with canary config \"guestbook-canary\" became provider.judge") {
		t.Errorf("stderr:\n%s", r.stderr)
	}

	r = runConvert(t, "", "-f", "../convert/testdata/argo-kayenta.in.yaml")
	if r.code != ExitFailure || r.stdout != "" {
		t.Errorf("without the config: exit %d, stdout %q", r.code, r.stdout)
	}
	wantOneErrorLine(t, r, `error: ../convert/testdata/argo-kayenta.in.yaml#1: metric "judge" uses Kayenta canary config "guestbook-canary": give it with --kayenta-config FILE (Kayenta's GET /canaryConfig/{id}), as the judge needs its metrics`)
	r = runConvert(t, "", "--kayenta-config", "nothing.json", "-f", "../convert/testdata/argo-kayenta.in.yaml")
	wantOneErrorLine(t, r, "error: read nothing.json: open nothing.json: no such file or directory")
}
