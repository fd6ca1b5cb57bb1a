package decode

import (
	"encoding/json"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	clientfeatures "k8s.io/client-go/features"
	clientfeaturestesting "k8s.io/client-go/features/testing"
)

// event is one benchmark case: an object, the clientset that decodes it and
// the formats compared.
type event struct {
	name    string
	client  Client
	object  runtime.Object
	formats []Format
}

func events() []event {
	var out []event
	for _, s := range Shapes {
		out = append(out, event{"rollout-" + s.String(), SluiceClient, Rollout(42, s), []Format{JSON, CBOR}})
	}
	for _, t := range []Template{SmallTemplate, LargeTemplate} {
		out = append(out, event{"replicaset-" + t.String(), KubeClient, ReplicaSet(42, Shape{Template: t}), []Format{Protobuf, JSON, CBOR}})
	}
	for _, applied := range []bool{false, true} {
		out = append(out, event{"service-" + Shape{Applied: applied}.String(), KubeClient, Service(42, Shape{Applied: applied}), []Format{Protobuf, JSON}})
	}
	return out
}

// allowCBOR turns on client-go's ClientsAllowCBOR for the test, as
// KUBE_FEATURE_ClientsAllowCBOR=true does for a process.
func allowCBOR(tb testing.TB) {
	clientfeaturestesting.SetFeatureDuringTest(tb, clientfeatures.ClientsAllowCBOR, true)
}

// TestEveryFormatDecodesToTheSameObject checks the benchmark decodes what it
// claims: each encoding of each object comes back equal to the object.
func TestEveryFormatDecodesToTheSameObject(t *testing.T) {
	allowCBOR(t)
	for _, e := range events() {
		for _, f := range e.formats {
			t.Run(e.name+"/"+f.String(), func(t *testing.T) {
				wire, err := WatchEvent(f, e.object)
				if err != nil {
					t.Fatal(err)
				}
				s, err := NewStream(e.client, f, wire)
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i < eventsPerStream+2; i++ { // across a rebuilt stream
					got, err := s.Next()
					if err != nil {
						t.Fatalf("event %d: %v", i, err)
					}
					if diff := differ(got, e.object); diff != "" {
						t.Fatalf("event %d: %s", i, diff)
					}
				}
			})
		}
	}
}

// differ describes how got differs from want in JSON, apart from the type
// meta a typed client drops; "" when they are the same. JSON also evens out
// what differs only in representation (managedFields kept as CBOR bytes,
// times in another zone).
func differ(got, want runtime.Object) string {
	want = want.DeepCopyObject()
	if a, err := meta.TypeAccessor(want); err == nil {
		a.SetAPIVersion("")
		a.SetKind("")
	}
	g, err := json.Marshal(got)
	if err != nil {
		return err.Error()
	}
	w, err := json.Marshal(want)
	if err != nil {
		return err.Error()
	}
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			from := max(0, i-80)
			return fmt.Sprintf("differs at byte %d: got ...%s... want ...%s...", i, g[from:min(len(g), i+80)], w[from:min(len(w), i+80)])
		}
	}
	if len(g) != len(w) {
		return fmt.Sprintf("got %d bytes of JSON, want %d", len(g), len(w))
	}
	return ""
}

// TestCBORNeedsTheClientGate shows why the controller has to turn the gate on:
// without it the generated clientset has no CBOR decoder at all.
func TestCBORNeedsTheClientGate(t *testing.T) {
	clientfeaturestesting.SetFeatureDuringTest(t, clientfeatures.ClientsAllowCBOR, false)
	wire, err := WatchEvent(CBOR, Rollout(1, Shapes[0]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewStream(SluiceClient, CBOR, wire); err == nil {
		t.Fatal("the sluice clientset negotiated CBOR with ClientsAllowCBOR off")
	}
}

// BenchmarkWatchEvent decodes one watch event per op. Besides ns/op, B/op and
// allocs/op it reports the event's size on the wire (wire-B).
func BenchmarkWatchEvent(b *testing.B) {
	allowCBOR(b)
	for _, e := range events() {
		for _, f := range e.formats {
			b.Run(fmt.Sprintf("%s/%s", e.name, f), func(b *testing.B) {
				wire, err := WatchEvent(f, e.object)
				if err != nil {
					b.Fatal(err)
				}
				s, err := NewStream(e.client, f, wire)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.Next(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(wire)), "wire-B") // after the loop, which resets metrics
			})
		}
	}
}
