package dashboard

import (
	"math"
	"strconv"
	"time"
)

// valueScale maps values onto the chart's vertical axis. lo and hi are the
// ends of the axis, ticks the values labelled on it.
type valueScale struct {
	lo, hi float64
	ticks  []float64
	step   float64 // between ticks; 0 when the ticks are only the ends
}

// newValueScale is an axis that holds every value, ending on round numbers
// (steps of 1, 2 or 5 times a power of ten) with about four intervals. With
// no values it is 0..1; with one value (or all equal) it is widened around it
// so the points sit in the middle, not on an edge.
func newValueScale(values []float64) valueScale {
	if len(values) == 0 {
		return roundScale(0, 1)
	}
	lo, hi := values[0], values[0]
	for _, v := range values[1:] {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo == hi {
		pad := math.Abs(lo) / 10
		if pad == 0 {
			pad = 1
		}
		lo, hi = lo-pad, hi+pad
	}
	return roundScale(lo, hi)
}

// roundScale widens lo..hi to round ticks. Near the ends of float64, where
// the span or the rounded ends overflow, the axis is just lo..hi.
func roundScale(lo, hi float64) valueScale {
	step := niceStep((hi - lo) / 4)
	if step > 0 && isFinite(step) {
		first, last := math.Floor(lo/step), math.Ceil(hi/step)
		rlo, rhi := first*step, last*step
		if isFinite(rlo) && isFinite(rhi) && last-first <= 10 {
			s := valueScale{lo: rlo, hi: rhi, step: step}
			for i := first; i <= last; i++ {
				s.ticks = append(s.ticks, i*step)
			}
			return s
		}
	}
	return valueScale{lo: lo, hi: hi, ticks: []float64{lo, hi}}
}

// niceStep is the round number (1, 2 or 5 times a power of ten) nearest above
// rough.
func niceStep(rough float64) float64 {
	if !(rough > 0) || !isFinite(rough) {
		return 0
	}
	power := math.Pow(10, math.Floor(math.Log10(rough)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*power >= rough*(1-1e-9) {
			return m * power
		}
	}
	return 10 * power
}

// fraction is where v lies between lo (0) and hi (1). Halves keep the
// arithmetic finite at the ends of float64.
func (s valueScale) fraction(v float64) float64 {
	span := s.hi/2 - s.lo/2
	if span == 0 {
		return 0.5
	}
	return (v/2 - s.lo/2) / span
}

// label is a tick's text: as many decimals as the step needs, so 0.05 steps
// read 0.00, 0.05, 0.10; very large or small values in exponent form.
func (s valueScale) label(v float64) string {
	if s.step > 0 && math.Abs(v) < s.step/1e6 {
		v = 0 // 3 * 0.1 - 0.3 is not quite zero; do not print -0.00
	}
	a := math.Abs(v)
	if a != 0 && (a >= 1e6 || a < 1e-4) || s.step == 0 {
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	decimals := 0
	if s.step < 1 {
		decimals = int(math.Ceil(-math.Log10(s.step) - 1e-9))
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// timeScale maps measurement times onto the horizontal axis.
type timeScale struct {
	first, last time.Time
}

// fraction is where t lies between the first (0) and last (1) measurement;
// a single moment sits in the middle.
func (s timeScale) fraction(t time.Time) float64 {
	span := s.last.Sub(s.first)
	if span <= 0 {
		return 0.5
	}
	return float64(t.Sub(s.first)) / float64(span)
}

// ticks are up to five evenly spaced moments from the first to the last
// measurement, labelled in UTC: the clock time, with the date when the run
// spans more than a day.
func (s timeScale) ticks() []axisTick {
	span := s.last.Sub(s.first)
	if span <= 0 {
		return []axisTick{{at: 0.5, text: s.first.UTC().Format(time.TimeOnly)}}
	}
	layout := time.TimeOnly
	if span >= 24*time.Hour {
		layout = "Jan 2 15:04"
	}
	n := 4
	if span < 4*time.Second {
		n = 1 // labels a second apart would repeat
	}
	ticks := make([]axisTick, 0, n+1)
	for i := 0; i <= n; i++ {
		t := s.first.Add(time.Duration(float64(span) * float64(i) / float64(n)))
		ticks = append(ticks, axisTick{at: float64(i) / float64(n), text: t.UTC().Format(layout)})
	}
	return ticks
}

// axisTick is a labelled position along an axis, at 0..1 of its length.
type axisTick struct {
	at   float64
	text string
}
