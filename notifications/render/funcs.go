package render

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
)

// funcs are the helpers templates may call beyond Go's built-ins. They are
// few on purpose; each returns an error rather than panicking.
func funcs() template.FuncMap {
	return template.FuncMap{
		// json quotes a value as JSON, for bodies written as one string:
		// {"message": {{json .Rollout.Message}}}.
		"json": func(v any) (string, error) {
			out, err := json.Marshal(v)
			return string(out), err
		},
		"join":  func(sep string, items []string) string { return strings.Join(items, sep) },
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
		// default gives fallback when value is empty: {{default "none" .Rollout.PauseReason}}.
		"default": func(fallback string, value any) string {
			s := fmt.Sprint(value)
			if value == nil || s == "" || s == "0" || s == "<nil>" {
				return fallback
			}
			return s
		},
		// trunc cuts text to at most n runes, ending with "…" when it cut.
		"trunc": func(n int, text string) string {
			runes := []rune(text)
			if n < 1 || len(runes) <= n {
				return text
			}
			return string(runes[:n-1]) + "…"
		},
	}
}
