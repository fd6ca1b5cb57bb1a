package convert

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// exitFailure is the exit code of `kubectl sluice convert` on an error.
const exitFailure = 1

// result is what `kubectl sluice convert` would print and exit with.
type result struct {
	stdout, stderr string
	code           int
}

func wantExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	if code == 0 && r.stderr != "" {
		t.Errorf("stderr on success: %q", r.stderr)
	}
}

// wantOneErrorLine checks stderr is the one line given.
func wantOneErrorLine(t *testing.T, r result, line string) {
	t.Helper()
	if r.stderr != line+"\n" {
		t.Errorf("stderr:\n%q\nwant:\n%q", r.stderr, line+"\n")
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\n--- got\n%s--- want\n%s", path, got, want)
	}
}
