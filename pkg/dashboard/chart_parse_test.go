package dashboard

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseThreshold(t *testing.T) {
	cases := []struct {
		condition string
		want      float64
		drawn     bool
	}{
		{"result < 0.05", 0.05, true},
		{"  result<=500 ", 500, true},
		{"result[0] >= 0.99", 0.99, true},
		{"result[12] > -3", -3, true},
		{"0.5 > result", 0.5, true},
		{"1e3 <= result[0]", 1000, true},
		{"result > .5", 0.5, true},
		{"", 0, false},
		{"result == 1", 0, false},                 // equality is a point, not a side of a line
		{"result < 0.05 && result > 0", 0, false}, // two clauses
		{"result < 0.05 || isNaN(result)", 0, false},
		{"asFloat(result) < 0.05", 0, false},  // a function of the result
		{"result < {{args.limit}}", 0, false}, // not substituted in the run's spec
		{"result.p99 < 500", 0, false},        // a field of the result
		{"result < 1e999", 0, false},          // beyond float64
		{"result < 0x10", 0, false},           // hex: not worth the risk
		{"result < 5 # comment", 0, false},
		{"resultx < 5", 0, false},
		{"result < -", 0, false},
		{"len(result) > 0", 0, false},
		{"result[0] < result[1]", 0, false},
		{"result < 1_000", 0, false},
	}
	for _, tc := range cases {
		got, drawn := parseThreshold("success", tc.condition)
		if drawn != tc.drawn || (drawn && got.value != tc.want) {
			t.Errorf("parseThreshold(%q) = %v, %v; want %v, %v", tc.condition, got.value, drawn, tc.want, tc.drawn)
		}
	}
}

func TestMeasuredNumbers(t *testing.T) {
	cases := []struct {
		value string
		want  []float64
	}{
		{"0.05", []float64{0.05}},
		{" 12 ", []float64{12}},
		{"-3e2", []float64{-300}},
		{"[0.1,0.2]", []float64{0.1, 0.2}},
		{"[0.1, NaN, +Inf, 0.3]", []float64{0.1, 0.3}}, // what cannot be placed is left out
		{"[0.1,0.2,… (300 values)]", []float64{0.1, 0.2}},
		{"[1,\"a\"]", nil}, // half an array would mislead
		{"[[1,2]]", nil},
		{"[]", nil},
		{"", nil},
		{"NaN", nil},
		{"+Inf", nil},
		{"true", nil},
		{`"0.05"`, nil},
		{`{"p99":12}`, nil},
		{"0x10", nil},
		{"infinity", nil},
		{"1e999", nil},
		{"[1,2", nil},
	}
	for _, tc := range cases {
		if diff := cmp.Diff(tc.want, measuredNumbers(tc.value)); diff != "" {
			t.Errorf("measuredNumbers(%q) (-want +got):\n%s", tc.value, diff)
		}
	}
}

func TestValueScale(t *testing.T) {
	cases := []struct {
		values []float64
		ticks  []string
	}{
		{nil, []string{"0.0", "0.5", "1.0"}},
		{[]float64{0.012, 0.12, 0.05}, []string{"0.00", "0.05", "0.10", "0.15"}},
		{[]float64{230, 640, 500, 800}, []string{"200", "400", "600", "800"}},
		{[]float64{0, 0}, []string{"-1.0", "-0.5", "0.0", "0.5", "1.0"}},
		{[]float64{7}, []string{"6.0", "6.5", "7.0", "7.5", "8.0"}},
		{[]float64{-0.3, 0.3}, []string{"-0.4", "-0.2", "0.0", "0.2", "0.4"}},
		{[]float64{3e9, 9e9}, []string{"2e+09", "4e+09", "6e+09", "8e+09", "1e+10"}},
		{[]float64{-1.7e308, 1.7e308}, []string{"-1.7e+308", "1.7e+308"}},
	}
	for _, tc := range cases {
		s := newValueScale(tc.values)
		var got []string
		for _, v := range s.ticks {
			got = append(got, s.label(v))
		}
		if diff := cmp.Diff(tc.ticks, got); diff != "" {
			t.Errorf("ticks for %v (-want +got):\n%s", tc.values, diff)
		}
		for _, v := range tc.values {
			if f := s.fraction(v); f < 0 || f > 1 {
				t.Errorf("value %v lies outside its own scale (%v)", v, f)
			}
		}
	}
}

func TestIndexTicks(t *testing.T) {
	got := func(n int) []string {
		var out []string
		for _, tick := range indexTicks(n) {
			out = append(out, tick.text)
		}
		return out
	}
	if diff := cmp.Diff([]string{"1", "2", "3"}, got(3)); diff != "" {
		t.Errorf("3 measurements (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"1", "7", "13", "19", "25"}, got(25)); diff != "" {
		t.Errorf("25 measurements (-want +got):\n%s", diff)
	}
}
