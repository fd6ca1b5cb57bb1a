package controller

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	clientfeatures "k8s.io/client-go/features"
	"k8s.io/client-go/rest"
)

// customResourceConfig is the client configuration for sluice's own kinds.
// They are custom resources, which the API server serves as JSON, or, with its
// alpha CBORServingAndStorage gate, as CBOR, which decodes in 35–60% less
// time but allocates twice the bytes (docs/benchmarks.md, "Decoding and
// caches"). With cbor the configuration asks for CBOR and still accepts JSON,
// so a server without the gate keeps answering JSON; once it rejects a CBOR
// request body (415), client-go sends that client's bodies as JSON.
func customResourceConfig(cfg *rest.Config, cbor bool) (*rest.Config, error) {
	out := rest.CopyConfig(cfg)
	if !cbor {
		return out, nil
	}
	if err := allowClientCBOR(); err != nil {
		return nil, err
	}
	out.ContentType = runtime.ContentTypeCBOR
	out.AcceptContentTypes = runtime.ContentTypeCBOR + "," + runtime.ContentTypeJSON + ";q=0.9"
	return out, nil
}

// allowClientCBOR turns on client-go's ClientsAllowCBOR gate for the process,
// as KUBE_FEATURE_ClientsAllowCBOR=true would: without it client-go replaces
// CBOR by JSON in every client's content types, and the generated clientsets
// have no CBOR codec.
func allowClientCBOR() error {
	gates, ok := clientfeatures.FeatureGates().(interface {
		Set(clientfeatures.Feature, bool) error
	})
	if !ok {
		return fmt.Errorf("--cbor: client-go's feature gates (%T) cannot be set", clientfeatures.FeatureGates())
	}
	if err := gates.Set(clientfeatures.ClientsAllowCBOR, true); err != nil {
		return fmt.Errorf("--cbor: %w", err)
	}
	return nil
}
