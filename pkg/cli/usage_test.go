package cli

import (
	"strings"
	"testing"

	"github.com/sluice-dev/sluice/pkg/version"
)

// Command line mistakes exit 2 with one line that points at the help.
func TestUsageErrors(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	for _, tc := range []struct {
		args []string
		line string
	}{
		{[]string{"promote"}, `error: promote needs NAME, got 0 arguments (see 'kubectl sluice promote --help')`},
		{[]string{"promote", "a", "b"}, `error: promote needs NAME, got 2 arguments (see 'kubectl sluice promote --help')`},
		{[]string{"abort"}, `error: abort needs at least one rollout NAME (see 'kubectl sluice abort --help')`},
		{[]string{"promte", "web"}, `error: unknown command "promte" for "kubectl sluice" (did you mean "promote"?) (see 'kubectl sluice --help')`},
		{[]string{"get", "deployment", "web"}, `error: unknown command "deployment" for "kubectl sluice get" (see 'kubectl sluice get --help')`},
		{[]string{"promote", "web", "--fulll"}, `error: unknown flag: --fulll (see 'kubectl sluice promote --help')`},
		{[]string{"status", "web", "-t", "soon"}, `error: invalid argument "soon" for "-t, --timeout" flag: time: invalid duration "soon" (see 'kubectl sluice status --help')`},
		{[]string{"completion", "powershell"}, `error: unknown shell "powershell": use bash, zsh or fish (see 'kubectl sluice completion --help')`},
	} {
		r := c.run(tc.args...)
		if r.code != 2 || r.stderr != tc.line+"\n" || r.stdout != "" {
			t.Errorf("%v: exit %d stdout %q stderr %q, want exit 2 and %q", tc.args, r.code, r.stdout, r.stderr, tc.line)
		}
	}
}

func TestVersion(t *testing.T) {
	r := newFakeCluster(t).run("version")
	wantExit(t, r, 0)
	if r.stdout != "kubectl-sluice "+version.Version+"\n" {
		t.Errorf("stdout %q", r.stdout)
	}
}

func TestCompletion(t *testing.T) {
	c := newFakeCluster(t)
	for shell, marker := range map[string]string{"bash": "complete -o default", "zsh": "#compdef kubectl-sluice", "fish": "complete -c kubectl-sluice"} {
		r := c.run("completion", shell)
		wantExit(t, r, 0)
		if !strings.Contains(r.stdout, marker) {
			t.Errorf("%s script lacks %q", shell, marker)
		}
	}
}

func TestCompletionOfRolloutNames(t *testing.T) {
	c := newFakeCluster(t, listFixture()...)
	r := c.run("__complete", "promote", "")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "api\nweb\n:4\n") {
		t.Errorf("completion %q", r.stdout)
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine("first\nsecond\r\n third \n"); got != "first; second; third" {
		t.Errorf("oneLine %q", got)
	}
}
