package controller

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor"
	clientfeatures "k8s.io/client-go/features"
	clientfeaturestesting "k8s.io/client-go/features/testing"
	"k8s.io/client-go/rest"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
	sluicescheme "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/scheme"
)

// fakeAPIServer serves Rollouts like kube-apiserver: as CBOR when asked and
// servesCBOR (its CBORServingAndStorage gate), else as JSON; without the gate
// it rejects CBOR request bodies with 415. It records each request's media
// types.
type fakeAPIServer struct {
	servesCBOR bool
	rollouts   int
	mu         sync.Mutex
	requests   []string // "<method> <request body type> -> <response type>"
}

var apiServerCodecs = serializer.NewCodecFactory(sluicescheme.Scheme, serializer.WithSerializer(cbor.NewSerializerInfo))

func (s *fakeAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	respond := runtime.ContentTypeJSON
	if s.servesCBOR && strings.Contains(r.Header.Get("Accept"), runtime.ContentTypeCBOR) {
		respond = runtime.ContentTypeCBOR
	}
	s.mu.Lock()
	s.requests = append(s.requests, fmt.Sprintf("%s %s -> %s", r.Method, body, respond))
	s.mu.Unlock()
	if body == runtime.ContentTypeCBOR && !s.servesCBOR {
		http.Error(w, "unsupported media type", http.StatusUnsupportedMediaType)
		return
	}
	var obj runtime.Object
	switch r.Method {
	case http.MethodGet:
		list := &v1alpha1.RolloutList{TypeMeta: metav1.TypeMeta{APIVersion: "sluice.dev/v1alpha1", Kind: "RolloutList"}}
		for i := range s.rollouts {
			list.Items = append(list.Items, v1alpha1.Rollout{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ro-%05d", i), Namespace: "shop"}})
		}
		obj = list
	default:
		raw, _ := io.ReadAll(r.Body)
		info, _ := runtime.SerializerInfoForMediaType(apiServerCodecs.SupportedMediaTypes(), body)
		decoded, _, err := info.Serializer.Decode(raw, nil, &v1alpha1.Rollout{})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		obj = decoded
		obj.GetObjectKind().SetGroupVersionKind(v1alpha1.SchemeGroupVersion.WithKind("Rollout"))
	}
	info, _ := runtime.SerializerInfoForMediaType(apiServerCodecs.SupportedMediaTypes(), respond)
	var out bytes.Buffer
	if err := info.Serializer.Encode(obj, &out); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", respond)
	_, _ = w.Write(out.Bytes())
}

func (s *fakeAPIServer) log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// sluiceClientFor is the controller's sluice client, configured with --cbor
// or without, against server. It leaves client-go's gates as it found them.
func sluiceClientFor(t *testing.T, server *httptest.Server, withCBOR bool) sluiceclient.Interface {
	t.Helper()
	clientfeaturestesting.SetFeatureDuringTest(t, clientfeatures.ClientsAllowCBOR, false)
	cfg, err := customResourceConfig(&rest.Config{Host: server.URL}, withCBOR)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := sluiceclient.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestCBORReadsAndWritesRolloutsAsCBOR(t *testing.T) {
	api := &fakeAPIServer{servesCBOR: true, rollouts: 3}
	server := httptest.NewServer(api)
	defer server.Close()
	rollouts := sluiceClientFor(t, server, true).SluiceV1alpha1().Rollouts("shop")

	list, err := rollouts.List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created, err := rollouts.Create(context.Background(), &v1alpha1.Rollout{ObjectMeta: metav1.ObjectMeta{Name: "checkout"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 3 || created.Name != "checkout" {
		t.Fatalf("listed %d Rollouts (want 3), created %q (want checkout)", len(list.Items), created.Name)
	}
	want := []string{"GET  -> application/cbor", "POST application/cbor -> application/cbor"}
	if got := api.log(); strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("requests %q, want %q", got, want)
	}
}

// TestCBORFallsBackToJSONWithoutTheServerGate: a controller started with
// --cbor against an API server without CBORServingAndStorage reads JSON, and
// after the first write the server refuses, writes JSON.
func TestCBORFallsBackToJSONWithoutTheServerGate(t *testing.T) {
	api := &fakeAPIServer{rollouts: 3}
	server := httptest.NewServer(api)
	defer server.Close()
	rollouts := sluiceClientFor(t, server, true).SluiceV1alpha1().Rollouts("shop")

	list, err := rollouts.List(context.Background(), metav1.ListOptions{})
	if err != nil || len(list.Items) != 3 {
		t.Fatalf("list from a JSON-only server: %d Rollouts, %v", len(list.Items), err)
	}
	ro := &v1alpha1.Rollout{ObjectMeta: metav1.ObjectMeta{Name: "checkout"}}
	if _, err := rollouts.Create(context.Background(), ro, metav1.CreateOptions{}); err == nil {
		t.Fatal("the first CBOR write to a JSON-only server succeeded; the fake should refuse it")
	}
	if _, err := rollouts.Create(context.Background(), ro, metav1.CreateOptions{}); err != nil {
		t.Fatalf("the retried write: %v", err)
	}
	want := []string{"GET  -> application/json", "POST application/cbor -> application/json", "POST application/json -> application/json"}
	if got := api.log(); strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("requests %q, want %q", got, want)
	}
}

func TestWithoutCBORRolloutsStayJSON(t *testing.T) {
	api := &fakeAPIServer{servesCBOR: true, rollouts: 1}
	server := httptest.NewServer(api)
	defer server.Close()
	if _, err := sluiceClientFor(t, server, false).SluiceV1alpha1().Rollouts("shop").List(context.Background(), metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, want := api.log(), []string{"GET  -> application/json"}; strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("requests %q, want %q", got, want)
	}
}

// TestCBORListsTenThousandRollouts: client-go's CBOR decoder once capped
// arrays at 1024 elements, which broke large LISTs (the reason OpenShift
// turned ClientsAllowCBOR off); a 10,000-Rollout LIST at start-up must decode.
func TestCBORListsTenThousandRollouts(t *testing.T) {
	api := &fakeAPIServer{servesCBOR: true, rollouts: 10000}
	server := httptest.NewServer(api)
	defer server.Close()
	list, err := sluiceClientFor(t, server, true).SluiceV1alpha1().Rollouts("shop").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 10000 || list.Items[9999].Name != "ro-09999" {
		t.Fatalf("listed %d Rollouts", len(list.Items))
	}
	if got := api.log(); len(got) != 1 || got[0] != "GET  -> application/cbor" {
		t.Fatalf("requests %q, want one CBOR GET", got)
	}
}
