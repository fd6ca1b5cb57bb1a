package prometheus

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
)

// maxTextLength bounds Outcome.Text: a query over many series must not bloat
// the AnalysisRun's status. The full value is still judged.
const maxTextLength = 1024

// convert turns a query result into the value the conditions see and its text:
//
//	scalar               → float64                        "0.05"
//	vector               → []float64 in result order      "[0.1,0.2]"
//	matrix               → []float64, every sample of every series in order
//	empty vector/matrix  → nil (evaluation says "query returned no data"), "[]"
//
// NaN and ±Inf stay float64 values ("NaN", "+Inf", "-Inf"), for isNaN/isInf.
// Native histogram samples have no single float value and are an error.
func convert(value model.Value) (any, string, error) {
	switch v := value.(type) {
	case *model.Scalar:
		f := float64(v.Value)
		return f, formatFloat(f), nil
	case model.Vector:
		values := make([]float64, 0, len(v))
		for _, sample := range v {
			if sample.Histogram != nil {
				return nil, "", errHistogram(sample.Metric)
			}
			values = append(values, float64(sample.Value))
		}
		return floats(values)
	case model.Matrix:
		var values []float64
		for _, series := range v {
			if len(series.Histograms) > 0 {
				return nil, "", errHistogram(series.Metric)
			}
			for _, pair := range series.Values {
				values = append(values, float64(pair.Value))
			}
		}
		return floats(values)
	case nil:
		return nil, "", fmt.Errorf("query returned no result")
	default:
		return nil, "", fmt.Errorf("query returned an unsupported result type %q", value.Type())
	}
}

// floats returns a vector's value and text; an empty one is nil, "[]".
func floats(values []float64) (any, string, error) {
	if len(values) == 0 {
		return nil, "[]", nil
	}
	return values, formatFloats(values), nil
}

func errHistogram(series model.Metric) error {
	return fmt.Errorf("series %s is a native histogram; query a float (e.g. histogram_quantile) instead", series)
}

// formatFloat formats like Prometheus does: shortest exact form, "NaN", "+Inf".
func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// formatFloats formats a vector as "[0.1,0.2]", bounded by maxTextLength.
func formatFloats(values []float64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, f := range values {
		if i > 0 {
			b.WriteByte(',')
		}
		if b.Len() > maxTextLength {
			fmt.Fprintf(&b, "… (%d values)", len(values))
			break
		}
		b.WriteString(formatFloat(f))
	}
	b.WriteByte(']')
	return b.String()
}
