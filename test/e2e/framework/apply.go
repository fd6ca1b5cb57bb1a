package framework

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

// fieldManager owns the fields the tests apply.
const fieldManager = "sluice-e2e"

// Apply server-side-applies every document of a YAML manifest in the test's
// namespace (cluster-scoped objects stay cluster-scoped) and fails the test on error.
func (f *Framework) Apply(manifest string) []*unstructured.Unstructured {
	f.T.Helper()
	objs, err := f.apply(manifest, nil)
	if err != nil {
		f.T.Fatalf("apply: %v", err)
	}
	return objs
}

// TryCreate creates every document of a manifest with a server-side dry run and
// returns the first error: the API server validates (schema, CEL) exactly as for a
// real create, but nothing is stored.
func (f *Framework) TryCreate(manifest string) error {
	f.T.Helper()
	objs, err := decodeManifest(manifest)
	if err != nil {
		return err
	}
	for _, obj := range objs {
		res, err := f.resourceFor(obj)
		if err != nil {
			return err
		}
		if _, err := res.Create(f.Ctx, obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
			return err
		}
	}
	return nil
}

// TryUpdate applies a manifest for real, then server-side-applies mutate's result
// with a dry run, and returns the error of that second step. It tests update rules
// (immutability, transition rules) without changing the stored object.
func (f *Framework) TryUpdate(manifest string, mutate func(*unstructured.Unstructured)) error {
	f.T.Helper()
	objs := f.Apply(manifest)
	if len(objs) != 1 {
		f.T.Fatalf("TryUpdate needs exactly one object, got %d", len(objs))
	}
	_, err := f.apply(mustYAML(f, objs[0], mutate), []string{metav1.DryRunAll})
	return err
}

func (f *Framework) apply(manifest string, dryRun []string) ([]*unstructured.Unstructured, error) {
	objs, err := decodeManifest(manifest)
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, obj := range objs {
		f.labelInstance(obj)
		res, err := f.resourceFor(obj)
		if err != nil {
			return nil, err
		}
		body, err := obj.MarshalJSON()
		if err != nil {
			return nil, err
		}
		applied, err := res.Patch(f.Ctx, obj.GetName(), types.ApplyPatchType, body, metav1.PatchOptions{
			FieldManager: fieldManager, Force: ptrTo(true), DryRun: dryRun,
		})
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
		out = append(out, applied)
	}
	return out, nil
}

// resourceFor finds the REST resource of an object, namespacing it in the test's
// namespace when the resource is namespaced.
func (f *Framework) resourceFor(obj *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := obj.GroupVersionKind()
	mapping, err := f.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		f.Mapper.Reset() // a CRD may have been installed since discovery was cached
		if mapping, err = f.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version); err != nil {
			return nil, fmt.Errorf("no resource for %s: %w", gvk, err)
		}
	}
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		obj.SetNamespace(f.Namespace)
		return f.Dynamic.Resource(mapping.Resource).Namespace(f.Namespace), nil
	}
	return f.Dynamic.Resource(mapping.Resource), nil
}

// decodeManifest splits a multi-document YAML manifest into objects.
func decodeManifest(manifest string) ([]*unstructured.Unstructured, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader([]byte(manifest))))
	var objs []*unstructured.Unstructured
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &obj.Object); err != nil {
			return nil, fmt.Errorf("decode manifest: %w", err)
		}
		if len(obj.Object) > 0 {
			objs = append(objs, obj)
		}
	}
}

func mustYAML(f *Framework, obj *unstructured.Unstructured, mutate func(*unstructured.Unstructured)) string {
	f.T.Helper()
	obj = obj.DeepCopy()
	unstructured.RemoveNestedField(obj.Object, "metadata", "managedFields")
	unstructured.RemoveNestedField(obj.Object, "metadata", "resourceVersion")
	unstructured.RemoveNestedField(obj.Object, "status")
	mutate(obj)
	out, err := yaml.Marshal(obj.Object)
	if err != nil {
		f.T.Fatal(err)
	}
	return string(out)
}

func ptrTo[T any](v T) *T { return &v }

// labelInstance puts the controller's instance label on the objects it owns.
func (f *Framework) labelInstance(obj *unstructured.Unstructured) {
	gvk := obj.GroupVersionKind()
	if gvk.Group != "sluice.dev" || (gvk.Kind != "Rollout" && gvk.Kind != "AnalysisRun") || f.InstanceID == "" {
		return
	}
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[InstanceLabel] = f.InstanceID
	obj.SetLabels(labels)
}
