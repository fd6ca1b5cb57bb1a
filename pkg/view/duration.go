package view

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
)

// age is how long ago t was, in kubectl's short form ("5m", "3h", "2d").
func age(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return duration.HumanDuration(now.Sub(t))
}

// countdown is a time left, rounded up to the second, for live countdowns:
// "45s", "2m05s", "1h02m". Negative durations count as 0s.
func countdown(d time.Duration) string {
	d = max(d, 0)
	d = (d + time.Second - 1).Truncate(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, s)
	}
	return fmt.Sprintf("%ds", s)
}
