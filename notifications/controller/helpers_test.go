package controller

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/sluice-dev/sluice/notifications"
	"github.com/sluice-dev/sluice/notifications/ledger"
	"github.com/sluice-dev/sluice/notifications/triggers"
)

var (
	metav1UpdateOptions = metav1.UpdateOptions{}
	errConflictForTest  = errors.New("the object has been modified")
)

func keyOf(ns, name string) cache.ObjectName { return cache.ObjectName{Namespace: ns, Name: name} }

// findEntry is the first ledger entry whose id contains part.
func findEntry(l ledger.Ledger, part string) (ledger.Entry, bool) {
	for id, e := range l.Entries {
		if strings.Contains(id, part) && e.State != ledger.StateSkipped {
			return e, true
		}
	}
	return ledger.Entry{}, false
}

// stepDelivery is the delivery of the latest completed step of ns/web to
// service, as the stored state shows it.
func (f *fixture) stepDelivery(service string) notifications.Delivery {
	f.t.Helper()
	f.refresh()
	ro := f.rollout()
	var last *notifications.Event
	for _, ev := range triggers.Events(f.c.triggerInput(ro, f.ledger(), f.clock.Now())) {
		if ev.Trigger == notifications.OnRolloutStepCompleted {
			last = &ev
		}
	}
	if last == nil {
		f.t.Fatalf("the stored Rollout shows no completed step")
	}
	return notifications.Delivery{Event: *last, Destination: notifications.Destination{Service: service}}
}

func testutilGauge(t *testing.T, ns string) float64 {
	t.Helper()
	return testutil.ToFloat64(configErrors.WithLabelValues(ns))
}
