package render

import (
	"strings"
	"testing"
)

func TestEval(t *testing.T) {
	d := abortedDelivery("slack", "#r").Data
	noAnalysis := d
	noAnalysis.Analysis = nil
	for _, tc := range []struct {
		when string
		want bool
	}{
		{"", true},
		{"  ", true},
		{"Rollout.CanaryWeight >= 20", true},
		{"Rollout.CanaryWeight > 20", false},
		{`Rollout.AbortReason contains "analysis"`, true},
		{`Analysis.Phase == "Failed"`, true},
		{`Rollout.Namespace == "shop" && Trigger == "on-rollout-aborted"`, true},
		{`"shop/checkout:3" in Rollout.Images`, true},
	} {
		got, err := Eval(tc.when, d)
		if err != nil || got != tc.want {
			t.Errorf("Eval(%q) = %v, %v; want %v", tc.when, got, err, tc.want)
		}
	}
	for when, want := range map[string]bool{`Analysis.Phase == "Failed"`: false, `Analysis.Name == ""`: true} {
		if got, err := Eval(when, noAnalysis); err != nil || got != want {
			t.Errorf("Eval(%q) with no analysis = %v, %v; want %v, nil", when, got, err, want)
		}
	}
}

func TestCheckWhenNamesTheExpression(t *testing.T) {
	for when, fragment := range map[string]string{
		"Rollout.CanaryWeight >":   "does not compile",
		"Rollout.Nmae == 'x'":      "Nmae",
		"Rollout.CanaryWeight + 1": "does not compile", // not a bool
	} {
		err := CheckWhen(when)
		if err == nil || !strings.Contains(err.Error(), fragment) || !strings.Contains(err.Error(), when) {
			t.Errorf("CheckWhen(%q) = %v, want an error naming it and mentioning %q", when, err, fragment)
		}
		if _, err := Eval(when, abortedDelivery("slack", "").Data); err == nil {
			t.Errorf("Eval(%q) ran a broken expression", when)
		}
	}
	if err := CheckWhen(""); err != nil {
		t.Errorf("CheckWhen(\"\") = %v", err)
	}
}
