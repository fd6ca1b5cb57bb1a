package analysis

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// secretRun is a run whose metric uses a token read from Secret creds.
func secretRun(secretName, key string) *v1alpha1.AnalysisRun {
	m := webMetric("error-rate")
	m.Provider.Web.Headers = []v1alpha1.WebMetricHeader{{Key: "Authorization", Value: "Bearer {{args.token}}"}}
	run := newRun(m)
	run.Spec.Args = append(run.Spec.Args, v1alpha1.Argument{Name: "token", ValueFrom: &v1alpha1.ValueFrom{
		SecretKeyRef: &v1alpha1.SecretKeyRef{Name: secretName, Key: key}}})
	return run
}

func credsSecret() *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "creds"}, Data: map[string][]byte{"token": []byte("s3cr3t")}}
}

// failSecretGets makes the next n `get secrets` fail with err.
func failSecretGets(h *harness, n int, err error) {
	var mu sync.Mutex
	h.c.kube.(*kubefake.Clientset).PrependReactor("get", "secrets", func(clienttesting.Action) (bool, runtime.Object, error) {
		mu.Lock()
		defer mu.Unlock()
		if n == 0 {
			return false, nil, nil
		}
		n--
		return true, nil, err
	})
}

// TestTransientSecretReadIsRetried: reading an args Secret fails once (an API
// server blip, as during a controller restart). The run must not end in Error:
// the sync fails so the workqueue retries it with backoff, and the next try
// reads the Secret and measures.
func TestTransientSecretReadIsRetried(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
	}{
		{"500", apierrors.NewInternalError(errors.New("etcd leader changed"))},
		{"timeout", apierrors.NewTimeoutError("request timed out", 1)},
		{"connection refused", errors.New("dial tcp 10.0.0.1:443: connect: connection refused")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakeProvider{values: []any{1}}
			h := newHarness(t, secretRun("creds", "token"), p, credsSecret())
			failSecretGets(h, 1, tt.err)

			h.c.queue.Add(h.key)
			h.c.processNextItem(context.Background())
			if got := h.c.queue.NumRequeues(h.key); got != 1 {
				t.Errorf("requeues after the failed read = %d, want 1 (rate-limited retry)", got)
			}
			h.refresh()
			if st := h.run().Status; st.Phase.Completed() || p.calls != 0 {
				t.Fatalf("after the failed read: phase %s %q, %d measurements; want the run untouched", st.Phase, st.Message, p.calls)
			}
			expectEvent(t, h.recorder, "ArgumentUnavailable")

			got := h.runUntilDone()
			if got.Status.Phase != successful || p.calls != 1 {
				t.Fatalf("after the retry: phase %s %q after %d measurements, want Successful after 1", got.Status.Phase, got.Status.Message, p.calls)
			}
			if auth := p.seen[0].Provider.Web.Headers[0].Value; auth != "Bearer s3cr3t" {
				t.Errorf("the metric got %q, want the Secret's value", auth)
			}
		})
	}
}

// TestMissingSecretOrKeyEndsRun: a Secret or key that does not exist will not
// appear by retrying; the run ends in Error naming the Secret and the key.
func TestMissingSecretOrKeyEndsRun(t *testing.T) {
	for _, tt := range []struct {
		name, secret, key string
		want              []string
	}{
		{"no Secret", "nope", "token", []string{`Secret "nope"`, `key "token"`, "not found"}},
		{"no key", "creds", "password", []string{`Secret "creds"`, `no key "password"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &fakeProvider{values: []any{1}}
			h := newHarness(t, secretRun(tt.secret, tt.key), p, credsSecret())
			if _, err := h.c.sync(context.Background(), h.key); err != nil {
				t.Fatalf("sync: %v, want the run ended without a retry", err)
			}
			h.refresh()
			st := h.run().Status
			if st.Phase != errored || p.calls != 0 {
				t.Fatalf("phase %s after %d measurements, want Error before measuring", st.Phase, p.calls)
			}
			for _, w := range tt.want {
				if !strings.Contains(st.Message, w) {
					t.Errorf("message %q does not contain %s", st.Message, w)
				}
			}
		})
	}
}
