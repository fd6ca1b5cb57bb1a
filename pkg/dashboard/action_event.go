package dashboard

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// actionEventReason is the reason of the Event each dashboard action leaves
// on its Rollout.
const actionEventReason = "DashboardAction"

// maxEventMessage keeps an Event's message within what the API server takes.
const maxEventMessage = 1024

// recordAction leaves an Event on the Rollout that says who did what through
// the dashboard: "promote by alice via dashboard: rollout "web" promoted ...".
// It is written with the user's credentials, like the action.
func (s *Server) recordAction(ctx context.Context, ro *v1alpha1.Rollout, action, user, done string) error {
	_, err := s.cfg.Kube.CoreV1().Events(ro.Namespace).Create(ctx, actionEvent(ro, action, user, done, metav1.NewTime(s.clock.Now())), metav1.CreateOptions{})
	return err
}

// actionEvent is the Event of an action.
func actionEvent(ro *v1alpha1.Rollout, action, user, done string, now metav1.Time) *corev1.Event {
	message := fmt.Sprintf("%s by %s via dashboard: %s", action, user, done)
	if len(message) > maxEventMessage {
		message = strings.ToValidUTF8(message[:maxEventMessage-3], "") + "..."
	}
	prefix := ro.Name
	if len(prefix) > 200 {
		prefix = prefix[:200]
	}
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{
			Name:      prefix + "." + strconv.FormatInt(now.UnixNano(), 16),
			Namespace: ro.Namespace,
		},
		InvolvedObject: corev1.ObjectReference{
			APIVersion:      v1alpha1.SchemeGroupVersion.String(),
			Kind:            "Rollout",
			Namespace:       ro.Namespace,
			Name:            ro.Name,
			UID:             ro.UID,
			ResourceVersion: ro.ResourceVersion,
		},
		Reason:         actionEventReason,
		Message:        message,
		Type:           corev1.EventTypeNormal,
		Source:         corev1.EventSource{Component: "sluice-dashboard"},
		FirstTimestamp: now,
		LastTimestamp:  now,
		Count:          1,
	}
}
