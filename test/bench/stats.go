package main

import (
	"math"
	"sort"
	"time"

	"k8s.io/apimachinery/pkg/labels"
)

var everything = labels.Everything()

// dist summarises samples: count, nearest-rank percentiles, extremes. Unit is
// given by whoever builds it (milliseconds for reactions, seconds for
// updates).
type dist struct {
	Count int     `json:"count"`
	Min   float64 `json:"min"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
	Mean  float64 `json:"mean"`
}

func distOf(samples []float64) dist {
	if len(samples) == 0 {
		return dist{}
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	sum := 0.0
	for _, v := range s {
		sum += v
	}
	return dist{
		Count: len(s), Min: s[0], Max: s[len(s)-1], Mean: sum / float64(len(s)),
		P50: percentile(s, 0.50), P95: percentile(s, 0.95), P99: percentile(s, 0.99),
	}
}

// percentile is the nearest-rank percentile of sorted samples.
func percentile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64   { return float64(d) / float64(time.Millisecond) }
func secs(d time.Duration) float64 { return d.Seconds() }
