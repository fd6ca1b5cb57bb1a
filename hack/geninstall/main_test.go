package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGeneratedFilesAreFresh fails when manifests/install.yaml or
// namespace-install.yaml differs from what geninstall makes of the current pieces
// and CRDs (hack/verify-codegen.sh checks the same; this catches it in go test).
func TestGeneratedFilesAreFresh(t *testing.T) {
	root := filepath.Join("..", "..")
	outputs, err := build(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(outputs) != 2 {
		t.Fatalf("build wrote %d files, want 2", len(outputs))
	}
	for name, want := range outputs {
		got, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s is stale: run 'make manifests' (-want +got):\n%s", name, diff)
		}
	}
}

func TestDropNamespace(t *testing.T) {
	in := "apiVersion: v1\nkind: A\nmetadata:\n  name: a\n  namespace: sluice-system\n---\n# b\napiVersion: v1\nkind: B\nmetadata:\n  name: b\n  namespace: sluice-system\n"
	got, err := dropNamespace(in)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "namespace:") {
		t.Errorf("namespace left in:\n%s", got)
	}
	for _, bad := range []string{
		"kind: A\nmetadata:\n  name: a\n",                                              // none
		"kind: A\nmetadata:\n  namespace: sluice-system\n  namespace: sluice-system\n", // two in one document
		"kind: A\nmetadata:\n  namespace: other\n",                                     // another namespace
	} {
		if _, err := dropNamespace(bad); err == nil {
			t.Errorf("dropNamespace(%q) = nil error, want one", bad)
		}
	}
}

func TestAddNamespaceArg(t *testing.T) {
	in := "        args:\n        - --leader-elect=true\n        env:\n"
	got, err := addNamespaceArg(in)
	if err != nil {
		t.Fatal(err)
	}
	want := "        args:\n        - --leader-elect=true\n        - --namespace=$(POD_NAMESPACE)\n        env:\n"
	if got != want {
		t.Errorf("addNamespaceArg:\n%s\nwant:\n%s", got, want)
	}
	for _, bad := range []string{"args:\n- --leader-elect=false\n", "- --leader-elect=true\n- --leader-elect=true\n"} {
		if _, err := addNamespaceArg(bad); err == nil {
			t.Errorf("addNamespaceArg(%q) = nil error, want one", bad)
		}
	}
}

func TestJoinSkipsEmptyDocuments(t *testing.T) {
	got := string(join("# h\n", []string{"---\na: 1\n", "b: 2\n---\n\n---\nc: 3\n"}))
	want := "# h\n---\na: 1\n---\nb: 2\n---\nc: 3\n"
	if got != want {
		t.Errorf("join = %q, want %q", got, want)
	}
}
