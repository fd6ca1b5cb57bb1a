package analyze

import (
	"bytes"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/jsonpath"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// FieldValue reads the Rollout field an argument's fieldRef names, as the
// controller reads it for a run: a label or annotation by key
// ("metadata.labels['app']"), any other field by JSONPath ("spec.replicas").
func FieldValue(ro *v1alpha1.Rollout, path string) (string, error) {
	for prefix, values := range map[string]map[string]string{
		"metadata.labels['":      ro.Labels,
		"metadata.annotations['": ro.Annotations,
	} {
		key, ok := strings.CutPrefix(path, prefix)
		if !ok || !strings.HasSuffix(key, "']") {
			continue
		}
		v, ok := values[strings.TrimSuffix(key, "']")]
		if !ok {
			return "", fmt.Errorf("fieldRef %q: the Rollout has no such key", path)
		}
		return v, nil
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ro)
	if err != nil {
		return "", err
	}
	jp := jsonpath.New("fieldRef")
	if err := jp.Parse("{." + path + "}"); err != nil {
		return "", fmt.Errorf("fieldRef %q: %w", path, err)
	}
	var out bytes.Buffer
	if err := jp.Execute(&out, obj); err != nil {
		return "", fmt.Errorf("fieldRef %q: %w", path, err)
	}
	return out.String(), nil
}
