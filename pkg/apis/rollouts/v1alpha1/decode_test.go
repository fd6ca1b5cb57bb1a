package v1alpha1_test

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kubescheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluicescheme "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/scheme"
)

// strictDecoder decodes sluice kinds with the generated scheme and core kinds with
// client-go's, failing on any unknown or duplicated field.
func strictDecoder(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := sluicescheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := kubescheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
}

// documents splits a multi-document YAML file.
func documents(t *testing.T, path string) [][]byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
}

// decodeFile decodes every document of a file strictly. Documents of groups neither
// scheme knows (Istio's, here) are returned by kind and skipped.
func decodeFile(t *testing.T, dec runtime.Decoder, path string) (objs []runtime.Object, skipped []string) {
	t.Helper()
	for i, doc := range documents(t, path) {
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			t.Fatalf("%s document %d: %v", path, i, err)
		}
		if gv, err := schema.ParseGroupVersion(meta.APIVersion); err == nil && !known(gv) {
			skipped = append(skipped, meta.Kind)
			continue
		}
		obj, _, err := dec.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("%s document %d: %v", path, i, err)
		}
		objs = append(objs, obj)
	}
	return objs, skipped
}

func known(gv schema.GroupVersion) bool {
	return gv == v1alpha1.SchemeGroupVersion || kubescheme.Scheme.IsVersionRegistered(gv)
}

func TestExamplesDecodeWithNoUnknownFields(t *testing.T) {
	dec := strictDecoder(t)
	files, err := filepath.Glob("../../../../manifests/examples/*.yaml")
	if err != nil || len(files) < 4 {
		t.Fatalf("expected at least 4 example files, got %d (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			objs, skipped := decodeFile(t, dec, f)
			sluiceObjs := 0
			for _, o := range objs {
				if o.GetObjectKind().GroupVersionKind().Group == v1alpha1.GroupName {
					sluiceObjs++
				}
			}
			if sluiceObjs == 0 {
				t.Fatalf("no sluice object in %s", f)
			}
			for _, kind := range skipped {
				if kind != "VirtualService" && kind != "DestinationRule" && kind != "HTTPRoute" {
					t.Errorf("unexpected kind %s of an unknown group", kind)
				}
			}
		})
	}
}

func TestArgoRolloutsExamplesDecodeWithNoUnknownFields(t *testing.T) {
	dec := strictDecoder(t)
	files, err := filepath.Glob("testdata/argo/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("expected the Argo Rollouts examples, got %d (%v)", len(files), err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			objs, skipped := decodeFile(t, dec, f)
			if len(skipped) > 0 || len(objs) != 1 {
				t.Fatalf("want one sluice object, got %d (skipped %v)", len(objs), skipped)
			}
		})
	}
}

// TestArgoExamplesKeepTheirMeaning spot-checks that fields land where Argo Rollouts
// users expect them, not just that they decode.
func TestArgoExamplesKeepTheirMeaning(t *testing.T) {
	dec := strictDecoder(t)
	objs, _ := decodeFile(t, dec, "testdata/argo/istio.yaml")
	ro := objs[0].(*v1alpha1.Rollout)
	c := ro.Spec.Strategy.Canary
	if got := c.TrafficRouting.Istio.DestinationRule.CanarySubsetName; got != "canary" {
		t.Errorf("canarySubsetName = %q", got)
	}
	if got := *c.Steps[0].SetCanaryScale.Weight; got != 25 {
		t.Errorf("setCanaryScale.weight = %d", got)
	}
	if got := c.Steps[2].SetMirrorRoute.Match[1].Headers["agent-1b"].Exact; got != "firefox" {
		t.Errorf("mirror header match = %q", got)
	}
	if got := c.Steps[4].Pause.Duration.IntValue(); got != 10 {
		t.Errorf("pause duration = %d", got)
	}

	objs, _ = decodeFile(t, dec, "testdata/argo/analysis-steps.yaml")
	ro = objs[0].(*v1alpha1.Rollout)
	step := ro.Spec.Strategy.Canary.Steps[3].Analysis
	if !step.Templates[1].ClusterScope || *step.Args[1].ValueFrom.PodTemplateHashValue != v1alpha1.Stable {
		t.Errorf("analysis step decoded wrongly: %+v", step)
	}
	if got := *ro.Spec.Strategy.Canary.Analysis.StartingStep; got != 2 {
		t.Errorf("startingStep = %d", got)
	}

	objs, _ = decodeFile(t, dec, "testdata/argo/analysistemplate.yaml")
	at := objs[0].(*v1alpha1.AnalysisTemplate)
	if at.Spec.Args[1].ValueFrom.SecretKeyRef.Key != "apiToken" {
		t.Errorf("secretKeyRef decoded wrongly: %+v", at.Spec.Args[1])
	}
	if string(at.Spec.Metrics[2].Provider.Web.JSONBody) == "" {
		t.Error("jsonBody lost")
	}
	if got := at.Spec.Metrics[3].Provider.Job.Spec.Template.Spec.RestartPolicy; got != "Never" {
		t.Errorf("job restartPolicy = %q", got)
	}
}

// TestStrictDecodingRejectsUnknownFields proves the tests above can fail.
func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	doc := []byte(`apiVersion: sluice.dev/v1alpha1
kind: Rollout
metadata: {name: x}
spec:
  selector: {matchLabels: {app: x}}
  strategy:
    canary:
      scaleDownDelayRevisionLimit: 2
`)
	if _, _, err := strictDecoder(t).Decode(doc, nil, nil); err == nil {
		t.Fatal("a field sluice does not support decoded without error")
	}
}
