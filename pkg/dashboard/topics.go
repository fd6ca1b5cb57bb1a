package dashboard

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// A topic names what a page shows; informer events notify the topics they
// touch and each page's event stream listens to its own.

// listTopic is the list page: any Rollout or AnalysisRun.
const listTopic = "list"

// rolloutTopic is one Rollout's page: the Rollout, its ReplicaSets, pods,
// Events and AnalysisRuns.
func rolloutTopic(namespace, name string) string { return "rollout/" + namespace + "/" + name }

// analysisRunTopic is one AnalysisRun's page.
func analysisRunTopic(namespace, name string) string { return "analysisrun/" + namespace + "/" + name }

// parseRolloutTopic returns the Rollout a rollout topic is about.
func parseRolloutTopic(topic string) (namespace, name string, ok bool) {
	return parseObjectTopic(topic, "rollout/")
}

// parseObjectTopic splits "PREFIX/NAMESPACE/NAME"; both must be names
// Kubernetes takes, so nothing else (a newline in the stream) gets through.
func parseObjectTopic(topic, prefix string) (namespace, name string, ok bool) {
	rest, found := strings.CutPrefix(topic, prefix)
	if !found {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, "/")
	if !ok || len(validation.IsDNS1123Label(namespace)) > 0 || len(validation.IsDNS1123Subdomain(name)) > 0 {
		return "", "", false
	}
	return namespace, name, true
}

// validTopic reports whether a topic is one a page can listen to.
func validTopic(topic string) bool {
	if topic == listTopic {
		return true
	}
	if _, _, ok := parseRolloutTopic(topic); ok {
		return true
	}
	_, _, ok := parseObjectTopic(topic, "analysisrun/")
	return ok
}

// ownerRolloutTopic is the topic of the Rollout that controls an object, ""
// when no Rollout does.
func ownerRolloutTopic(obj metav1.Object) string {
	if ref := metav1.GetControllerOf(obj); ref != nil && ref.Kind == "Rollout" {
		return rolloutTopic(obj.GetNamespace(), ref.Name)
	}
	return ""
}
