// Command crdlean trims the CRDs that controller-gen writes so each one stays well
// under the 256 KiB limit of the last-applied-configuration annotation that plain
// client-side `kubectl apply` writes.
//
// The big parts of sluice's schemas are Kubernetes' own types embedded whole: the
// Rollout's pod template and the Job provider's JobSpec. Their descriptions are
// upstream text that `kubectl explain pod.spec` already shows, so crdlean drops every
// description beneath those fields while keeping the schema itself structural and
// complete (types, required fields, list and map markers), and writes each of those
// embedded schemas as one line of compact JSON (valid YAML flow style): block YAML
// indents a schema that is thirty levels deep so much that the indentation alone
// would push the file past the limit. sluice's own fields keep their descriptions
// and block style.
//
// crdlean also bounds the label maps of a Rollout's selector and pod template (at
// most 64 labels, values at most 63 characters, as Kubernetes itself allows for
// values): without bounds the API server's CEL cost estimate for the rule "the
// selector matches the template labels" assumes maps as big as a request and
// refuses the CRD.
//
// Usage: go run ./hack/crdlean FILE...   (files are rewritten in place)
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"sigs.k8s.io/yaml"
)

// embeddedSchemas lists, per CRD kind, the schema paths (property names from the
// top of openAPIV3Schema) whose descendants lose their descriptions.
var embeddedSchemas = map[string][][]string{
	"Rollout":                 {{"spec", "template"}},
	"AnalysisTemplate":        {jobSpecPath("spec")},
	"ClusterAnalysisTemplate": {jobSpecPath("spec")},
	"AnalysisRun":             {jobSpecPath("spec")},
}

func jobSpecPath(root string) []string {
	return []string{root, "metrics", "[]", "provider", "job", "spec"}
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: crdlean FILE...")
		os.Exit(2)
	}
	for _, path := range os.Args[1:] {
		if err := trimFile(path); err != nil {
			fmt.Fprintf(os.Stderr, "crdlean: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

func trimFile(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var crd map[string]any
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		return err
	}
	kind, _ := lookup(crd, "spec", "names", "kind").(string)
	paths, ok := embeddedSchemas[kind]
	if !ok {
		return fmt.Errorf("no trimming rule for kind %q", kind)
	}
	if kind == "Rollout" {
		if err := boundLabelMaps(crd); err != nil {
			return err
		}
	}
	// Each embedded schema is swapped for a placeholder string, the CRD is written as
	// block YAML, and the placeholders are then replaced by the compact JSON.
	var flows [][]byte
	versions, _ := lookup(crd, "spec", "versions").([]any)
	for _, v := range versions {
		schema, _ := lookup(v, "schema", "openAPIV3Schema").(map[string]any)
		for _, p := range paths {
			parent, err := schemaAt(schema, p[:len(p)-1])
			if err != nil {
				return fmt.Errorf("%s: %w", kind, err)
			}
			props, _ := parent["properties"].(map[string]any)
			node, ok := props[p[len(p)-1]].(map[string]any)
			if !ok {
				return fmt.Errorf("%s: schema path %s not found", kind, strings.Join(p, "."))
			}
			stripDescendantDescriptions(node)
			flow, err := json.Marshal(node)
			if err != nil {
				return err
			}
			props[p[len(p)-1]] = placeholder(len(flows))
			flows = append(flows, flow)
		}
	}
	out, err := yaml.Marshal(crd)
	if err != nil {
		return err
	}
	for i, flow := range flows {
		out = bytes.Replace(out, []byte(placeholder(i)), flow, 1)
	}
	return os.WriteFile(path, append([]byte("---\n"), out...), 0o644)
}

func placeholder(i int) string { return fmt.Sprintf("SLUICE_EMBEDDED_SCHEMA_%d", i) }

// labelMapPaths are the Rollout's label maps that its CEL rules read.
var labelMapPaths = [][]string{
	{"spec", "selector", "matchLabels"},
	{"spec", "template", "metadata", "labels"},
}

// boundLabelMaps gives the Rollout's label maps the bounds CEL cost estimation needs.
func boundLabelMaps(crd map[string]any) error {
	versions, _ := lookup(crd, "spec", "versions").([]any)
	for _, v := range versions {
		schema, _ := lookup(v, "schema", "openAPIV3Schema").(map[string]any)
		for _, p := range labelMapPaths {
			node, err := schemaAt(schema, p)
			if err != nil {
				return fmt.Errorf("Rollout: %w", err)
			}
			node["maxProperties"] = 64
			values, ok := node["additionalProperties"].(map[string]any)
			if !ok {
				return fmt.Errorf("Rollout: %s is not a map", strings.Join(p, "."))
			}
			values["maxLength"] = 63
		}
	}
	return nil
}

// schemaAt follows property names ("[]" steps into array items) from a schema node.
func schemaAt(schema map[string]any, path []string) (map[string]any, error) {
	node := schema
	for i, name := range path {
		var next any
		if name == "[]" {
			next = node["items"]
		} else {
			next = lookup(node, "properties", name)
		}
		m, ok := next.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("schema path %s not found", strings.Join(path[:i+1], "."))
		}
		node = m
	}
	return node, nil
}

// stripDescendantDescriptions removes "description" from every schema below node,
// keeping node's own description.
func stripDescendantDescriptions(node map[string]any) {
	for key, child := range node {
		if key == "description" {
			continue
		}
		stripAll(child)
	}
}

func stripAll(v any) {
	switch t := v.(type) {
	case map[string]any:
		if _, isText := t["description"].(string); isText {
			delete(t, "description")
		}
		for _, child := range t {
			stripAll(child)
		}
	case []any:
		for _, child := range t {
			stripAll(child)
		}
	}
}

func lookup(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
