package prometheus

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
)

// FuzzConvert builds a query result (scalar, vector, matrix, string or nil) from
// fuzzed samples, NaN, ±Inf and every other float64 bit pattern included, with
// series counts up to thousands of samples and native histograms mixed in, and
// checks what convert promises: the value the conditions see is every float
// sample in result order, bit for bit; the text parses back to the same floats
// (finite ones exactly, NaN as "NaN", infinities as "+Inf"/"-Inf"), and stays
// bounded; an empty result is nil, "[]"; a histogram is an error naming it.
//
// kind picks the result type; each byte of shape is one series (its low six
// bits the sample count, ×64 when bit 6 is set; bit 7 makes it a histogram);
// pool is read 8 bytes at a time as the float64 bit patterns of the samples.
func FuzzConvert(f *testing.F) {
	for _, seed := range convertSeeds {
		f.Add(seed.kind, seed.shape, seed.pool)
	}
	f.Fuzz(func(t *testing.T, kind uint8, shape, pool []byte) {
		value, want, histogram := buildResult(kind, shape, pool)
		got, text, err := convert(value)
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("error spans lines: %q", err)
		}

		switch {
		case value == nil || kind%5 == 3:
			if err == nil {
				t.Fatalf("convert(%v) = %v, %q; want an error", value, got, text)
			}
			return
		case histogram:
			if err == nil || !strings.Contains(err.Error(), "native histogram") {
				t.Fatalf("a result with a native histogram: err = %v; want one naming the histogram", err)
			}
			return
		case err != nil:
			t.Fatalf("convert: unexpected error %v", err)
		}

		if _, isScalar := value.(*model.Scalar); isScalar {
			f, ok := got.(float64)
			if !ok {
				t.Fatalf("scalar converted to %T, want float64", got)
			}
			sameFloats(t, []float64{f}, want)
			sameFloats(t, []float64{parseText(t, text)}, want)
			return
		}
		if len(want) == 0 {
			if got != nil || text != "[]" {
				t.Fatalf("empty result converted to %#v, %q; want nil, \"[]\"", got, text)
			}
			return
		}
		values, ok := got.([]float64)
		if !ok {
			t.Fatalf("vector/matrix converted to %T, want []float64", got)
		}
		sameFloats(t, values, want)
		checkVectorText(t, text, want)
	})
}

// buildResult turns the fuzz input into a model.Value, the float samples it
// holds in result order, and whether it holds a native histogram.
func buildResult(kind uint8, shape, pool []byte) (model.Value, []float64, bool) {
	// A few dozen series of up to 4032 samples each cover every path while
	// keeping one run fast enough for the fuzzer.
	if len(shape) > maxSeries {
		shape = shape[:maxSeries]
	}
	next := floatPool(pool)
	switch kind % 5 {
	case 0:
		v := next()
		return &model.Scalar{Value: model.SampleValue(v), Timestamp: 1740830400500}, []float64{v}, false
	case 1:
		var vector model.Vector
		var want []float64
		histogram := false
		for i, b := range shape {
			sample := &model.Sample{Metric: seriesLabels(i), Timestamp: 1740830400500}
			if b&0x80 != 0 {
				sample.Histogram = &model.SampleHistogram{Count: 3, Sum: 1.5}
				histogram = true
			} else {
				sample.Value = model.SampleValue(next())
				want = append(want, float64(sample.Value))
			}
			vector = append(vector, sample)
		}
		return vector, want, histogram
	case 2:
		var matrix model.Matrix
		var want []float64
		histogram := false
		for i, b := range shape {
			series := &model.SampleStream{Metric: seriesLabels(i)}
			n := int(b & 0x3f)
			if b&0x40 != 0 {
				n *= 64
			}
			if b&0x80 != 0 {
				series.Histograms = []model.SampleHistogramPair{{Timestamp: 1, Histogram: &model.SampleHistogram{Count: 1}}}
				histogram = true
			}
			for j := range n {
				v := next()
				series.Values = append(series.Values, model.SamplePair{Timestamp: model.Time(j), Value: model.SampleValue(v)})
				want = append(want, v)
			}
			matrix = append(matrix, series)
		}
		return matrix, want, histogram
	case 3:
		return &model.String{Value: string(pool), Timestamp: 1}, nil, false
	default:
		return nil, nil, false
	}
}

const maxSeries = 24

// floatPool returns successive float64s read from pool's bytes (8 a float,
// cycling); an empty pool yields 0, 1, 2, ….
func floatPool(pool []byte) func() float64 {
	i := 0
	return func() float64 {
		defer func() { i++ }()
		if len(pool) < 8 {
			return float64(i)
		}
		at := (i * 8) % (len(pool) - len(pool)%8)
		return math.Float64frombits(binary.LittleEndian.Uint64(pool[at : at+8]))
	}
}

func seriesLabels(i int) model.Metric {
	return model.Metric{"__name__": "up", "pod": model.LabelValue(fmt.Sprintf("pod-%d", i))}
}

// sameFloats compares bit for bit, except that any NaN equals any NaN (a NaN's
// payload is not part of what a condition can see).
func sameFloats(t *testing.T, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d values, want %d", len(got), len(want))
	}
	for i := range got {
		if math.IsNaN(want[i]) && math.IsNaN(got[i]) {
			continue
		}
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("value %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// parseText parses one float as Prometheus formats it.
func parseText(t *testing.T, s string) float64 {
	t.Helper()
	switch s {
	case "NaN", "+Inf", "-Inf":
	default:
		if strings.ContainsAny(s, "NI") {
			t.Fatalf("text %q is not how Prometheus writes NaN or infinity", s)
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("text %q does not parse back: %v", s, err)
	}
	return f
}

// checkVectorText parses "[a,b,…]" back; a text cut at maxTextLength must end
// with the "… (N values)" note and hold a prefix of the values.
func checkVectorText(t *testing.T, text string, want []float64) {
	t.Helper()
	if !strings.HasPrefix(text, "[") || !strings.HasSuffix(text, "]") {
		t.Fatalf("text %q is not a bracketed list", text)
	}
	body := text[1 : len(text)-1]
	note := fmt.Sprintf("… (%d values)", len(want))
	cut := strings.HasSuffix(body, note)
	if cut {
		body = strings.TrimSuffix(body, note)
		body = strings.TrimSuffix(body, ",")
		// The longest float text is 24 bytes ("-2.2250738585072014e-308").
		if len(text) > maxTextLength+25+len(note)+2 {
			t.Fatalf("text is %d bytes, above the bound", len(text))
		}
	}
	parts := strings.Split(body, ",")
	if !cut && len(parts) != len(want) {
		t.Fatalf("text %q has %d values, want %d", text, len(parts), len(want))
	}
	if len(parts) > len(want) {
		t.Fatalf("text %q has more values than the result", text)
	}
	got := make([]float64, len(parts))
	for i, p := range parts {
		got[i] = parseText(t, p)
	}
	sameFloats(t, got, want[:len(parts)])
}

type convertSeed struct {
	kind  uint8
	shape []byte
	pool  []byte
}

// convertSeeds mirror TestMeasureResults: a scalar, a NaN/Inf vector, a matrix,
// empty results, a histogram, a string result and a long matrix that is cut.
var convertSeeds = []convertSeed{
	{0, nil, floatBytes(0.05)},
	{0, nil, floatBytes(math.NaN())},
	{0, nil, floatBytes(math.Inf(1))},
	{1, []byte{0, 0, 0}, floatBytes(0.2, 0.1, 1e-05)},
	{1, []byte{0, 0, 0}, floatBytes(math.NaN(), math.Inf(1), math.Inf(-1))},
	{1, nil, nil},
	{1, []byte{0, 0x80}, floatBytes(1)},
	{2, []byte{2, 1}, floatBytes(1, 2, 3)},
	{2, nil, nil},
	{2, []byte{0, 0}, nil},
	{2, []byte{0x7f}, floatBytes(-2.2250738585072014e-308, 1.7976931348623157e308, 5e-324)},
	{2, []byte{1, 0x81}, floatBytes(1)},
	{3, nil, []byte("hello")},
	{4, nil, nil},
}

func floatBytes(fs ...float64) []byte {
	var b []byte
	for _, f := range fs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	return b
}
