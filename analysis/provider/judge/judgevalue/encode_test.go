package judgevalue

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	judging "github.com/sluice-dev/sluice/analysis/judge"
)

func verdict(metrics ...judging.MetricResult) judging.Verdict {
	return judging.Verdict{Score: 50, Outcome: judging.Failed, Reason: "latency is High", Metrics: metrics}
}

// TestEncodeCompact checks the text of a small verdict: four significant
// digits, no-data metrics without test values, infinities as strings, and a
// group only when it differs from the name.
func TestEncodeCompact(t *testing.T) {
	v := verdict(
		judging.MetricResult{Name: "latency", Group: "latency", Class: judging.ClassHigh, Critical: true,
			PValue: 0.000123456, Alpha: 0.0125, Estimate: 12.3456, Low: 3.21098, High: 20.5, Effect: 1.30004,
			CanaryN: 40, BaselineN: 39, Reason: "canary higher by 12.35 (30%)"},
		judging.MetricResult{Name: "errors", Group: "errors", Class: judging.ClassNoData, PValue: math.NaN(),
			Alpha: 0.0125, Estimate: math.NaN(), Low: math.NaN(), High: math.NaN(), Effect: math.NaN(),
			CanaryN: 0, BaselineN: 1200, Reason: "canary total 0 < 10"},
		judging.MetricResult{Name: "cpu", Group: "saturation", Class: judging.ClassPass, PValue: 0.5,
			Alpha: 0.0125, Estimate: 0, Low: -1, High: 1, Effect: math.Inf(1), CanaryN: 40, BaselineN: 40},
	)
	got := Encode(FromVerdict(v))
	want := `{"score":50,"outcome":"Failed","reason":"latency is High","metrics":[` +
		`{"name":"latency","class":"High","critical":true,"p":0.0001235,"alpha":0.0125,"estimate":12.35,"interval":[3.211,20.5],"effect":1.3,"n":[40,39],"reason":"canary higher by 12.35 (30%)"},` +
		`{"name":"errors","class":"NoData","n":[0,1200],"reason":"canary total 0 < 10"},` +
		`{"name":"cpu","group":"saturation","class":"Pass","p":0.5,"alpha":0.0125,"estimate":0,"interval":[-1,1],"effect":"+Inf","n":[40,40]}]}`
	if got != want {
		t.Errorf("Encode:\n got %s\nwant %s", got, want)
	}
	back, err := Decode(got)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if back.Metrics[0].P.String() != "0.0001235" || !math.IsInf(float64(*back.Metrics[2].Effect), 1) || back.Metrics[1].P != nil {
		t.Errorf("Decode lost values: %+v", back.Metrics)
	}
}

// TestEncodeBounded checks that the largest judge the API allows (50 metrics
// with 63-character names and long reasons) stays under MaxLength, and that
// failing metrics are the last to go.
func TestEncodeBounded(t *testing.T) {
	var metrics []judging.MetricResult
	for i := range 50 {
		class := judging.ClassPass
		if i%10 == 9 {
			class = judging.ClassHigh
		}
		name := fmt.Sprintf("%02d-%s", i, strings.Repeat("m", 60))
		metrics = append(metrics, judging.MetricResult{Name: name, Group: "g", Class: class,
			PValue: 0.123456, Alpha: 0.001234, Estimate: 123.456, Low: 1.23456, High: 234.567, Effect: 1.23456,
			CanaryN: 123456, BaselineN: 123456, Reason: strings.Repeat("é", 200)})
	}
	text := Encode(FromVerdict(verdict(metrics...)))
	if len(text) > MaxLength {
		t.Fatalf("text is %d bytes, want at most %d", len(text), MaxLength)
	}
	r, err := Decode(text)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	var failing []string
	for _, m := range r.Metrics {
		failing = append(failing, m.Name[:2]+" "+m.Class)
	}
	want := []string{"09 High", "19 High", "29 High", "39 High", "49 High"}
	if diff := cmp.Diff(want, failing); diff != "" {
		t.Errorf("kept metrics (-want +got):\n%s", diff)
	}
	if r.Omitted != 45 {
		t.Errorf("omitted = %d, want 45", r.Omitted)
	}
	for _, m := range r.Metrics {
		if !strings.HasSuffix(m.Reason, "…") || len(m.Reason) > maxReason {
			t.Errorf("reason not clipped on a rune boundary: %d bytes %q", len(m.Reason), m.Reason[len(m.Reason)-5:])
		}
	}
}

// TestDecodeRejects checks that a value that is not a judge record is refused.
func TestDecodeRejects(t *testing.T) {
	for _, text := range []string{"", "0.05", "[1,2]", `{"score":1}`, `{"outcome":"Failed","score":"lots"}`} {
		if _, err := Decode(text); err == nil {
			t.Errorf("Decode(%q) accepted it", text)
		}
	}
}
