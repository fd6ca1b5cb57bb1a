package promquery

import (
	"testing"

	"github.com/sluice-dev/sluice/analysis/provider/internal/httpshare"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestTransportsAreShared checks that measurements reuse the provider's two
// transports rather than creating one per query.
func TestTransportsAreShared(t *testing.T) {
	transports := httpshare.NewTransports()
	secureA := forRequest(transports, Server{})
	secureB := forRequest(transports, Server{Headers: []v1alpha1.WebMetricHeader{{Key: "a", Value: "b"}}})
	insecureA := forRequest(transports, Server{Insecure: true})
	insecureB := forRequest(transports, Server{Insecure: true})
	if secureA.next != secureB.next || insecureA.next != insecureB.next || secureA.next == insecureA.next {
		t.Errorf("want one shared secure and one shared insecure transport")
	}
}

// TestAddressMessageNamesTheField checks that a missing address tells the user
// which provider's field to set.
func TestAddressMessageNamesTheField(t *testing.T) {
	_, err := Connect(httpshare.NewTransports(), "", FromJudge(&v1alpha1.JudgeMetric{}))
	want := "no Prometheus address: set provider.judge.address or --prometheus-address"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}
