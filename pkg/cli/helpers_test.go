package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluicefake "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/fake"
)

// testNow is the fixed time of every test.
var testNow = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

// fakeCluster holds fake clients and runs commands against them.
type fakeCluster struct {
	t      *testing.T
	sluice *sluicefake.Clientset
	kube   *kubefake.Clientset
	// lastRV is the resourceVersion of the latest Rollout write, as etcd's
	// revision: every write gets a higher one.
	lastRV atomic.Int64
}

// newFakeCluster puts sluice objects (Rollouts, AnalysisRuns) and Kubernetes
// objects (ReplicaSets, pods) into fake clientsets. Rollout patches behave as the
// API server's: a patch of the main resource cannot change status, a patch of the
// status subresource changes only status, a resourceVersion in the patch is a
// precondition, and every write that changes a Rollout gives it a new
// resourceVersion (a spec change a new generation too). The fake clientset alone
// keeps resourceVersion as written, which hides any write conditioned on a
// resourceVersion the command's own earlier write made stale.
func newFakeCluster(t *testing.T, objects ...runtime.Object) *fakeCluster {
	t.Helper()
	var sluiceObjs, kubeObjs []runtime.Object
	for _, obj := range objects {
		switch obj.(type) {
		case *v1alpha1.Rollout, *v1alpha1.AnalysisRun, *v1alpha1.AnalysisTemplate, *v1alpha1.ClusterAnalysisTemplate:
			sluiceObjs = append(sluiceObjs, obj)
		default:
			kubeObjs = append(kubeObjs, obj)
		}
	}
	c := &fakeCluster{t: t, sluice: sluicefake.NewSimpleClientset(sluiceObjs...), kube: kubefake.NewClientset(kubeObjs...)}
	c.lastRV.Store(1000) // above every fixture's resourceVersion
	c.sluice.PrependReactor("patch", "rollouts", c.patchRollout)
	return c
}

var rolloutsResource = v1alpha1.SchemeGroupVersion.WithResource("rollouts")

// patchRollout applies a patch with the API server's rules (see newFakeCluster).
func (c *fakeCluster) patchRollout(action k8stesting.Action) (bool, runtime.Object, error) {
	pa := action.(k8stesting.PatchAction)
	sub := pa.GetSubresource()
	if sub != "" && sub != "status" {
		return true, nil, fmt.Errorf("subresource %q not expected", sub)
	}
	obj, err := c.sluice.Tracker().Get(rolloutsResource, pa.GetNamespace(), pa.GetName())
	if err != nil {
		return true, nil, err
	}
	old := obj.(*v1alpha1.Rollout)
	patched, err := applyRolloutPatch(old, action)
	if err != nil {
		return true, nil, apierrors.NewBadRequest(err.Error())
	}
	if patched.ResourceVersion != old.ResourceVersion {
		return true, nil, apierrors.NewConflict(rolloutsResource.GroupResource(), old.Name, fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
	}
	ro := old.DeepCopy()
	if sub == "status" {
		ro.Status = patched.Status
	} else {
		ro.ObjectMeta, ro.Spec = patched.ObjectMeta, patched.Spec
	}
	if equality.Semantic.DeepEqual(ro, old) {
		return true, ro, nil // the API server does not write an unchanged object
	}
	if !equality.Semantic.DeepEqual(ro.Spec, old.Spec) {
		ro.Generation++
	}
	if err := c.store(ro); err != nil {
		return true, nil, err
	}
	return true, ro, nil
}

// applyRolloutPatch is the rollout as the patch makes it, worked out on a
// scratch tracker so that a patch the API server would refuse leaves no trace.
func applyRolloutPatch(old *v1alpha1.Rollout, action k8stesting.Action) (*v1alpha1.Rollout, error) {
	scratch := sluicefake.NewSimpleClientset(old.DeepCopy())
	_, patched, err := k8stesting.ObjectReaction(scratch.Tracker())(action)
	if err != nil {
		return nil, err
	}
	return patched.(*v1alpha1.Rollout), nil
}

// store writes a rollout with a new resourceVersion, as every write to the API
// server does.
func (c *fakeCluster) store(ro *v1alpha1.Rollout) error {
	ro.ResourceVersion = strconv.FormatInt(c.lastRV.Add(1), 10)
	return c.sluice.Tracker().Update(rolloutsResource, ro, ro.Namespace)
}

// options returns command options wired to the fake clients and the fixed clock.
func (c *fakeCluster) options() *options {
	o := &options{
		configFlags: genericclioptions.NewConfigFlags(false),
		clock:       clocktesting.NewFakePassiveClock(testNow),
		isTerminal:  func(io.Writer) bool { return false },
		minRedraw:   10 * time.Millisecond,
		tick:        50 * time.Millisecond,
	}
	o.newSession = func() (*session, error) {
		ns := "default"
		if o.configFlags.Namespace != nil && *o.configFlags.Namespace != "" {
			ns = *o.configFlags.Namespace
		}
		return &session{sluice: c.sluice, kube: c.kube, namespace: ns}, nil
	}
	return o
}

// result is what a command printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
}

// run executes one command line as main does.
func (c *fakeCluster) run(args ...string) result {
	c.t.Helper()
	return c.runContext(context.Background(), args...)
}

func (c *fakeCluster) runContext(ctx context.Context, args ...string) result {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := newRootCommand(c.options())
	cmd.SetArgs(args)
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	err := cmd.ExecuteContext(ctx)
	code := ReportError(&stderr, err)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// rollout reads a rollout back from the fake cluster.
func (c *fakeCluster) rollout(name string) *v1alpha1.Rollout {
	c.t.Helper()
	ro, err := c.sluice.SluiceV1alpha1().Rollouts("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		c.t.Fatalf("get rollout %s: %v", name, err)
	}
	return ro
}

// updateStatus changes a rollout's status as the controller would. It goes to
// the tracker directly, so a reactor may call it to play a write that lands
// between a command's read and its write.
func (c *fakeCluster) updateStatus(name string, change func(*v1alpha1.RolloutStatus)) {
	c.t.Helper()
	obj, err := c.sluice.Tracker().Get(rolloutsResource, "default", name)
	if err != nil {
		c.t.Fatalf("get rollout %s: %v", name, err)
	}
	ro := obj.(*v1alpha1.Rollout).DeepCopy()
	change(&ro.Status)
	if err := c.store(ro); err != nil {
		c.t.Fatalf("update rollout %s: %v", name, err)
	}
}

// wantExit checks the exit code and that stderr is empty on success and exactly
// one "error: ..." line on failure.
func wantExit(t *testing.T, r result, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	if code == 0 && r.stderr != "" {
		t.Errorf("stderr on success: %q", r.stderr)
	}
}

// wantOneErrorLine checks stderr is the one line given.
func wantOneErrorLine(t *testing.T, r result, line string) {
	t.Helper()
	if r.stderr != line+"\n" {
		t.Errorf("stderr:\n%q\nwant:\n%q", r.stderr, line+"\n")
	}
}
