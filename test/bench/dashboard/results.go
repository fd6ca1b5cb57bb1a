package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// results are one run's measurements.
type results struct {
	n                    int
	startup              time.Duration
	page, part           []time.Duration
	attention            []time.Duration
	pageBytes, partBytes int
	event, shown         []time.Duration
	browser              browserTimes
	rssKiB               int
}

// markdown is the results as the table docs/dashboard.md shows.
func (r results) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d Rollouts, %d samples each (median / p95 / max):\n\n", r.n, len(r.page))
	b.WriteString("| measurement | median | p95 | max |\n|---|---|---|---|\n")
	fmt.Fprintf(&b, "| start, until the URL is printed (caches filled) | %s | | |\n", ms(r.startup))
	row(&b, fmt.Sprintf("list page `GET /` (%d KiB)", r.pageBytes/1024), r.page)
	row(&b, fmt.Sprintf("live part `GET /parts/list` (%d KiB)", r.partBytes/1024), r.part)
	row(&b, "filtered part `GET /parts/list?attention=1`", r.attention)
	row(&b, "change in the API server → `changed` event", r.event)
	row(&b, "change in the API server → new part fetched", r.shown)
	row(&b, "in Chromium: list page, navigation → DOMContentLoaded", r.browser.domReady)
	row(&b, "in Chromium: list page, navigation → load", r.browser.loaded)
	row(&b, "in Chromium: change in the API server → new image on screen", r.browser.shown)
	if r.rssKiB > 0 {
		fmt.Fprintf(&b, "\nDashboard resident memory after the run: %d MiB.\n", r.rssKiB/1024)
	}
	return b.String()
}

// row writes the median, 95th percentile and maximum of some durations.
func row(b *strings.Builder, what string, d []time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s) == 0 {
		return
	}
	p95 := s[min(len(s)-1, (len(s)*95+99)/100-1)]
	fmt.Fprintf(b, "| %s | %s | %s | %s |\n", what, ms(s[len(s)/2]), ms(p95), ms(s[len(s)-1]))
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%d ms", d.Round(time.Millisecond).Milliseconds())
}
