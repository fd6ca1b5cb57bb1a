package view

import (
	"strings"
	"testing"

	"github.com/sluice-dev/sluice/analysis/provider/judge/judgevalue"
)

func num(f float64) *judgevalue.Number {
	n := judgevalue.Number(f)
	return &n
}

// TestJudgeTableWide: `kubectl sluice analyze` shows the estimate and its
// interval too, and says how many metrics the value left out.
func TestJudgeTableWide(t *testing.T) {
	rec := judgevalue.Record{Score: 0, Outcome: "Failed", Omitted: 3, Metrics: []judgevalue.Metric{
		{Name: "p99-latency", Class: "High", P: num(0.0001234), Alpha: num(0.01), Estimate: num(36.1),
			Interval: []judgevalue.Number{31.4, 40.9}, Effect: num(1.3), N: []int{120, 118}, Reason: "canary higher"},
		{Name: "cpu", Class: "NoData", N: []int{0, 120}, Reason: "canary has 0 samples"},
	}}
	got := RenderJudgeTable(rec, "", true, Style{})
	want := "" +
		"METRIC       CLASS     P          EFFECT  ESTIMATE  INTERVAL      N        WHY\n" +
		"p99-latency  ✖ High    0.0001234  1.3     36.1      [31.4, 40.9]  120/118  canary higher\n" +
		"cpu          ? NoData  -          -       -         -             0/120    canary has 0 samples\n" +
		"(3 more metrics not shown: the value keeps the metrics that did not pass first)\n"
	if got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
	for _, line := range strings.Split(RenderJudgeTable(rec, "  ", false, Style{Color: true}), "\n") {
		if strings.HasSuffix(ansi.ReplaceAllString(line, ""), " ") {
			t.Errorf("trailing blank in %q", line)
		}
	}
}

// TestJudgeValueText: a judge value shows as its score; anything else as it is.
func TestJudgeValueText(t *testing.T) {
	if got := judgeValueText(`{"score":87.5,"outcome":"Inconclusive","metrics":[]}`); got != "score 87.5" {
		t.Errorf("judge value = %q, want score 87.5", got)
	}
	if got := judgeValueText("[0.1]"); got != "[0.1]" {
		t.Errorf("other value = %q, want it unchanged", got)
	}
}
