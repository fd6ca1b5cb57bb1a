package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kubeinformers "k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/sluice-dev/sluice/notifications/ledger"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluicefake "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/fake"
	sluiceinformers "github.com/sluice-dev/sluice/pkg/client/informers/externalversions"
)

const controllerNS = "sluice-system"

// receiver is an HTTP endpoint that records the CloudEvents ids it is sent
// and answers with status.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	ids    []string
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{status: status}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var ce struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(body, &ce)
		r.mu.Lock()
		r.ids = append(r.ids, ce.ID)
		status := r.status
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...)
}

func (r *receiver) answer(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status = status
}

// fixture is a notifications controller over fake clientsets whose caches
// are refreshed from the fake API before every sync.
type fixture struct {
	t         *testing.T
	kube      *kubefake.Clientset
	sluice    *sluicefake.Clientset
	kubeInf   kubeinformers.SharedInformerFactory
	sluiceInf sluiceinformers.SharedInformerFactory
	recorder  *record.FakeRecorder
	clock     *clocktesting.FakeClock
	c         *Controller
}

func newFixture(t *testing.T, data map[string]string, objects ...runtime.Object) *fixture {
	t.Helper()
	var kubeObjs, sluiceObjs []runtime.Object
	for _, o := range objects {
		switch o.(type) {
		case *v1alpha1.Rollout, *v1alpha1.AnalysisRun:
			sluiceObjs = append(sluiceObjs, o)
		default:
			kubeObjs = append(kubeObjs, o)
		}
	}
	if data != nil {
		kubeObjs = append(kubeObjs, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: controllerNS, Name: ObjectName, ResourceVersion: "1"}, Data: data})
	}
	f := &fixture{
		t: t, kube: kubefake.NewClientset(kubeObjs...), sluice: sluicefake.NewSimpleClientset(sluiceObjs...),
		recorder: record.NewFakeRecorder(100),
		clock:    clocktesting.NewFakeClock(time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)),
	}
	f.kubeInf = kubeinformers.NewSharedInformerFactory(f.kube, 0)
	f.sluiceInf = sluiceinformers.NewSharedInformerFactory(f.sluice, 0)
	c, err := NewController(Config{
		Kube: f.kube, Sluice: f.sluice,
		Rollouts:     f.sluiceInf.Sluice().V1alpha1().Rollouts(),
		AnalysisRuns: f.sluiceInf.Sluice().V1alpha1().AnalysisRuns(),
		ReplicaSets:  f.kubeInf.Apps().V1().ReplicaSets(),
		ConfigMaps:   f.kubeInf.Core().V1().ConfigMaps(),
		Secrets:      f.kubeInf.Core().V1().Secrets(),
		Namespace:    controllerNS,
		Holder:       "test-holder",
		Recorder:     f.recorder,
		Clock:        f.clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	return f
}

// refresh copies the fake API's objects into the caches.
func (f *fixture) refresh() {
	f.t.Helper()
	ctx := context.Background()
	replace := func(store cache.Store, items []any) {
		if err := store.Replace(items, ""); err != nil {
			f.t.Fatal(err)
		}
	}
	ros, _ := f.sluice.SluiceV1alpha1().Rollouts("").List(ctx, metav1.ListOptions{})
	var items []any
	for i := range ros.Items {
		items = append(items, &ros.Items[i])
	}
	replace(f.sluiceInf.Sluice().V1alpha1().Rollouts().Informer().GetStore(), items)
	runs, _ := f.sluice.SluiceV1alpha1().AnalysisRuns("").List(ctx, metav1.ListOptions{})
	items = nil
	for i := range runs.Items {
		items = append(items, &runs.Items[i])
	}
	replace(f.sluiceInf.Sluice().V1alpha1().AnalysisRuns().Informer().GetStore(), items)
	rss, _ := f.kube.AppsV1().ReplicaSets("").List(ctx, metav1.ListOptions{})
	items = nil
	for i := range rss.Items {
		items = append(items, &rss.Items[i])
	}
	replace(f.kubeInf.Apps().V1().ReplicaSets().Informer().GetStore(), items)
	cms, _ := f.kube.CoreV1().ConfigMaps("").List(ctx, metav1.ListOptions{})
	items = nil
	for i := range cms.Items {
		items = append(items, &cms.Items[i])
	}
	replace(f.kubeInf.Core().V1().ConfigMaps().Informer().GetStore(), items)
	secrets, _ := f.kube.CoreV1().Secrets("").List(ctx, metav1.ListOptions{})
	items = nil
	for i := range secrets.Items {
		items = append(items, &secrets.Items[i])
	}
	replace(f.kubeInf.Core().V1().Secrets().Informer().GetStore(), items)
}

// sync refreshes the caches and runs one sync of the Rollout ns/web.
func (f *fixture) sync() (time.Duration, error) {
	f.refresh()
	return f.c.sync(context.Background(), cache.ObjectName{Namespace: "ns", Name: "web"})
}

func (f *fixture) mustSync() time.Duration {
	f.t.Helper()
	d, err := f.sync()
	if err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	return d
}

// rollout reads ns/web from the fake API.
func (f *fixture) rollout() *v1alpha1.Rollout {
	f.t.Helper()
	ro, err := f.sluice.SluiceV1alpha1().Rollouts("ns").Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return ro
}

// ledger is the Rollout's ledger as stored.
func (f *fixture) ledger() ledger.Ledger {
	f.t.Helper()
	l, err := ledger.Decode(f.rollout().Annotations[ledger.Annotation])
	if err != nil {
		f.t.Fatal(err)
	}
	return l
}

// completeSteps stores status.currentStepIndex = n (n steps completed).
func (f *fixture) completeSteps(n int32) {
	f.t.Helper()
	ro := f.rollout()
	ro.Status.CurrentStepIndex = &n
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("ns").UpdateStatus(context.Background(), ro, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// events drains the recorded Events.
func (f *fixture) events() []string {
	var out []string
	for {
		select {
		case e := <-f.recorder.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// webRollout is a canary Rollout at revision 1 with three steps, none done,
// and its ReplicaSet.
func webRollout(annotations map[string]string) (*v1alpha1.Rollout, *appsv1.ReplicaSet) {
	w := int32(20)
	zero := int32(0)
	ro := &v1alpha1.Rollout{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", UID: "uid-web", ResourceVersion: "1", Annotations: annotations, Labels: map[string]string{"app": "web"}},
		Spec: v1alpha1.RolloutSpec{Strategy: v1alpha1.RolloutStrategy{Canary: &v1alpha1.CanaryStrategy{
			Steps: []v1alpha1.CanaryStep{{SetWeight: &w}, {Pause: &v1alpha1.RolloutPause{}}, {SetWeight: &w}},
		}}},
		Status: v1alpha1.RolloutStatus{CurrentPodHash: "abc", StableRS: "old", CurrentStepIndex: &zero, Phase: "Progressing"},
	}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{
		Namespace: "ns", Name: "web-abc", Labels: map[string]string{hashLabel: "abc"},
		Annotations:     map[string]string{revisionAnnotation: "1"},
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(ro, v1alpha1.SchemeGroupVersion.WithKind("Rollout"))},
	}}
	return ro, rs
}

// webhooks configures one webhook service per receiver, named by the map's
// keys, all subscribed to triggers.
func webhooks(receivers map[string]*receiver, triggers string) map[string]string {
	data := map[string]string{}
	var recipients []string
	for name, r := range receivers {
		data["service.webhook."+name] = "url: " + r.URL
		recipients = append(recipients, "webhook."+name)
	}
	data["subscriptions"] = "- recipients: [" + strings.Join(recipients, ", ") + "]\n  triggers: [" + triggers + "]\n"
	return data
}

// enforceResourceVersions makes the fake API behave as the real one for
// Rollout writes: a write naming another resourceVersion than the stored one
// (an update's, or a merge patch's precondition) is a conflict, and every
// write moves the version on. Patches may only set annotations, the one
// thing this controller patches.
func (f *fixture) enforceResourceVersions() {
	check := func(a clienttesting.Action, name, rv string) (*v1alpha1.Rollout, error) {
		stored, err := f.sluice.Tracker().Get(a.GetResource(), a.GetNamespace(), name)
		if err != nil {
			return nil, err
		}
		ro := stored.(*v1alpha1.Rollout).DeepCopy()
		if rv != "" && rv != ro.ResourceVersion {
			return nil, apierrors.NewConflict(a.GetResource().GroupResource(), name,
				fmt.Errorf("the object has been modified (version %s, stored %s)", rv, ro.ResourceVersion))
		}
		n, _ := strconv.Atoi(ro.ResourceVersion)
		ro.ResourceVersion = strconv.Itoa(n + 1)
		return ro, nil
	}
	f.sluice.PrependReactor("update", "rollouts", func(a clienttesting.Action) (bool, runtime.Object, error) {
		obj := a.(clienttesting.UpdateAction).GetObject().(*v1alpha1.Rollout)
		next, err := check(a, obj.Name, obj.ResourceVersion)
		if err != nil {
			return true, nil, err
		}
		obj.ResourceVersion = next.ResourceVersion
		return false, nil, nil
	})
	f.sluice.PrependReactor("patch", "rollouts", func(a clienttesting.Action) (bool, runtime.Object, error) {
		pa := a.(clienttesting.PatchAction)
		var patch struct {
			Metadata struct {
				ResourceVersion string            `json:"resourceVersion"`
				Annotations     map[string]string `json:"annotations"`
			} `json:"metadata"`
		}
		if pa.GetPatchType() != types.MergePatchType || json.Unmarshal(pa.GetPatch(), &patch) != nil {
			return true, nil, fmt.Errorf("unexpected patch %s %s", pa.GetPatchType(), pa.GetPatch())
		}
		ro, err := check(a, pa.GetName(), patch.Metadata.ResourceVersion)
		if err != nil {
			return true, nil, err
		}
		if ro.Annotations == nil {
			ro.Annotations = map[string]string{}
		}
		maps.Copy(ro.Annotations, patch.Metadata.Annotations)
		if err := f.sluice.Tracker().Update(a.GetResource(), ro, ro.Namespace); err != nil {
			return true, nil, err
		}
		return true, ro, nil
	})
}
