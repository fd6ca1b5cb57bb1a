package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	testingclock "k8s.io/utils/clock/testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluicefake "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/fake"
)

var testNow = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

const (
	testToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	testPort  = 3100
	testUser  = "alice"
)

func ptr[T any](v T) *T { return &v }

// fixture is a dashboard on fake clientsets: alice, who may patch Rollouts
// and their status unless denied says otherwise.
type fixture struct {
	t       *testing.T
	sluice  *sluicefake.Clientset
	kube    *kubefake.Clientset
	clock   *testingclock.FakeClock
	srv     *Server
	e       Endpoint
	handler http.Handler
}

type fixtureOptions struct {
	readOnly  bool
	namespace string
	// denied are the subresources alice may not patch: "" (the Rollout
	// itself) and/or "status".
	denied []string
	// debounce, when set, runs the dashboard on the real clock.
	debounce time.Duration
}

func newFixture(t testing.TB, opts fixtureOptions, sluiceObjs []runtime.Object, kubeObjs ...runtime.Object) *fixture {
	t.Helper()
	f := &fixture{
		sluice: sluicefake.NewSimpleClientset(sluiceObjs...),
		kube:   kubefake.NewClientset(kubeObjs...),
		clock:  testingclock.NewFakeClock(testNow),
		e:      Endpoint{Address: "127.0.0.1", Port: testPort, Token: testToken},
	}
	if tt, ok := t.(*testing.T); ok {
		f.t = tt
	}
	f.kube.PrependReactor("create", "selfsubjectreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, &authenticationv1.SelfSubjectReview{Status: authenticationv1.SelfSubjectReviewStatus{
			UserInfo: authenticationv1.UserInfo{Username: testUser}}}, nil
	})
	f.kube.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		review := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
		allowed := true
		for _, d := range opts.denied {
			if review.Spec.ResourceAttributes.Subresource == d {
				allowed = false
			}
		}
		review = review.DeepCopy()
		review.Status.Allowed = allowed
		return true, review, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cfg := Config{Sluice: f.sluice, Kube: f.kube, Namespace: opts.namespace, ReadOnly: opts.readOnly, Clock: f.clock}
	if opts.debounce > 0 {
		cfg.Clock, cfg.Debounce = nil, opts.debounce
	}
	srv, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.srv, f.handler = srv, srv.Handler(f.e)
	return f
}

// request is one request through the whole handler, as a browser that holds
// the cookie sends it from the dashboard's own page.
func (f *fixture) request(method, target string, form url.Values) *httptest.ResponseRecorder {
	f.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(method, target, body)
	r.Host = fmt.Sprintf("127.0.0.1:%d", testPort)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.AddCookie(&http.Cookie{Name: cookieName(testPort), Value: testToken})
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, r)
	return w
}

// writes are the write requests the fake API servers received, as
// "verb resource/subresource name".
func (f *fixture) writes() []string {
	var out []string
	for _, set := range [][]k8stesting.Action{f.sluice.Actions(), f.kube.Actions()} {
		for _, a := range set {
			switch a.GetVerb() {
			case "get", "list", "watch":
				continue
			}
			res := a.GetResource().Resource
			if res == "selfsubjectreviews" || res == "selfsubjectaccessreviews" {
				continue
			}
			if sub := a.GetSubresource(); sub != "" {
				res += "/" + sub
			}
			name := ""
			if n, ok := a.(interface{ GetName() string }); ok {
				name = n.GetName()
			}
			out = append(out, a.GetVerb()+" "+res+" "+name)
		}
	}
	return out
}

// createdEvents are the Events written through the fake API server.
func (f *fixture) createdEvents() []*corev1.Event {
	var out []*corev1.Event
	for _, a := range f.kube.Actions() {
		if c, ok := a.(k8stesting.CreateAction); ok && a.GetResource().Resource == "events" {
			out = append(out, c.GetObject().(*corev1.Event))
		}
	}
	return out
}

// rollout reads a Rollout back from the fake API server.
func (f *fixture) rollout(name string) *v1alpha1.Rollout {
	f.t.Helper()
	ro, err := f.sluice.SluiceV1alpha1().Rollouts("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return ro
}

// canaryRollout is "name" in namespace default: four replicas, steps
// setWeight 25, pause, setWeight 50, paused at step 2/3 on its pause step;
// the new version is hash "new", the stable one "old".
func canaryRollout(name string, change ...func(*v1alpha1.Rollout)) *v1alpha1.Rollout {
	ro := &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Generation: 2,
			ResourceVersion: "10", CreationTimestamp: metav1.NewTime(testNow.Add(-time.Hour))},
		Spec: v1alpha1.RolloutSpec{
			Replicas: ptr(int32(4)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/" + name + ":2"}}},
			},
			Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{Steps: []v1alpha1.CanaryStep{
				{SetWeight: ptr(int32(25))},
				{Pause: &v1alpha1.RolloutPause{Duration: ptr(intstr.FromString("10m"))}},
				{SetWeight: ptr(int32(50))},
			}}},
		},
		Status: v1alpha1.RolloutStatus{
			ObservedGeneration: 2, Phase: v1alpha1.RolloutPhasePaused, Message: "paused at step 2/3",
			CurrentPodHash: "new", StableRS: "old", CurrentStepIndex: ptr(int32(1)),
			PauseConditions: []v1alpha1.PauseCondition{{Reason: v1alpha1.PauseReasonCanaryPauseStep, StartTime: metav1.NewTime(testNow.Add(-time.Minute))}},
			Replicas:        4, UpdatedReplicas: 1, ReadyReplicas: 4, AvailableReplicas: 4,
		},
	}
	for _, c := range change {
		c(ro)
	}
	return ro
}

// Rollout states.

func healthy(ro *v1alpha1.Rollout) {
	ro.Status.Phase, ro.Status.Message, ro.Status.PauseConditions = v1alpha1.RolloutPhaseHealthy, "", nil
	ro.Status.StableRS, ro.Status.CurrentStepIndex = "new", ptr(int32(3))
}

func degraded(ro *v1alpha1.Rollout) {
	ro.Status.Phase, ro.Status.Message, ro.Status.PauseConditions = v1alpha1.RolloutPhaseDegraded, "RolloutAborted: aborted", nil
	ro.Status.Abort, ro.Status.CurrentStepIndex = true, ptr(int32(0))
}

func inNamespace(ns string) func(*v1alpha1.Rollout) {
	return func(ro *v1alpha1.Rollout) { ro.Namespace = ns }
}

// replicaSet is a ReplicaSet of a Rollout at a revision.
func replicaSet(ro *v1alpha1.Rollout, hash string, revision, replicas int32) *appsv1.ReplicaSet {
	labels := map[string]string{"app": ro.Name, "sluice.dev/pod-template-hash": hash}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: ro.Name + "-" + hash, Namespace: ro.Namespace, UID: types.UID("rs-" + ro.Name + hash), Labels: labels,
			Annotations:       map[string]string{"sluice.dev/revision": fmt.Sprint(revision)},
			CreationTimestamp: metav1.NewTime(testNow.Add(-time.Hour)),
			OwnerReferences:   []metav1.OwnerReference{{APIVersion: "sluice.dev/v1alpha1", Kind: "Rollout", Name: ro.Name, UID: ro.UID, Controller: ptr(true)}},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/" + ro.Name + ":" + fmt.Sprint(revision)}}},
			},
		},
		Status: appsv1.ReplicaSetStatus{Replicas: replicas, ReadyReplicas: replicas, AvailableReplicas: replicas},
	}
}

func objects(ros ...*v1alpha1.Rollout) []runtime.Object {
	out := make([]runtime.Object, len(ros))
	for i, ro := range ros {
		out[i] = ro
	}
	return out
}
