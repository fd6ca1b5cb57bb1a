package rollout

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// managedService is a Service sluice pointed at hash for the Rollout manager.
func managedService(name, manager, hash string) *corev1.Service {
	svc := service(name)
	svc.Annotations = map[string]string{ManagedByAnnotation: manager}
	svc.Spec.Selector[HashLabel] = hash
	return svc
}

func TestServicesToRelease(t *testing.T) {
	ro := testRollout("web:1") // names web-stable and web-canary
	managed := []*corev1.Service{managedService("web-stable", "web", "h1"), managedService("web-old", "web", "h1")}
	names := func(svcs []*corev1.Service) []string {
		var out []string
		for _, s := range svcs {
			out = append(out, s.Name)
		}
		return out
	}
	if got := names(servicesToRelease(managed, ro)); !slices.Equal(got, []string{"web-old"}) {
		t.Errorf("Rollout present: release %v, want only the Service it no longer names", got)
	}
	if got := names(servicesToRelease(managed, nil)); !slices.Equal(got, []string{"web-stable", "web-old"}) {
		t.Errorf("Rollout gone: release %v, want all its Services", got)
	}
	bg := testRollout("web:1")
	bg.Spec.Strategy.Canary = nil
	bg.Spec.Strategy.BlueGreen = &v1alpha1.BlueGreenStrategy{ActiveService: "web-old"}
	if got := names(servicesToRelease(managed, bg)); !slices.Equal(got, []string{"web-stable"}) {
		t.Errorf("blue-green naming web-old: release %v, want web-stable", got)
	}
}

// TestReleaseServices: the Services of a deleted Rollout lose the hash key and
// the managed-by annotation (and keep the rest of their selector); a Service
// its Rollout still names, and the Services of other Rollouts, are untouched.
func TestReleaseServices(t *testing.T) {
	ctx := context.Background()
	elsewhere := testRollout("web:1")
	elsewhere.Name, elsewhere.UID = "elsewhere", "elsewhere-uid"
	f := newFixture(t, testRollout("web:1"), elsewhere,
		managedService("web-stable", "web", "h1"), managedService("web-old", "web", "h1"),
		managedService("gone-stable", "gone", "h2"), managedService("gone-canary", "gone", "h3"),
		managedService("elsewhere-stable", "elsewhere", "h4"))
	f.refresh(ctx)
	// "elsewhere" exists in the API but not in this controller's cache: another
	// instance's Rollout, or one not cached yet.
	if err := f.sluiceInf.Sluice().V1alpha1().Rollouts().Informer().GetStore().Delete(elsewhere); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"gone", "web", "elsewhere"} {
		if err := f.c.releaseServices(ctx, "ns", name); err != nil {
			t.Fatalf("release %s: %v", name, err)
		}
	}
	for _, tc := range []struct {
		service, wantHash, wantManager string
	}{
		{"gone-stable", "", ""},
		{"gone-canary", "", ""},
		{"web-old", "", ""},
		{"web-stable", "h1", "web"},
		{"elsewhere-stable", "h4", "elsewhere"},
	} {
		svc, err := f.kube.CoreV1().Services("ns").Get(ctx, tc.service, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if svc.Spec.Selector[HashLabel] != tc.wantHash || svc.Annotations[ManagedByAnnotation] != tc.wantManager || svc.Spec.Selector["app"] != "web" {
			t.Errorf("%s: selector %v, managed-by %q; want hash %q, managed-by %q, app kept",
				tc.service, svc.Spec.Selector, svc.Annotations[ManagedByAnnotation], tc.wantHash, tc.wantManager)
		}
	}
}

// TestServiceOfMissingRolloutWakesIt: a Service event wakes the Rollout its
// annotation names when that Rollout is not cached or no longer names it, so
// its sync releases the Service; otherwise the handler adds nothing.
func TestServiceOfMissingRolloutWakesIt(t *testing.T) {
	f := newFixture(t, testRollout("web:1"))
	f.refresh(context.Background())
	for _, tc := range []struct {
		svc  *corev1.Service
		want []string
	}{
		{managedService("gone-stable", "gone", "h1"), []string{"gone"}},
		{managedService("web-old", "web", "h1"), []string{"web"}},
		{managedService("web-stable", "web", "h1"), nil},
		{service("plain"), nil},
	} {
		f.c.enqueueReleasable(tc.svc)
		var got []string
		for f.c.queue.Len() > 0 {
			key, _ := f.c.queue.Get()
			got = append(got, key.Name)
			f.c.queue.Done(key)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: woke %v, want %v", tc.svc.Name, got, tc.want)
		}
	}
}
