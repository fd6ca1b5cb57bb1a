package view

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Container waiting or terminated reasons that mean the pod is broken rather
// than on its way up.
var badReasons = map[string]bool{
	"CrashLoopBackOff": true, "ErrImagePull": true, "ImagePullBackOff": true, "InvalidImageName": true,
	"CreateContainerConfigError": true, "CreateContainerError": true, "RunContainerError": true,
	"Error": true, "OOMKilled": true, "ContainerCannotRun": true,
}

// podNode is a pod row: status, ready containers and restarts.
func podNode(s Snapshot, pod *corev1.Pod) *node {
	ready, restarts := 0, int32(0)
	for _, c := range pod.Status.ContainerStatuses {
		if c.Ready {
			ready++
		}
		restarts += c.RestartCount
	}
	info := fmt.Sprintf("ready %d/%d, restarts %d", ready, len(pod.Spec.Containers), restarts)
	return &node{name: pod.Name, kind: "Pod", status: podStatus(pod), age: age(s.Now, pod.CreationTimestamp.Time), info: info}
}

// podStatus is what kubectl's STATUS column would say, with an icon: the reason a
// container is stuck when there is one, otherwise the pod's phase.
func podStatus(pod *corev1.Pod) cell {
	if pod.DeletionTimestamp != nil {
		return cell{iconProgressing + " Terminating", toneBusy}
	}
	for _, c := range pod.Status.InitContainerStatuses {
		if w := c.State.Waiting; w != nil && w.Reason != "" && w.Reason != "PodInitializing" {
			return reasonCell("Init:"+w.Reason, w.Reason)
		}
	}
	for _, c := range pod.Status.ContainerStatuses {
		if w := c.State.Waiting; w != nil && w.Reason != "" {
			return reasonCell(w.Reason, w.Reason)
		}
		if t := c.State.Terminated; t != nil && t.Reason != "" && pod.Status.Phase != corev1.PodSucceeded {
			return reasonCell(t.Reason, t.Reason)
		}
	}
	switch pod.Status.Phase {
	case corev1.PodRunning:
		if podReady(pod) {
			return cell{iconHealthy + " Running", toneGood}
		}
		return cell{iconProgressing + " Running", toneBusy}
	case corev1.PodSucceeded:
		return cell{iconIdle + " Completed", toneIdle}
	case corev1.PodFailed:
		return cell{iconDegraded + " Failed", toneBad}
	case corev1.PodPending, "":
		return cell{iconProgressing + " Pending", toneBusy}
	}
	return cell{iconUnknown + " " + string(pod.Status.Phase), toneNone}
}

func reasonCell(text, reason string) cell {
	if badReasons[reason] {
		return cell{iconDegraded + " " + text, toneBad}
	}
	return cell{iconProgressing + " " + text, toneBusy}
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// scaleDownLeft is the time until an old ReplicaSet's scale-down deadline; ok is
// false when it has none (or an unreadable one).
func scaleDownLeft(s Snapshot, rs *appsv1.ReplicaSet) (time.Duration, bool) {
	v, ok := rs.Annotations[ScaleDownDeadlineAnnotation]
	if !ok {
		return 0, false
	}
	at, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return 0, false
	}
	return at.Sub(s.Now), true
}
