package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/client-go/util/jsonpath"
)

// maxResponseBytes bounds the response read into memory: a metric endpoint
// answers with a small document, and a misconfigured URL pointing at a large
// download must not exhaust the controller's memory.
const maxResponseBytes = 10 << 20

// maxTextLength bounds Outcome.Text so a large value does not bloat the
// AnalysisRun's status. The full value is still judged.
const maxTextLength = 1024

// errTooLarge reports a response above maxResponseBytes.
var errTooLarge = fmt.Errorf("response is larger than %d MiB", maxResponseBytes>>20)

// readJSON decodes the response body. Numbers decode as float64 (not
// json.Number) so that conditions such as `result > 0.5` compare numbers.
func readJSON(body io.Reader) (any, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	if len(data) > maxResponseBytes {
		return nil, errTooLarge
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		// A number beyond float64 (1e400) is valid JSON that a float64 cannot
		// hold; the decoder's message quotes all of it, so keep it short.
		var tooBig *json.UnmarshalTypeError
		if errors.As(err, &tooBig) {
			return nil, fmt.Errorf("response holds a number beyond the float64 range: %s", shorten(tooBig.Value, 40))
		}
		return nil, fmt.Errorf("response is not valid JSON: %s", truncate(err.Error()))
	}
	return doc, nil
}

// selectValue returns the value at path, a Kubernetes JSONPath template
// (k8s.io/client-go/util/jsonpath). "{$.data.ok}", "$.data.ok" and ".data.ok"
// all work: a path without braces is wrapped in them. An empty path selects
// the whole document. One selected value is returned as is; several (e.g.
// "{$.items[*].v}") as a []any in document order.
func selectValue(doc any, path string) (any, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return doc, nil
	}
	if !strings.HasPrefix(path, "{") {
		path = "{" + path + "}"
	}
	// Missing keys select nothing rather than fail, so that every way of
	// selecting nothing gets the same message.
	jp := jsonpath.New("jsonPath").AllowMissingKeys(true)
	if err := jp.Parse(path); err != nil {
		return nil, fmt.Errorf("jsonPath %s is not valid: %v", path, err)
	}
	if part := constantPart(path); part != "" {
		return nil, fmt.Errorf("jsonPath %s is not valid: %s is not read from the response; select a value, e.g. {$.data.value}", path, part)
	}
	results, err := jp.FindResults(doc)
	if err != nil {
		// Some jsonpath errors print the value they failed on, which may be a
		// whole document; keep the message status-sized.
		return nil, fmt.Errorf("jsonPath %s: %s", path, truncate(err.Error()))
	}
	var values []any
	for _, result := range results {
		for _, v := range result {
			if !v.IsValid() { // a JSON null
				values = append(values, nil)
				continue
			}
			values = append(values, v.Interface())
		}
	}
	switch len(values) {
	case 0:
		return nil, fmt.Errorf("jsonPath %s selected nothing", path)
	case 1:
		return values[0], nil
	default:
		return values, nil
	}
}

// compactJSON is the value as compact JSON for status, without HTML escaping
// (a "<" in a message stays readable), bounded by maxTextLength.
func compactJSON(value any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		// Values decoded from JSON always encode; keep a trace if not.
		return fmt.Sprintf("%v", value)
	}
	return truncate(strings.TrimSuffix(b.String(), "\n"))
}

// truncate bounds a text to maxTextLength bytes without splitting a UTF-8
// character.
func truncate(s string) string {
	if len(s) <= maxTextLength {
		return s
	}
	cut := maxTextLength
	for cut > 0 && s[cut]&0xC0 == 0x80 { // continuation byte
		cut--
	}
	return s[:cut] + "…"
}

// shorten keeps the first n bytes of s (never splitting a UTF-8 character)
// and says how long it was.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return fmt.Sprintf("%s… (%d characters)", s[:n], len(s))
}
