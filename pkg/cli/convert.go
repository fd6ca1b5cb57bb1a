package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluicescheme "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/scheme"
)

func newConvertCommand() *cobra.Command {
	var files []string
	var workloadRef bool
	cmd := &cobra.Command{
		Use:   "convert -f FILE...",
		Short: "Convert Deployments and Argo Rollouts manifests to sluice Rollouts",
		Long: "Convert reads YAML documents, offline, and writes them to stdout in order: an apps/v1\n" +
			"Deployment becomes a sluice Rollout with a canary strategy (plus the stable and canary\n" +
			"Services it needs), Argo Rollouts objects (argoproj.io/v1alpha1 Rollout, AnalysisTemplate,\n" +
			"ClusterAnalysisTemplate, AnalysisRun) become sluice.dev/v1alpha1 objects, and anything\n" +
			"else is passed through unchanged. Fields sluice does not support are dropped, each with a\n" +
			"warning on stderr. With --workload-ref a Deployment is kept and referenced by the Rollout\n" +
			"(workloadRef, scaleDown: progressively) instead of being replaced.",
		Example: "  kubectl sluice convert -f deployment.yaml > rollout.yaml\n" +
			"  kubectl sluice convert -f deployment.yaml --workload-ref\n" +
			"  kubectl get rollouts.argoproj.io web -o yaml | kubectl sluice convert -f -",
		Args: noSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(files) == 0 {
				return usageErrorf("give at least one -f FILE%s", helpHint(cmd))
			}
			c := converter{workloadRef: workloadRef}
			for _, file := range files {
				raw, err := readFile(file, cmd.InOrStdin())
				if err != nil {
					return err
				}
				if err := c.convertFile(file, raw); err != nil {
					return err
				}
			}
			for _, w := range c.warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+w)
			}
			_, err := io.WriteString(cmd.OutOrStdout(), strings.Join(c.out, "---\n"))
			return err
		},
	}
	cmd.Flags().StringSliceVarP(&files, "filename", "f", nil, "files to convert; - reads stdin")
	cmd.Flags().BoolVar(&workloadRef, "workload-ref", false,
		"keep Deployments: emit Rollouts that reference them (workloadRef) instead of replacing them")
	return cmd
}

// Argo Rollouts' group and sluice's API version.
const (
	argoAPIVersion   = "argoproj.io/v1alpha1"
	sluiceAPIVersion = "sluice.dev/v1alpha1"
	// argoGatewayAPIPlugin is the Argo traffic router plugin sluice has built in.
	argoGatewayAPIPlugin = "argoproj-labs/gatewayAPI"
)

// argoKinds are the Argo Rollouts kinds sluice has.
var argoKinds = map[string]bool{
	"Rollout": true, "AnalysisTemplate": true, "ClusterAnalysisTemplate": true, "AnalysisRun": true,
}

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

// converter collects the output documents and warnings of one run.
type converter struct {
	workloadRef bool
	strict      runtime.Decoder
	out         []string // YAML documents, each ending in a newline
	warnings    []string
}

// convertFile converts every document of one file.
func (c *converter) convertFile(file string, raw []byte) error {
	if c.strict == nil {
		c.strict = serializer.NewCodecFactory(sluicescheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	}
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
		if err := c.convertDocument(fmt.Sprintf("%s#%d", file, index), doc); err != nil {
			return err
		}
		index++
	}
}

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
func (c *converter) convertDocument(where string, doc []byte) error {
	var obj map[string]any
	if err := yaml.Unmarshal(doc, &obj); err != nil {
		return fmt.Errorf("%s: %v", where, yamlError(err))
	}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	switch {
	case apiVersion == "apps/v1" && kind == "Deployment":
		return c.convertDeployment(where, doc)
	case apiVersion == argoAPIVersion && argoKinds[kind]:
		return c.convertArgo(where, obj)
	case apiVersion == argoAPIVersion:
		c.warnings = append(c.warnings, fmt.Sprintf("%s %s/%s: kind %s is not supported by sluice and was passed through unchanged",
			where, kind, objectName(obj), kind))
	}
	c.emit(string(doc))
	return nil
}

// emit adds a document to the output.
func (c *converter) emit(doc string) {
	doc = strings.TrimPrefix(strings.TrimLeft(doc, "\n"), "---\n")
	if !strings.HasSuffix(doc, "\n") {
		doc += "\n"
	}
	c.out = append(c.out, doc)
}

// emitObject marshals a converted object, after checking it decodes strictly when
// it is a sluice object.
func (c *converter) emitObject(where string, obj map[string]any, comment string) error {
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
