package judge

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Score turns the metrics' results of one look into a verdict:
//
//   - a metric classified High or Low fails, Pass passes, NoData is left out;
//   - each group scores the share of its classified metrics that pass, and
//     the score is the groups' weighted mean × 100, over the groups that have
//     a classified metric (rounded to two decimals);
//   - a failing critical metric forces the score to 0;
//   - score ≥ Pass is Successful, ≥ Marginal Inconclusive, else Failed;
//   - a metric without data caps the outcome at s.NoData (never Successful),
//     and when no metric has data the outcome is s.NoData.
func Score(results []MetricResult, s Scoring) Verdict {
	v := Verdict{Metrics: append([]MetricResult(nil), results...)}
	noDataOutcome := s.NoData
	if noDataOutcome != Failed {
		noDataOutcome = Inconclusive
	}

	var failing, critical, noData []string
	groups := map[string]*groupTally{}
	var order []string
	for _, r := range results {
		g := r.Group
		if g == "" {
			g = r.Name
		}
		switch r.Class {
		case ClassNoData:
			noData = append(noData, r.Name)
			continue
		case ClassHigh, ClassLow:
			failing = append(failing, fmt.Sprintf("%s %s", r.Name, r.Class))
			if r.Critical {
				critical = append(critical, fmt.Sprintf("%s %s", r.Name, r.Class))
			}
		}
		t, ok := groups[g]
		if !ok {
			t = &groupTally{}
			groups[g] = t
			order = append(order, g)
		}
		t.classified++
		if r.Class == ClassPass {
			t.passed++
		}
	}

	if len(groups) == 0 {
		v.Outcome = noDataOutcome
		v.Reason = fmt.Sprintf("%s: no metric has data (%s)", v.Outcome, noDataDetail(results))
		return v
	}
	if len(critical) > 0 {
		v.Score = 0
	} else {
		v.Score = weightedScore(groups, order, s.GroupWeights)
	}
	v.Outcome = outcomeOf(v.Score, s)
	capped := len(noData) > 0 && rank(noDataOutcome) < rank(v.Outcome)
	if capped {
		v.Outcome = noDataOutcome
	}
	v.Reason = reason(v, s, failing, critical, noData, results)
	return v
}

type groupTally struct{ passed, classified int }

// weightedScore is Σ w_g·passed_g/classified_g / Σ w_g × 100 over the groups
// given, a group missing from weights weighing the average of those listed
// (1 when none is). When every group present weighs 0 nothing counts against
// the canary and the score is 100.
func weightedScore(groups map[string]*groupTally, order []string, weights map[string]float64) float64 {
	fallback := 1.0
	if len(weights) > 0 {
		sum := 0.0
		for _, w := range weights {
			sum += w
		}
		fallback = sum / float64(len(weights))
	}
	var num, den float64
	for _, g := range order {
		w, ok := weights[g]
		if !ok {
			w = fallback
		}
		t := groups[g]
		num += w * float64(t.passed) / float64(t.classified)
		den += w
	}
	if den == 0 {
		return 100
	}
	return math.Round(num/den*100*100) / 100
}

func outcomeOf(score float64, s Scoring) Outcome {
	switch {
	case score >= s.Pass:
		return Successful
	case score >= s.Marginal:
		return Inconclusive
	}
	return Failed
}

// rank orders outcomes from worst to best.
func rank(o Outcome) int {
	switch o {
	case Successful:
		return 2
	case Inconclusive:
		return 1
	}
	return 0
}

// reason is one line: the outcome, the score against the threshold that
// decided it, and the metrics that decided it.
func reason(v Verdict, s Scoring, failing, critical, noData []string, results []MetricResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", v.Outcome)
	switch {
	case len(critical) > 0:
		fmt.Fprintf(&b, "critical %s; score 0", strings.Join(critical, ", "))
	case v.Score >= s.Pass:
		fmt.Fprintf(&b, "score %s ≥ pass %s", num(v.Score), num(s.Pass))
	case v.Score >= s.Marginal:
		fmt.Fprintf(&b, "score %s < pass %s", num(v.Score), num(s.Pass))
	default:
		fmt.Fprintf(&b, "score %s < marginal %s", num(v.Score), num(s.Marginal))
	}
	if len(failing) > 0 && len(critical) == 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(failing, ", "))
	}
	if len(noData) > 0 {
		fmt.Fprintf(&b, "; no data for %s", noDataDetail(results))
	}
	return b.String()
}

// noDataDetail lists the metrics without data and why, sorted by name.
func noDataDetail(results []MetricResult) string {
	var parts []string
	for _, r := range results {
		if r.Class == ClassNoData {
			parts = append(parts, fmt.Sprintf("%s: %s", r.Name, r.Reason))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}
