package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The tests run this test binary as kubectl-sluice: with KUBECTL_SLUICE_MAIN set,
// TestMain runs main instead of the tests.
func TestMain(m *testing.M) {
	if os.Getenv("KUBECTL_SLUICE_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	// An empty kubeconfig pointing nowhere: no test reaches a real cluster.
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(kubeconfigNowhere), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "KUBECTL_SLUICE_MAIN=1", "KUBECONFIG="+kubeconfig)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code = 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// kubeconfigNowhere points at a port nothing listens on.
const kubeconfigNowhere = `apiVersion: v1
kind: Config
clusters:
- name: nowhere
  cluster: {server: "https://127.0.0.1:1"}
contexts:
- name: nowhere
  context: {cluster: nowhere, user: nobody, namespace: default}
current-context: nowhere
users:
- name: nobody
  user: {token: none}
`

func TestExitCodesAndOneLineErrors(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"version"}, 0, ""},
		{[]string{"promote"}, 2, "error: promote needs NAME, got 0 arguments (see 'kubectl sluice promote --help')\n"},
		{[]string{"--nope"}, 2, "error: unknown flag: --nope (see 'kubectl sluice --help')\n"},
		{[]string{"promote", "web", "--request-timeout", "2s"}, 1, ""},
	} {
		stdout, stderr, code := runMain(t, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tc.args, code, tc.code, stderr)
		}
		if tc.stderr != "" && stderr != tc.stderr {
			t.Errorf("%v: stderr %q, want %q", tc.args, stderr, tc.stderr)
		}
		if tc.code != 0 && (strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "error: ")) {
			t.Errorf("%v: stderr is not one error line: %q", tc.args, stderr)
		}
		if tc.code == 0 && !strings.HasPrefix(stdout, "kubectl-sluice ") {
			t.Errorf("%v: stdout %q", tc.args, stdout)
		}
	}
}
