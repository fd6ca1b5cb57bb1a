package cli

import (
	"testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

func images(ro *v1alpha1.Rollout) (init, main string) {
	return ro.Spec.Template.Spec.InitContainers[0].Image, ro.Spec.Template.Spec.Containers[0].Image
}

func TestSetImageOneContainer(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("set", "image", "web", "web=example.com/web:3.0")
	wantExit(t, r, 0)
	ro := c.rollout("web")
	if init, main := images(ro); init != "example.com/migrate:1.0" || main != "example.com/web:3.0" {
		t.Errorf("images %s, %s", init, main)
	}
	if ro.Generation != 3 {
		t.Errorf("generation %d, want 3: a spec change", ro.Generation)
	}
	if r.stdout != "rollout \"web\" image updated: web=example.com/web:3.0\n" {
		t.Errorf("stdout %q", r.stdout)
	}
}

func TestSetImageAllContainersIncludesInitContainers(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	wantExit(t, c.run("set", "image", "web", "*=example.com/all:1"), 0)
	if init, main := images(c.rollout("web")); init != "example.com/all:1" || main != "example.com/all:1" {
		t.Errorf("images %s, %s", init, main)
	}
}

func TestSetImageNamedContainerWinsOverStar(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	wantExit(t, c.run("set", "image", "web", "*=example.com/all:1", "web=example.com/web:9"), 0)
	if init, main := images(c.rollout("web")); init != "example.com/all:1" || main != "example.com/web:9" {
		t.Errorf("images %s, %s", init, main)
	}
}

func TestSetImageUnknownContainer(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("set", "image", "web", "sidecar=x:1", "web=example.com/web:3.0")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "web" has no container "sidecar" (containers: migrate, web)`)
	if _, main := images(c.rollout("web")); main != "example.com/web:2.0" {
		t.Error("a failed set image changed the rollout")
	}
}

func TestSetImageBadArguments(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	for _, args := range [][]string{
		{"set", "image", "web"},
		{"set", "image", "web", "web"},
		{"set", "image", "web", "=x"},
		{"set", "image", "web", "web="},
		{"set", "image", "web", "web=a", "web=b"},
	} {
		r := c.run(args...)
		wantExit(t, r, 2)
	}
	r := c.run("set", "image", "web", "web:2")
	wantOneErrorLine(t, r, `error: "web:2" is not CONTAINER=IMAGE (see 'kubectl sluice set image --help')`)
}

func TestSetImageWorkloadRef(t *testing.T) {
	ro := canaryRollout()
	ro.Spec.WorkloadRef = &v1alpha1.ObjectRef{Kind: "Deployment", Name: "web"}
	c := newFakeCluster(t, ro)
	r := c.run("set", "image", "web", "web=x:1")
	wantExit(t, r, 1)
	wantOneErrorLine(t, r, `error: rollout "web" takes its pod template from Deployment "web" (workloadRef); set the image there`)
}
