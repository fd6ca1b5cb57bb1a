package judge

import (
	"fmt"
	"strconv"
)

// change is what a test found, in the terms classification needs.
type change struct {
	p, alpha float64
	// sign is +1 when the canary is higher (U above its mean, or the higher
	// rate), −1 when lower, 0 when neither.
	sign   int
	effect float64 // canary/baseline ratio of means or rates
	// what describes the test for the reason ("p", "Fisher exact p").
	what string
}

// classify decides High, Low or Pass. A change counts against the canary only
// when it is significant at this look's level AND its effect lies beyond the
// allowed ratio AND it goes in a direction that counts. Requiring both the
// p-value and the effect is where the judge departs from Kayenta, which
// decides from the confidence interval alone (doc.go).
func classify(m Metric, c change) (Class, string) {
	sig := fmt.Sprintf("%s=%s", c.what, num(c.p))
	if !(c.p < c.alpha) {
		return ClassPass, fmt.Sprintf("no significant difference (%s ≥ α=%s)", sig, num(c.alpha))
	}
	sig += " < α=" + num(c.alpha)
	switch {
	case c.sign > 0:
		if m.Direction == Decrease {
			return ClassPass, fmt.Sprintf("canary higher (%s) but only a decrease counts", sig)
		}
		if !(c.effect > m.AllowedIncrease) {
			return ClassPass, fmt.Sprintf("canary higher (%s) but canary/baseline %s is within the allowed increase %s", sig, num(c.effect), num(m.AllowedIncrease))
		}
		return ClassHigh, fmt.Sprintf("canary higher: %s and canary/baseline %s > allowed %s", sig, num(c.effect), num(m.AllowedIncrease))
	case c.sign < 0:
		if m.Direction == Increase {
			return ClassPass, fmt.Sprintf("canary lower (%s) but only an increase counts", sig)
		}
		if !(c.effect < m.AllowedDecrease) {
			return ClassPass, fmt.Sprintf("canary lower (%s) but canary/baseline %s is within the allowed decrease %s", sig, num(c.effect), num(m.AllowedDecrease))
		}
		return ClassLow, fmt.Sprintf("canary lower: %s and canary/baseline %s < allowed %s", sig, num(c.effect), num(m.AllowedDecrease))
	}
	return ClassPass, fmt.Sprintf("no difference in either direction (%s)", sig)
}

// withDefaults fills the zero values the contract gives a meaning to.
func withDefaults(m Metric) Metric {
	if m.Group == "" {
		m.Group = m.Name
	}
	if m.Direction == "" {
		m.Direction = Increase
	}
	if m.AllowedIncrease == 0 {
		m.AllowedIncrease = 1
	}
	if m.AllowedDecrease == 0 {
		m.AllowedDecrease = 1
	}
	m.MinSamples = max(m.MinSamples, 1)
	return m
}

func sign(v float64) int {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// num prints a number for a reason: four significant digits, no exponent
// for everyday sizes.
func num(v float64) string {
	return strconv.FormatFloat(v, 'g', 4, 64)
}
