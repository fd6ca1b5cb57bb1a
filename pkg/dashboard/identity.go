package dashboard

import (
	"context"
	"fmt"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// identity asks the API server who the user is (SelfSubjectReview) and what
// they may do to Rollouts in a namespace (SelfSubjectAccessReview), and keeps
// each answer for a short time: a page drawn every 250 ms must not ask every
// time, and a RoleBinding just granted shows within ttl.
type identity struct {
	kube  kubernetes.Interface
	clock clock.PassiveClock
	ttl   time.Duration

	mu     sync.Mutex
	user   cached[string]
	access map[string]cached[permissions]
}

type cached[T any] struct {
	value T
	at    time.Time
}

// permissions are what the user may write to Rollouts in one namespace; the
// texts say why not.
type permissions struct {
	Patch, PatchStatus           bool
	NoPatchWhy, NoPatchStatusWhy string
}

func newIdentity(kube kubernetes.Interface, c clock.PassiveClock, ttl time.Duration) *identity {
	return &identity{kube: kube, clock: c, ttl: ttl, access: map[string]cached[permissions]{}}
}

func (c cached[T]) fresh(now time.Time, ttl time.Duration) bool {
	return !c.at.IsZero() && now.Sub(c.at) < ttl
}

// userName is the user the API server sees, as "alice" or "system:serviceaccount:ns:sa";
// when it cannot say, a text that says so.
func (id *identity) userName(ctx context.Context) string {
	now := id.clock.Now()
	id.mu.Lock()
	if id.user.fresh(now, id.ttl) {
		defer id.mu.Unlock()
		return id.user.value
	}
	id.mu.Unlock()

	name := "an unknown user"
	review, err := id.kube.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	switch {
	case err != nil:
		name = fmt.Sprintf("an unknown user (SelfSubjectReview: %s)", oneLine(err.Error()))
	case review.Status.UserInfo.Username != "":
		name = review.Status.UserInfo.Username
	}
	id.mu.Lock()
	defer id.mu.Unlock()
	id.user = cached[string]{name, now}
	return name
}

// permissionsIn is what the user may do to Rollouts in a namespace.
func (id *identity) permissionsIn(ctx context.Context, namespace string) permissions {
	now := id.clock.Now()
	id.mu.Lock()
	if c, ok := id.access[namespace]; ok && c.fresh(now, id.ttl) {
		defer id.mu.Unlock()
		return c.value
	}
	id.mu.Unlock()

	var p permissions
	p.Patch, p.NoPatchWhy = id.allowed(ctx, namespace, "")
	p.PatchStatus, p.NoPatchStatusWhy = id.allowed(ctx, namespace, "status")
	id.mu.Lock()
	defer id.mu.Unlock()
	id.access[namespace] = cached[permissions]{p, now}
	return p
}

// allowed asks whether the user may patch rollouts.sluice.dev (or one of its
// subresources) in a namespace; when not, the text says so.
func (id *identity) allowed(ctx context.Context, namespace, subresource string) (bool, string) {
	resource := "rollouts"
	if subresource != "" {
		resource += "/" + subresource
	}
	review, err := id.kube.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: namespace, Verb: "patch", Group: v1alpha1.GroupName, Resource: "rollouts", Subresource: subresource,
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Sprintf("cannot tell whether you may patch %s.%s in namespace %q: %s", resource, v1alpha1.GroupName, namespace, oneLine(err.Error()))
	}
	if review.Status.Allowed {
		return true, ""
	}
	return false, fmt.Sprintf("you may not patch %s.%s in namespace %q", resource, v1alpha1.GroupName, namespace)
}
