package web

import "testing"

// TestSelectValueRejectsConstants: a jsonPath that prints a literal or text
// instead of reading the response would judge a constant (found by
// FuzzSelectValue: a jsonPath of "0" selected the number 0 from any document).
func TestSelectValueRejectsConstants(t *testing.T) {
	doc := map[string]any{"a": 1.0, "items": []any{map[string]any{"v": 2.0}}}
	for _, tc := range []struct{ path, want string }{
		{"0", `jsonPath {0} is not valid: the literal 0 is not read from the response; select a value, e.g. {$.data.value}`},
		{"{true}", `jsonPath {true} is not valid: the literal true is not read from the response; select a value, e.g. {$.data.value}`},
		{`{"ok"}`, `jsonPath {"ok"} is not valid: the literal "ok" is not read from the response; select a value, e.g. {$.data.value}`},
		{"{.a 2.5}", `jsonPath {.a 2.5} is not valid: the literal 2.5 is not read from the response; select a value, e.g. {$.data.value}`},
		{"{.a} and {.a}", `jsonPath {.a} and {.a} is not valid: text " and " outside {…} is not read from the response; select a value, e.g. {$.data.value}`},
	} {
		if got, err := selectValue(doc, tc.path); err == nil || err.Error() != tc.want {
			t.Errorf("selectValue(%s) = %#v, %v; want error %q", tc.path, got, err, tc.want)
		}
	}
	for path, want := range map[string]any{"{.a}": 1.0, "$.a": 1.0, "{range .items[*]}{.v}{end}": 2.0} {
		if got, err := selectValue(doc, path); err != nil || got != want {
			t.Errorf("selectValue(%s) = %#v, %v; want %v", path, got, err, want)
		}
	}
}
