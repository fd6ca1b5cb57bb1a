// Package convert turns Kubernetes Deployments and Argo Rollouts objects into
// sluice objects, offline: a Deployment becomes a canary Rollout (with the stable
// and canary Services it needs, or referencing the Deployment), Argo Rollouts'
// Rollout, AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun become
// sluice.dev/v1alpha1 objects, and anything else passes through unchanged.
// `kubectl sluice convert` is a thin command around Converter.
package convert

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluicescheme "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/scheme"
)

// Argo Rollouts' group and sluice's API version.
const (
	// ArgoAPIVersion is the API version of the Argo Rollouts objects Convert reads.
	ArgoAPIVersion   = "argoproj.io/v1alpha1"
	sluiceAPIVersion = "sluice.dev/v1alpha1"
	// argoGatewayAPIPlugin is the Argo traffic router plugin sluice has built in.
	argoGatewayAPIPlugin = "argoproj-labs/gatewayAPI"
)

// argoKinds are the Argo Rollouts kinds sluice has.
var argoKinds = map[string]bool{
	"Rollout": true, "AnalysisTemplate": true, "ClusterAnalysisTemplate": true, "AnalysisRun": true,
}

// IsArgoKind reports whether an Argo Rollouts kind has a sluice counterpart,
// which a Converter turns it into.
func IsArgoKind(kind string) bool { return argoKinds[kind] }

// droppedAnnotations are Deployment annotations that make no sense on a new Rollout.
var droppedAnnotations = []string{
	"deployment.kubernetes.io/revision",
	"kubectl.kubernetes.io/last-applied-configuration",
}

// defaultCanarySteps are the steps a converted Deployment gets.
func defaultCanarySteps() []v1alpha1.CanaryStep {
	weight := func(w int32) v1alpha1.CanaryStep { return v1alpha1.CanaryStep{SetWeight: &w} }
	pause := func(d string) v1alpha1.CanaryStep {
		v := intstr.FromString(d)
		return v1alpha1.CanaryStep{Pause: &v1alpha1.RolloutPause{Duration: &v}}
	}
	return []v1alpha1.CanaryStep{weight(20), pause("1m"), weight(50), pause("2m"), weight(80), pause("2m")}
}

// Converter converts the documents of one or more files, in order, into one
// stream, and collects a warning for each field it drops.
type Converter struct {
	// WorkloadRef keeps Deployments: their Rollouts reference them (workloadRef)
	// instead of replacing them.
	WorkloadRef bool
	strict      runtime.Decoder
	out         []string // YAML documents, each ending in a newline
	warnings    []string
	// kayenta are the Kayenta canary configs given (KayentaConfig), by name.
	kayenta map[string]*kayentaConfig
}

// File converts every document of one file; name is how messages name it.
func (c *Converter) File(file string, raw []byte) error {
	if c.strict == nil {
		c.strict = serializer.NewCodecFactory(sluicescheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	}
	return eachDocument(file, raw, c.convertDocument)
}

// eachDocument calls fn with every document of a YAML stream that holds more
// than blank lines and comments, named "<file>#<index>" by its place among
// those.
func eachDocument(file string, raw []byte, fn func(where string, doc []byte) error) error {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
	for index := 0; ; {
		doc, err := reader.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s#%d: %v", file, index, err)
		}
		if !hasContent(doc) {
			continue
		}
		if err := fn(fmt.Sprintf("%s#%d", file, index), doc); err != nil {
			return err
		}
		index++
	}
}

// Output is the converted documents so far, as one YAML stream.
func (c *Converter) Output() string { return strings.Join(c.out, "---\n") }

// Warnings are the fields and kinds dropped or passed through so far, one
// line each.
func (c *Converter) Warnings() []string { return c.warnings }

// hasContent reports whether a document holds more than blank lines and comments.
func hasContent(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line != "---" && !strings.HasPrefix(line, "#") {
			return true
		}
	}
	return false
}

// convertDocument converts one document; where is "file#index".
func (c *Converter) convertDocument(where string, doc []byte) error {
	var obj map[string]any
	if err := yaml.Unmarshal(doc, &obj); err != nil {
		return fmt.Errorf("%s: %v", where, yamlError(err))
	}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	switch {
	case apiVersion == "apps/v1" && kind == "Deployment":
		return c.convertDeployment(where, doc)
	case apiVersion == ArgoAPIVersion && argoKinds[kind]:
		return c.convertArgo(where, obj)
	case apiVersion == ArgoAPIVersion:
		c.warnings = append(c.warnings, fmt.Sprintf("%s %s/%s: kind %s is not supported by sluice and was passed through unchanged",
			where, kind, objectName(obj), kind))
	}
	c.emit(string(doc))
	return nil
}

// emit adds a document to the output.
func (c *Converter) emit(doc string) {
	doc = strings.TrimPrefix(strings.TrimLeft(doc, "\n"), "---\n")
	if !strings.HasSuffix(doc, "\n") {
		doc += "\n"
	}
	c.out = append(c.out, doc)
}

// emitObject marshals a converted object, after checking it decodes strictly when
// it is a sluice object.
func (c *Converter) emitObject(where string, obj map[string]any, comment string) error {
	if obj["apiVersion"] == sluiceAPIVersion {
		raw, err := json.Marshal(obj)
		if err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
		if _, _, err := c.strict.Decode(raw, nil, nil); err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
	}
	out, err := yaml.Marshal(obj)
	if err != nil {
		return fmt.Errorf("%s: %v", where, err)
	}
	c.emit(comment + string(out))
	return nil
}

// yamlError drops the conversion step from a YAML parse error.
func yamlError(err error) string {
	return strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
}

func objectName(obj map[string]any) string {
	if meta, ok := obj["metadata"].(map[string]any); ok {
		if name, ok := meta["name"].(string); ok {
			return name
		}
	}
	return ""
}

// toMap turns a typed object into its JSON map, without status and empty
// creation timestamps.
func toMap(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	dropNullTimestamp(m)
	if spec, ok := m["spec"].(map[string]any); ok {
		if tmpl, ok := spec["template"].(map[string]any); ok {
			dropNullTimestamp(tmpl)
		}
	}
	return m, nil
}

func dropNullTimestamp(obj map[string]any) {
	if meta, ok := obj["metadata"].(map[string]any); ok {
		if ts, found := meta["creationTimestamp"]; found && ts == nil {
			delete(meta, "creationTimestamp")
		}
	}
}
