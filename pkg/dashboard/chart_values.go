package dashboard

import (
	"math"
	"strconv"
	"strings"
)

// measuredNumbers reads the numbers a measurement's value holds, as the
// providers write them into status: "0.05" (a scalar or a JSON number),
// "[0.1,0.2]" (a Prometheus vector or a JSON array of numbers), possibly cut
// short as "[0.1,0.2,… (300 values)]". NaN and ±Inf cannot be placed on a
// scale and are left out. It returns nil for anything else — no value (an
// Error), "[]" (no data), text, booleans, objects, arrays holding other
// things — and the chart draws those as markers on the axis.
func measuredNumbers(value string) []float64 {
	text := strings.TrimSpace(value)
	if text == "" {
		return nil
	}
	if inner, ok := strings.CutPrefix(text, "["); ok {
		inner, ok = strings.CutSuffix(inner, "]")
		if !ok {
			return nil
		}
		return vectorNumbers(inner)
	}
	if f, ok := parseNumber(text); ok && isFinite(f) {
		return []float64{f}
	}
	return nil
}

// vectorNumbers reads the elements of "a,b,c". One element that is not a
// number makes the whole value not a number: a chart of half an array would
// mislead. The "… (N values)" note that ends a shortened vector is skipped.
func vectorNumbers(inner string) []float64 {
	var out []float64
	for _, part := range strings.Split(inner, ",") {
		part = strings.TrimSpace(part)
		if strings.HasPrefix(part, "…") {
			break
		}
		f, ok := parseNumber(part)
		if !ok {
			return nil
		}
		if isFinite(f) {
			out = append(out, f)
		}
	}
	return out
}

// parseNumber reads a decimal number, NaN or ±Inf as Prometheus and JSON write
// them. Go's other spellings (hex floats, "infinity") are not what a provider
// writes and are not numbers here.
func parseNumber(s string) (float64, bool) {
	switch s {
	case "NaN":
		return math.NaN(), true
	case "+Inf", "Inf":
		return math.Inf(1), true
	case "-Inf":
		return math.Inf(-1), true
	}
	if s == "" || strings.ContainsAny(s, "xXpP_nN") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
