package judge

import (
	"context"
	"fmt"
	"math"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/sluice-dev/sluice/analysis/provider/internal/promquery"
)

// seriesSamples runs a series metric's range query for one side and returns
// every sample of every series it returned: each is one observation of the
// side (several pods give several series).
func seriesSamples(ctx context.Context, c *promquery.Client, q string, r promv1.Range) ([]float64, promv1.Warnings, error) {
	value, warnings, err := c.QueryRange(ctx, q, r)
	if err != nil {
		return nil, nil, err
	}
	matrix, ok := value.(model.Matrix)
	if !ok {
		return nil, nil, fmt.Errorf("range query returned a %s, not a matrix", valueType(value))
	}
	var samples []float64
	for _, series := range matrix {
		if len(series.Histograms) > 0 {
			return nil, nil, fmt.Errorf("series %s is a native histogram; query a float (e.g. histogram_quantile) instead", series.Metric)
		}
		for _, pair := range series.Values {
			samples = append(samples, float64(pair.Value))
		}
	}
	return samples, warnings, nil
}

// count runs one of a ratio metric's instant queries for one side. It must
// come to one number: an empty result is a count of 0 (no requests matched),
// as is NaN (0/0 somewhere in the query); several series are an error, as
// adding them up is the query's job.
func count(ctx context.Context, c *promquery.Client, q string, at time.Time) (float64, promv1.Warnings, error) {
	value, warnings, err := c.Query(ctx, q, at)
	if err != nil {
		return 0, nil, err
	}
	var n float64
	switch v := value.(type) {
	case *model.Scalar:
		n = float64(v.Value)
	case model.Vector:
		switch len(v) {
		case 0:
			return 0, warnings, nil
		case 1:
			if v[0].Histogram != nil {
				return 0, nil, fmt.Errorf("series %s is a native histogram, not a count", v[0].Metric)
			}
			n = float64(v[0].Value)
		default:
			return 0, nil, fmt.Errorf("query returned %d series, want one count: wrap it in sum(...)", len(v))
		}
	default:
		return 0, nil, fmt.Errorf("query returned a %s, want one count", valueType(value))
	}
	switch {
	case math.IsNaN(n):
		return 0, warnings, nil
	case n < 0 || math.IsInf(n, 0):
		return 0, nil, fmt.Errorf("query returned %s, which is not a count", model.SampleValue(n))
	}
	return n, warnings, nil
}

func valueType(v model.Value) string {
	if v == nil {
		return "nothing"
	}
	return v.Type().String()
}
