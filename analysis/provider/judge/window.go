package judge

import (
	"fmt"
	"time"
)

// maxRangePoints keeps a series' range query under Prometheus' limit of
// 11,000 points per series: a long background analysis compares the most
// recent samples rather than failing its query.
const maxRangePoints = 10_000

// window is the time the judge compares: from the run's start plus warmup to
// now, for both sides alike.
type window struct {
	start, end time.Time
}

// windowAt is the window of a look at now, or how long to wait while the
// window is still shorter than minLength (warmup not counted): before then
// there is not enough to compare.
func windowAt(startedAt time.Time, warmup, minLength time.Duration, now time.Time) (window, time.Duration) {
	w := window{start: startedAt.Add(warmup), end: now}
	if ready := w.start.Add(minLength); now.Before(ready) {
		return w, ready.Sub(now)
	}
	return w, 0
}

// length is what {{window}} becomes: the window in whole seconds ("300s"),
// the form a PromQL range selector takes.
func (w window) length() string {
	return fmt.Sprintf("%ds", int64(w.end.Sub(w.start)/time.Second))
}

// seriesStart is where a range query at step begins: the window's start, or
// later when the window holds more than maxRangePoints steps.
func (w window) seriesStart(step time.Duration) time.Time {
	if earliest := w.end.Add(-step * (maxRangePoints - 1)); w.start.Before(earliest) {
		return earliest
	}
	return w.start
}
