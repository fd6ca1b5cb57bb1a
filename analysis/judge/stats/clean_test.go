package stats

import (
	"math"
	"slices"
	"testing"
)

func TestCleanNaN(t *testing.T) {
	in := []float64{1, math.NaN(), 2, math.Inf(1), math.Inf(-1), 3}
	got, dropped := CleanNaN(in, false)
	if !slices.Equal(got, []float64{1, 2, 3}) || dropped != 3 {
		t.Errorf("remove: %v dropped %d", got, dropped)
	}
	got, dropped = CleanNaN(in, true)
	if !slices.Equal(got, []float64{1, 0, 2, 3}) || dropped != 2 {
		t.Errorf("replace: %v dropped %d", got, dropped)
	}
}

func TestRemoveOutliers(t *testing.T) {
	// 1..9 and 100: type-7 quartiles 3.25 and 7.75, IQR 4.5, fences −3.5 and
	// 14.5 (R: quantile(c(1:9, 100))), so only 100 goes.
	in := []float64{5, 1, 100, 2, 3, 4, 6, 7, 8, 9}
	got, dropped := RemoveOutliers(in)
	if !slices.Equal(got, []float64{5, 1, 2, 3, 4, 6, 7, 8, 9}) || dropped != 1 {
		t.Errorf("got %v dropped %d", got, dropped)
	}
	// A sample exactly on a fence stays: 1..9 with 14.5.
	edge := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 14.5}
	if _, dropped := RemoveOutliers(edge); dropped != 0 {
		t.Errorf("value on the fence dropped")
	}
	// Too few to judge, and all-equal samples (IQR 0) keep everything equal.
	if got, d := RemoveOutliers([]float64{1, 50, 2}); len(got) != 3 || d != 0 {
		t.Errorf("three samples: %v", got)
	}
	if got, d := RemoveOutliers([]float64{4, 4, 4, 4, 9}); !slices.Equal(got, []float64{4, 4, 4, 4}) || d != 1 {
		t.Errorf("flat with one spike: %v dropped %d", got, d)
	}
}
