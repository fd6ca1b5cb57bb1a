package dashboard

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	rest, found := strings.CutPrefix(topic, "rollout/")
	if !found {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, "/")
	return namespace, name, ok && namespace != "" && name != "" && !strings.Contains(name, "/")
}

// validTopic reports whether a topic is one a page can listen to.
func validTopic(topic string) bool {
	if topic == listTopic {
		return true
	}
	if _, _, ok := parseRolloutTopic(topic); ok {
		return true
	}
	rest, found := strings.CutPrefix(topic, "analysisrun/")
	ns, name, ok := strings.Cut(rest, "/")
	return found && ok && ns != "" && name != "" && !strings.Contains(name, "/")
}

// ownerRolloutTopic is the topic of the Rollout that controls an object, ""
// when no Rollout does.
func ownerRolloutTopic(obj metav1.Object) string {
	if ref := metav1.GetControllerOf(obj); ref != nil && ref.Kind == "Rollout" {
		return rolloutTopic(obj.GetNamespace(), ref.Name)
	}
	return ""
}
