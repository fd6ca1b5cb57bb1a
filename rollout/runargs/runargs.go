// Package runargs resolves the values a Rollout passes to its analysis runs'
// arguments: literals, pod-template hashes and fields of the Rollout. The
// controller uses it when it starts a run, `kubectl sluice analyze` when it
// measures a template as a run of that Rollout would, so both pass the same.
package runargs

import (
	"bytes"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/jsonpath"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/rollout/plan"
)

// Value is what the Rollout passes for an argument. latest is the hash of the
// ReplicaSet the run is for (the current template's).
func Value(ro *v1alpha1.Rollout, a v1alpha1.AnalysisRunArgument, latest string) (string, error) {
	switch {
	case a.ValueFrom == nil:
		return a.Value, nil
	case a.ValueFrom.PodTemplateHashValue != nil:
		return PodTemplateHash(ro, *a.ValueFrom.PodTemplateHashValue, latest)
	case a.ValueFrom.FieldRef != nil:
		return FieldValue(ro, a.ValueFrom.FieldRef.FieldPath)
	}
	return a.Value, nil
}

// PodTemplateHash is the hash of the Stable, the Latest (latest) or the
// Baseline ReplicaSet. The baseline's hash follows from the stable and canary
// hashes (plan.BaselineHash), so a run started before its pods exist names
// them.
func PodTemplateHash(ro *v1alpha1.Rollout, which v1alpha1.ValueFromPodTemplateHash, latest string) (string, error) {
	stable := ro.Status.StableRS
	switch which {
	case v1alpha1.Stable:
		if stable == "" {
			return "", fmt.Errorf("the Rollout has no stable ReplicaSet yet (status.stableRS is empty)")
		}
		return stable, nil
	case v1alpha1.Baseline:
		if ro.Spec.Strategy.Canary == nil || ro.Spec.Strategy.Canary.Baseline == nil {
			return "", fmt.Errorf("podTemplateHashValue Baseline, but the Rollout sets no spec.strategy.canary.baseline")
		}
		if stable == "" || latest == "" {
			return "", fmt.Errorf("the Rollout has no stable and canary ReplicaSets yet, so no baseline")
		}
		if stable == latest {
			return "", fmt.Errorf("the Rollout runs no canary (the current template is the stable one), so no baseline")
		}
		return plan.BaselineHash(stable, latest), nil
	}
	if latest == "" {
		return "", fmt.Errorf("the Rollout has no current pod-template hash yet (status.currentPodHash is empty)")
	}
	return latest, nil
}

// FieldValue reads the Rollout field a fieldRef names: a label or annotation
// by key ("metadata.labels['app']"), any other field by JSONPath
// ("spec.replicas", "metadata.name").
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
