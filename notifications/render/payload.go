package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode"

	"github.com/sluice-dev/sluice/notifications"
)

// dataPayload is the event's Data as a webhook receives it when no template
// gives a body: the same fields with JSON-style lowerCamel names
// ({"rollout": {"name": …, "canaryWeight": …}, "analysis": …}). It is built
// from Data's own JSON, so a field added to Data appears without a change here.
func dataPayload(d notifications.Data) (any, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("event data: %s", oneLine(err))
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var value any
	if err := decoder.Decode(&value); err != nil {
		return nil, fmt.Errorf("event data: %s", oneLine(err))
	}
	return lowerCamelKeys(value), nil
}

func lowerCamelKeys(value any) any {
	switch v := value.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for key, child := range v {
			out[lowerCamel(key)] = lowerCamelKeys(child)
		}
		return out
	case []any:
		for i, child := range v {
			v[i] = lowerCamelKeys(child)
		}
		return v
	default:
		return v
	}
}

// lowerCamel lowers a Go name's leading capitals: Name → name,
// UID → uid, CanaryWeight → canaryWeight, URLPath → urlPath.
func lowerCamel(name string) string {
	runes := []rune(name)
	capitals := 0
	for capitals < len(runes) && unicode.IsUpper(runes[capitals]) {
		capitals++
	}
	if capitals > 1 && capitals < len(runes) {
		capitals-- // the last capital starts the next word: URLPath → urlPath
	}
	for i := 0; i < capitals; i++ {
		runes[i] = unicode.ToLower(runes[i])
	}
	return string(runes)
}
