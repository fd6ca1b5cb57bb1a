package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
)

// The test cluster carries three sets of CustomResourceDefinitions:
//   - sluice's own, from manifests/crds/ in the repository;
//   - Istio's, from the istio.io/api module (kubernetes/customresourcedefinitions.gen.yaml);
//   - Gateway API's standard channel, from sigs.k8s.io/gateway-api (config/crd/standard/).
//
// The two third-party modules are pinned in go.mod (crdmodules.go keeps them
// there), so the CRD versions move only with an explicit `go get`.

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// crdSource is a set of CRD files with a name for messages.
type crdSource struct {
	name  string
	files []string
}

// crdSources finds the CRD files to install.
func crdSources(ctx context.Context, repoRoot string, withSluice bool) ([]crdSource, error) {
	var out []crdSource

	sluiceDir := filepath.Join(repoRoot, "manifests", "crds")
	sluiceFiles, err := manifestFiles(sluiceDir)
	switch {
	case err != nil:
		return nil, err
	case !withSluice:
		logf("note: --sluice-crds=false: not installing sluice's CRDs")
	case len(sluiceFiles) == 0:
		logf("note: no sluice CRDs in %s yet; skipping them", sluiceDir)
	default:
		out = append(out, crdSource{name: "sluice", files: sluiceFiles})
	}

	istioDir, err := moduleDir(ctx, repoRoot, "istio.io/api")
	if err != nil {
		return nil, err
	}
	out = append(out, crdSource{name: "Istio", files: []string{filepath.Join(istioDir, "kubernetes", "customresourcedefinitions.gen.yaml")}})

	gwDir, err := moduleDir(ctx, repoRoot, "sigs.k8s.io/gateway-api")
	if err != nil {
		return nil, err
	}
	gwFiles, err := manifestFiles(filepath.Join(gwDir, "config", "crd", "standard"))
	if err != nil {
		return nil, err
	}
	out = append(out, crdSource{name: "Gateway API", files: gwFiles})
	return out, nil
}

// manifestFiles lists the YAML/JSON files of a directory; a missing directory
// has none.
func manifestFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		switch filepath.Ext(e.Name()) {
		case ".yaml", ".yml", ".json":
			if !e.IsDir() {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	sort.Strings(files)
	return files, nil
}

// moduleDir returns the module cache directory of a module required by the
// main module, downloading it if needed.
func moduleDir(ctx context.Context, repoRoot, module string) (string, error) {
	type mod struct{ Path, Version, Dir string }
	list := func() (mod, error) {
		var m mod
		cmd := exec.CommandContext(ctx, "go", "list", "-m", "-json", module)
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return m, fmt.Errorf("go list -m %s: %v: %s", module, err, strings.TrimSpace(stderr.String()))
		}
		return m, json.Unmarshal(out, &m)
	}
	m, err := list()
	if err != nil {
		return "", err
	}
	if m.Dir == "" {
		cmd := exec.CommandContext(ctx, "go", "mod", "download", module+"@"+m.Version)
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("go mod download %s@%s: %v: %s", module, m.Version, err, strings.TrimSpace(string(out)))
		}
		if m, err = list(); err != nil {
			return "", err
		}
	}
	if m.Dir == "" {
		return "", fmt.Errorf("module %s is not in the module cache", module)
	}
	return m.Dir, nil
}

// readCRDs decodes every CustomResourceDefinition in the files; other kinds
// (Gateway API ships a ValidatingAdmissionPolicy next to its CRDs) are
// skipped.
func readCRDs(files []string) (crds []*unstructured.Unstructured, skipped int, err error) {
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, 0, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 64<<10)
		for {
			var obj map[string]any
			if err := dec.Decode(&obj); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, 0, fmt.Errorf("%s: %w", f, err)
			}
			if len(obj) == 0 {
				continue
			}
			u := &unstructured.Unstructured{Object: obj}
			if u.GetKind() != "CustomResourceDefinition" {
				skipped++
				continue
			}
			crds = append(crds, u)
		}
	}
	return crds, skipped, nil
}

// installCRDs server-side-applies every CRD (a few at a time) and waits until
// all are Established, so that tests can create custom resources at once.
// Server-side apply avoids the size limit of the last-applied annotation that
// client-side apply hits with Istio's large CRDs.
func installCRDs(ctx context.Context, cp *controlPlane) error {
	sources, err := crdSources(ctx, cp.o.repoRoot, cp.o.sluiceCRDs)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cp.restConfig)
	if err != nil {
		return err
	}
	client := dyn.Resource(crdGVR)
	var crds []*unstructured.Unstructured
	var counts []string
	for _, src := range sources {
		got, skipped, err := readCRDs(src.files)
		if err != nil {
			return err
		}
		crds = append(crds, got...)
		c := fmt.Sprintf("%d %s", len(got), src.name)
		if skipped > 0 {
			c += fmt.Sprintf(" (skipped %d non-CRD objects)", skipped)
		}
		counts = append(counts, c)
	}
	t := time.Now()
	if err := applyAll(ctx, client, crds); err != nil {
		return fmt.Errorf("install CRDs: %w", err)
	}
	logf("applied %s CRDs in %.1fs", strings.Join(counts, ", "), time.Since(t).Seconds())
	all := make([]string, len(crds))
	for i, c := range crds {
		all[i] = c.GetName()
	}
	return waitUntil(ctx, nil, "CRDs to be Established", 120*time.Second, func() error {
		list, err := client.List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		established := map[string]bool{}
		for _, item := range list.Items {
			conds, _, _ := unstructured.NestedSlice(item.Object, "status", "conditions")
			for _, c := range conds {
				if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
					established[item.GetName()] = true
				}
			}
		}
		var pending []string
		for _, name := range all {
			if !established[name] {
				pending = append(pending, name)
			}
		}
		if len(pending) > 0 {
			return fmt.Errorf("not established: %s", strings.Join(pending, ", "))
		}
		return nil
	})
}

func applyAll(ctx context.Context, client dynamic.NamespaceableResourceInterface, crds []*unstructured.Unstructured) error {
	work := make(chan *unstructured.Unstructured)
	errs := make(chan error, len(crds))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for crd := range work {
				data, err := json.Marshal(crd.Object)
				if err == nil {
					_, err = client.Patch(ctx, crd.GetName(), types.ApplyPatchType, data,
						metav1.PatchOptions{FieldManager: "sluice-test-cluster", Force: new(true)})
				}
				if err != nil {
					errs <- fmt.Errorf("%s: %w", crd.GetName(), err)
				}
			}
		})
	}
	for _, c := range crds {
		work <- c
	}
	close(work)
	wg.Wait()
	close(errs)
	return errors.Join(collect(errs)...)
}

func collect(errs <-chan error) []error {
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}
