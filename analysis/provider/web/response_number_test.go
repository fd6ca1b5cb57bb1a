package web

import (
	"strings"
	"testing"
)

// TestReadJSONNumberBeyondFloat64: a number too large for a float64 is valid
// JSON; the error says what is wrong in a short line instead of quoting the
// whole number (found by FuzzSelectValue; a 10 MiB number went into the
// message whole).
func TestReadJSONNumberBeyondFloat64(t *testing.T) {
	body := `{"rate": 2` + strings.Repeat("0", 400) + `}`
	_, err := readJSON(strings.NewReader(body))
	want := "response holds a number beyond the float64 range: number 2" + strings.Repeat("0", 32) + "… (408 characters)"
	if err == nil || err.Error() != want {
		t.Fatalf("readJSON: %v\nwant %s", err, want)
	}
}
