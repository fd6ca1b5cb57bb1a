package render

import (
	"bytes"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"
)

// templateSpec is a template as written: YAML, strict (an unknown field is
// a mistake worth reporting, not something to ignore).
type templateSpec struct {
	Message string                 `json:"message"`
	Webhook map[string]webhookSpec `json:"webhook"`
	Slack   *slackSpec             `json:"slack"`
}

type webhookSpec struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Body is a YAML object (or list), or one string that renders to JSON.
	Body any `json:"body"`
}

type slackSpec struct {
	Text string `json:"text"`
	// Blocks is a YAML list, or one string that renders to a JSON array.
	Blocks any `json:"blocks"`
}

// parseSpec reads a template's YAML. Numbers stay json.Number, so a body's
// 12345678901234567890 is sent as written.
func parseSpec(raw string) (templateSpec, error) {
	var spec templateSpec
	asJSON, err := yaml.YAMLToJSON([]byte(raw))
	if err != nil {
		return spec, fmt.Errorf("is not YAML: %s", oneLine(err))
	}
	if bytes.Equal(bytes.TrimSpace(asJSON), []byte("null")) {
		return spec, fmt.Errorf("is empty")
	}
	decoder := json.NewDecoder(bytes.NewReader(asJSON))
	decoder.UseNumber()
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&spec); err != nil {
		return spec, fmt.Errorf("is not a template (message, webhook, slack): %s", oneLine(err))
	}
	return spec, nil
}

// decodeJSON reads text a string body or blocks rendered to; numbers stay
// json.Number.
func decodeJSON(text string) (any, error) {
	decoder := json.NewDecoder(bytes.NewReader([]byte(text)))
	decoder.UseNumber()
	var value any
	if err := decoder.Decode(&value); err != nil {
		return nil, err
	}
	if decoder.More() {
		return nil, fmt.Errorf("text after the JSON value")
	}
	return value, nil
}
