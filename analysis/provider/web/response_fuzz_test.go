package web

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSelectValue reads a fuzzed response body and selects from it with a
// fuzzed jsonPath, and with a dotted path built from the document's own keys
// (walk picks a key at each level). It checks what readJSON and selectValue
// promise: no panic; a body is rejected when it is not JSON or holds a number
// beyond float64 (and then says so on one short line), else accepted; a simple
// dotted path selects the value an independent walk over encoding/json's
// output finds there, and a missing key selects nothing; the status text of a
// selected value is bounded valid UTF-8 that decodes back to the value when it
// is not cut.
func FuzzSelectValue(f *testing.F) {
	for _, seed := range selectSeeds {
		f.Add([]byte(seed.body), seed.path, []byte(seed.walk))
	}
	f.Fuzz(func(t *testing.T, body []byte, path string, walk []byte) {
		doc, err := readJSON(bytes.NewReader(body))
		valid := json.Valid(body)
		if err != nil {
			if msg := err.Error(); len(msg) > maxTextLength+100 || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("readJSON error is not one status-sized line: %d bytes", len(msg))
			}
			// Valid JSON is only refused for a number a float64 cannot hold.
			if valid && !strings.HasPrefix(err.Error(), "response holds a number beyond the float64 range: number ") {
				t.Fatalf("readJSON(%q): %v, but it is valid JSON", body, err)
			}
			return
		}
		if !valid {
			t.Fatalf("readJSON(%q) accepted invalid JSON", body)
		}

		value, err := selectValue(doc, path)
		if err == nil {
			checkText(t, value)
		}
		if keys, ok := dottedPath(path); ok {
			checkDotted(t, doc, path, keys, value, err)
		}

		keys, form := keysAlong(doc, walk)
		if len(keys) == 0 {
			return
		}
		built := form + strings.Join(keys, ".")
		if form == "{." {
			built = "{." + strings.Join(keys, ".") + "}"
		}
		value, err = selectValue(doc, built)
		checkDotted(t, doc, built, keys, value, err)
	})
}

// identifier is a key a dotted path can name without quoting.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// dottedPath splits "$.a.b", ".a.b" or "{.a.b}" into its keys when every key
// is a plain identifier.
func dottedPath(path string) ([]string, bool) {
	p := strings.TrimSpace(path)
	if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
		p = p[1 : len(p)-1]
	}
	p = strings.TrimPrefix(p, "$")
	if !strings.HasPrefix(p, ".") || p == "." {
		return nil, false
	}
	keys := strings.Split(p[1:], ".")
	for _, k := range keys {
		if !identifier.MatchString(k) {
			return nil, false
		}
	}
	return keys, true
}

// walkKeys follows keys through nested objects: the value there, whether it
// was found, and whether the walk ended at a missing key of an object (as
// opposed to a step into something that is not an object).
func walkKeys(doc any, keys []string) (value any, found, missing bool) {
	at := doc
	for _, k := range keys {
		object, ok := at.(map[string]any)
		if !ok {
			return nil, false, false
		}
		next, ok := object[k]
		if !ok {
			return nil, false, true
		}
		at = next
	}
	return at, true, false
}

// checkDotted compares selectValue's answer for a dotted path with walkKeys.
func checkDotted(t *testing.T, doc any, path string, keys []string, value any, err error) {
	t.Helper()
	want, found, missing := walkKeys(doc, keys)
	switch {
	case found:
		if err != nil {
			t.Fatalf("selectValue(%s): %v; the document has %s at that path", path, err, compactJSON(want))
		}
		if !reflect.DeepEqual(value, want) {
			t.Fatalf("selectValue(%s) = %#v; the document has %#v at that path", path, value, want)
		}
	case missing:
		if err == nil || !strings.HasSuffix(err.Error(), "selected nothing") {
			t.Fatalf("selectValue(%s) = %#v, %v; want \"selected nothing\" for a missing key", path, value, err)
		}
	}
}

// keysAlong builds a dotted path from the document's own identifier keys:
// each walk byte picks one key of the object reached so far (in sorted
// order); the first byte also picks the path's form.
func keysAlong(doc any, walk []byte) ([]string, string) {
	if len(walk) == 0 {
		return nil, ""
	}
	form := []string{"$.", ".", "{."}[int(walk[0])%3]
	var keys []string
	at := doc
	for _, b := range walk[1:] {
		object, ok := at.(map[string]any)
		if !ok {
			break
		}
		var names []string
		for k := range object {
			if identifier.MatchString(k) {
				names = append(names, k)
			}
		}
		if len(names) == 0 {
			break
		}
		sort.Strings(names)
		k := names[int(b)%len(names)]
		keys = append(keys, k)
		at = object[k]
	}
	return keys, form
}

// checkText checks the status text of a selected value.
func checkText(t *testing.T, value any) {
	t.Helper()
	text := compactJSON(value)
	if !utf8.ValidString(text) {
		t.Fatalf("text %q is not valid UTF-8", text)
	}
	if len(text) > maxTextLength+len("…") {
		t.Fatalf("text is %d bytes, above the bound", len(text))
	}
	if strings.HasSuffix(text, "…") && len(text) > maxTextLength-4 {
		return // cut
	}
	var back any
	if err := json.Unmarshal([]byte(text), &back); err != nil {
		t.Fatalf("text %q is not JSON: %v", text, err)
	}
	if !reflect.DeepEqual(back, value) {
		t.Fatalf("text %q decodes to %#v, want %#v", text, back, value)
	}
}

// selectSeeds are the documents and paths of web_test.go.
var selectSeeds = []struct{ body, path, walk string }{
	{document, "{$.data.ok}", "\x00\x00\x01"},
	{document, "{$.data.rate}", "\x01\x00\x02"},
	{document, "$.data.status", "\x02\x00\x03"},
	{document, ".data.nothing", "\x00\x00\x04"},
	{document, "{$.data.detail}", "\x00\x00\x00\x01"},
	{document, "{$.data.items[*].v}", ""},
	{document, "", "\x01"},
	{document, "$.data.missing", ""},
	{`{"items":[]}`, "{.items[*]}", "\x00\x00"},
	{`{"items":[1]}`, "{.items[3]}", ""},
	{document, "{{.x}", ""},
	{`{"data":[{"x":1},{"x":2}]}`, "{.data[?(@.x==1)]}", ""},
	{`[1,2,3]`, "{[1]}", ""},
	{`null`, ".a", ""},
	{`"\u00e9\u00e9"`, "", ""},
	{`{"a":{"b":{"c":[true,null,"x"]}}}`, "$.a.b.c", "\x00\x00\x00\x00"},
	{`{"a":1`, ".a", ""},
}
