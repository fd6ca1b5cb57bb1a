package decode

import (
	"bytes"
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/cbor"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/watch"
	kubescheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	restwatch "k8s.io/client-go/rest/watch"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	sluicescheme "github.com/sluice-dev/sluice/pkg/client/clientset/versioned/scheme"
)

// Format is a media type kube-apiserver can serve a watch in.
type Format string

const (
	JSON     Format = Format(runtime.ContentTypeJSON)
	CBOR     Format = Format(runtime.ContentTypeCBOR)
	Protobuf Format = Format(runtime.ContentTypeProtobuf)
)

func (f Format) String() string {
	switch f {
	case JSON:
		return "json"
	case CBOR:
		return "cbor"
	case Protobuf:
		return "protobuf"
	}
	return string(f)
}

// serverCodecs encode like kube-apiserver with CBORServingAndStorage on:
// every format for every kind, custom resources as unstructured objects (the
// API server holds no Go types for them).
var serverCodecs = func() serializer.CodecFactory {
	scheme := runtime.NewScheme()
	if err := kubescheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	return serializer.NewCodecFactory(scheme, serializer.WithSerializer(cbor.NewSerializerInfo))
}()

// WatchEvent is obj as one MODIFIED event of a watch stream in format f, byte
// for byte as kube-apiserver writes it: the object encoded on its own, wrapped
// as the raw object of a metav1.WatchEvent that the format's stream
// serializer writes through its framer.
func WatchEvent(f Format, obj runtime.Object) ([]byte, error) {
	info, ok := runtime.SerializerInfoForMediaType(serverCodecs.SupportedMediaTypes(), string(f))
	if !ok || info.StreamSerializer == nil {
		return nil, fmt.Errorf("no stream serializer for %s", f)
	}
	if _, custom := obj.(*v1alpha1.Rollout); custom {
		if obj, ok = asServed(obj); !ok {
			return nil, fmt.Errorf("%T does not convert to unstructured", obj)
		}
	}
	var embedded bytes.Buffer
	if err := info.Serializer.Encode(obj, &embedded); err != nil {
		return nil, fmt.Errorf("encode %T as %s: %w", obj, f, err)
	}
	var out bytes.Buffer
	frames := info.StreamSerializer.Framer.NewFrameWriter(&out)
	event := &metav1.WatchEvent{Type: string(watch.Modified), Object: runtime.RawExtension{Raw: embedded.Bytes()}}
	if err := streaming.NewEncoder(frames, info.StreamSerializer.Serializer).Encode(event); err != nil {
		return nil, fmt.Errorf("encode the watch event as %s: %w", f, err)
	}
	return out.Bytes(), nil
}

// asServed is a custom resource as the API server holds it.
func asServed(obj runtime.Object) (runtime.Object, bool) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, false
	}
	return &unstructured.Unstructured{Object: m}, true
}

// Client is which generated clientset decodes the stream.
type Client int

const (
	// SluiceClient is sluice's clientset (Rollouts, AnalysisRuns).
	SluiceClient Client = iota
	// KubeClient is client-go's clientset (ReplicaSets, Services).
	KubeClient
)

// Stream decodes watch events as a generated clientset does: the codec
// factory its setConfigDefaults installs (rest.CodecFactoryForGeneratedClient,
// which adds CBOR only with the ClientsAllowCBOR gate on), negotiated for the
// response's media type, and rest.Request's watch decoding (a frame reader, a
// streaming decoder of metav1.WatchEvent, then the embedded object). It
// replays its events forever, rebuilding the stream after every few hundred,
// so per event the cost is what a long-running watch pays.
type Stream struct {
	objects   runtime.Decoder
	events    runtime.Serializer
	framer    runtime.Framer
	wire      []byte
	perStream int
	decoder   *restwatch.Decoder
	remaining int
}

// eventsPerStream is how many events one stream holds before it is rebuilt.
const eventsPerStream = 256

// NewStream decodes event (one encoded watch event in format f) with client's
// codecs, over and over. Call it after setting the client-go feature gates.
func NewStream(client Client, f Format, event []byte) (*Stream, error) {
	return newStream(client, f, bytes.Repeat(event, eventsPerStream), eventsPerStream)
}

// NewStreamOf decodes events in turn, starting over after the last.
func NewStreamOf(client Client, f Format, events [][]byte) (*Stream, error) {
	return newStream(client, f, bytes.Join(events, nil), len(events))
}

func newStream(client Client, f Format, wire []byte, events int) (*Stream, error) {
	var ns runtime.NegotiatedSerializer
	var gv schema.GroupVersion
	switch client {
	case SluiceClient:
		ns, gv = rest.CodecFactoryForGeneratedClient(sluicescheme.Scheme, sluicescheme.Codecs).WithoutConversion(), v1alpha1.SchemeGroupVersion
	default:
		ns, gv = rest.CodecFactoryForGeneratedClient(kubescheme.Scheme, kubescheme.Codecs).WithoutConversion(), schema.GroupVersion{Group: "apps", Version: "v1"}
	}
	objects, eventDecoder, framer, err := runtime.NewClientNegotiator(ns, gv).StreamDecoder(string(f), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f, err)
	}
	return &Stream{objects: objects, events: eventDecoder, framer: framer, wire: wire, perStream: events}, nil
}

// Next decodes the next event's object.
func (s *Stream) Next() (runtime.Object, error) {
	if s.remaining == 0 {
		frames := s.framer.NewFrameReader(io.NopCloser(bytes.NewReader(s.wire)))
		s.decoder = restwatch.NewDecoder(streaming.NewDecoder(frames, s.events), s.objects)
		s.remaining = s.perStream
	}
	s.remaining--
	typ, obj, err := s.decoder.Decode()
	if err != nil {
		return nil, err
	}
	if typ != watch.Modified {
		return nil, fmt.Errorf("event type %s, want %s", typ, watch.Modified)
	}
	return obj, nil
}
