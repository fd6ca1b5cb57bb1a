package analyze

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// fileTemplate is a template found in a file.
type fileTemplate struct {
	ref  TemplateRef
	spec *v1alpha1.AnalysisTemplateSpec
}

// TemplateFromFile finds the template to analyze among the documents of a
// YAML file: the one named name (any kind, or only cluster-scoped ones with
// clusterOnly), or the only one when name is "". Other objects are skipped.
// A template that does not decode strictly is an error naming the document.
func TemplateFromFile(file string, raw []byte, name string, clusterOnly bool) (TemplateRef, *v1alpha1.AnalysisTemplateSpec, error) {
	found, err := templatesIn(file, raw)
	if err != nil {
		return TemplateRef{}, nil, err
	}
	var match []fileTemplate
	for _, t := range found {
		if (name == "" || t.ref.Name == name) && (!clusterOnly || t.ref.ClusterScope) {
			match = append(match, t)
		}
	}
	switch {
	case len(match) == 1:
		return match[0].ref, match[0].spec, nil
	case len(found) == 0:
		return TemplateRef{}, nil, fmt.Errorf("%s holds no AnalysisTemplate or ClusterAnalysisTemplate", file)
	case len(match) == 0 && name != "":
		return TemplateRef{}, nil, fmt.Errorf("%s has no %s %q (it has %s)", file, kindWanted(clusterOnly), name, templateList(found))
	case len(match) == 0:
		return TemplateRef{}, nil, fmt.Errorf("%s has no ClusterAnalysisTemplate (it has %s)", file, templateList(found))
	}
	return TemplateRef{}, nil, fmt.Errorf("%s has several templates (%s): name one, e.g. kubectl sluice analyze %s -f %s", file, templateList(match), match[0].ref.Name, file)
}

func templatesIn(file string, raw []byte) ([]fileTemplate, error) {
	var out []fileTemplate
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
	for index := 1; ; index++ {
		doc, err := reader.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %v", file, index, err)
		}
		var head struct{ APIVersion, Kind string }
		if len(bytes.TrimSpace(doc)) == 0 || yaml.Unmarshal(doc, &head) != nil || head.APIVersion != v1alpha1.SchemeGroupVersion.String() {
			continue
		}
		var t fileTemplate
		switch head.Kind {
		case "AnalysisTemplate":
			var obj v1alpha1.AnalysisTemplate
			err = yaml.UnmarshalStrict(doc, &obj)
			t = fileTemplate{TemplateRef{Name: obj.Name}, &obj.Spec}
		case "ClusterAnalysisTemplate":
			var obj v1alpha1.ClusterAnalysisTemplate
			err = yaml.UnmarshalStrict(doc, &obj)
			t = fileTemplate{TemplateRef{Name: obj.Name, ClusterScope: true}, &obj.Spec}
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d (%s): %v (kubectl sluice lint -f %s says more)", file, index, head.Kind, err, file)
		}
		out = append(out, t)
	}
}

func kindWanted(clusterOnly bool) string {
	if clusterOnly {
		return "ClusterAnalysisTemplate"
	}
	return "template"
}

func templateList(ts []fileTemplate) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.ref.Kind() + " " + t.ref.Name
	}
	return strings.Join(names, ", ")
}
