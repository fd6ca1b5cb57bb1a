package prometheus

import (
	"context"
	"encoding/base64"
	"fmt"
	"github.com/sluice-dev/sluice/analysis/provider/internal/httpshare"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sluice-dev/sluice/analysis/provider"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

const query = `sum(rate(http_errors_total{app="shop"}[5m])) / sum(rate(http_requests_total{app="shop"}[5m]))`

// TestMeasureResults checks the conversion of every result type into the value
// the conditions see and the text shown in status.
func TestMeasureResults(t *testing.T) {
	metadata := map[string]string{"resolvedQuery": query}
	tests := []struct {
		name string
		body string
		want provider.Outcome
	}{
		{
			name: "scalar",
			body: success("scalar", `[1740830400.5,"0.05"]`),
			want: provider.Outcome{Value: 0.05, Text: "0.05"},
		},
		{
			name: "vector of several series keeps result order",
			body: success("vector", `[
				{"metric":{"pod":"b"},"value":[1740830400.5,"0.2"]},
				{"metric":{"pod":"a"},"value":[1740830400.5,"0.1"]},
				{"metric":{"pod":"c"},"value":[1740830400.5,"1e-05"]}]`),
			want: provider.Outcome{Value: []float64{0.2, 0.1, 0.00001}, Text: "[0.2,0.1,1e-05]"},
		},
		{
			name: "matrix flattens every sample of every series",
			body: success("matrix", `[
				{"metric":{"pod":"a"},"values":[[1740830340,"1"],[1740830370,"2"]]},
				{"metric":{"pod":"b"},"values":[[1740830340,"3"]]}]`),
			want: provider.Outcome{Value: []float64{1, 2, 3}, Text: "[1,2,3]"},
		},
		{
			name: "empty vector is no data",
			body: success("vector", `[]`),
			want: provider.Outcome{Value: nil, Text: "[]"},
		},
		{
			name: "empty matrix is no data",
			body: success("matrix", `[]`),
			want: provider.Outcome{Value: nil, Text: "[]"},
		},
		{
			name: "NaN scalar",
			body: success("scalar", `[1740830400.5,"NaN"]`),
			want: provider.Outcome{Value: math.NaN(), Text: "NaN"},
		},
		{
			name: "+Inf scalar",
			body: success("scalar", `[1740830400.5,"+Inf"]`),
			want: provider.Outcome{Value: math.Inf(1), Text: "+Inf"},
		},
		{
			name: "NaN and infinities in a vector",
			body: success("vector", `[
				{"metric":{},"value":[1740830400.5,"NaN"]},
				{"metric":{},"value":[1740830400.5,"+Inf"]},
				{"metric":{},"value":[1740830400.5,"-Inf"]}]`),
			want: provider.Outcome{Value: []float64{math.NaN(), math.Inf(1), math.Inf(-1)}, Text: "[NaN,+Inf,-Inf]"},
		},
		{
			name: "warnings are kept as metadata",
			body: `{"status":"success","warnings":["PromQL info: metric might not be a counter"],"data":{"resultType":"scalar","result":[1740830400.5,"1"]}}`,
			want: provider.Outcome{Value: 1.0, Text: "1", Metadata: map[string]string{"warnings": "PromQL info: metric might not be a counter"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t, &fakePrometheus{body: tt.body})
			p := newTestProvider(srv.URL)
			got, err := p.Measure(context.Background(), nil, promMetric(v1alpha1.PrometheusMetric{Query: query}), nil)
			if err != nil {
				t.Fatalf("Measure: %v", err)
			}
			tt.want.MetricMetadata = metadata
			tt.want.TypeFixed = true // a query's result type never changes
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("Outcome (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMeasureRequest checks what reaches the server: the query at the clock's
// time, the timeout parameter, headers and basic auth.
func TestMeasureRequest(t *testing.T) {
	fake := &fakePrometheus{body: success("scalar", `[1740830400.5,"1"]`)}
	srv := startServer(t, fake)
	p := newTestProvider("http://default.invalid:9090")
	spec := v1alpha1.PrometheusMetric{
		Address: srv.URL,
		Query:   query,
		Timeout: int64p(7),
		Headers: []v1alpha1.WebMetricHeader{
			{Key: "X-Scope-OrgID", Value: "tenant-1"},
			{Key: "Host", Value: "prometheus.example"},
		},
		Authentication: &v1alpha1.PrometheusAuth{BasicAuth: &v1alpha1.BasicAuth{Username: "sluice", Password: "pa55"}},
	}
	if _, err := p.Measure(context.Background(), nil, promMetric(spec), nil); err != nil {
		t.Fatalf("Measure: %v", err)
	}
	got := fake.lastRequest(t)
	want := recordedRequest{
		method: http.MethodPost, path: "/api/v1/query", host: "prometheus.example",
		query: query, time: "1740830400.5", timeout: "7s",
		user: "sluice", password: "pa55", hasBasicAuth: true,
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(recordedRequest{}), cmpopts.IgnoreFields(recordedRequest{}, "header")); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	if v := got.header.Get("X-Scope-OrgID"); v != "tenant-1" {
		t.Errorf("X-Scope-OrgID = %q, want tenant-1", v)
	}
}

// TestMeasureDefaultTimeout checks the timeout parameter without a timeout set.
func TestMeasureDefaultTimeout(t *testing.T) {
	fake := &fakePrometheus{body: success("scalar", `[1740830400.5,"1"]`)}
	srv := startServer(t, fake)
	if _, err := newTestProvider(srv.URL).Measure(context.Background(), nil, promMetric(v1alpha1.PrometheusMetric{Query: "up"}), nil); err != nil {
		t.Fatalf("Measure: %v", err)
	}
	if got := fake.lastRequest(t).timeout; got != "30s" {
		t.Errorf("timeout parameter = %q, want 30s", got)
	}
}

// TestMeasureErrors checks that each way a query can fail gives a precise
// message naming the address.
func TestMeasureErrors(t *testing.T) {
	tests := []struct {
		name    string
		server  *fakePrometheus // nil: no server at the address
		spec    v1alpha1.PrometheusMetric
		want    string // the message, with ADDR for the server's address
		wantDur time.Duration
	}{
		{
			name:   "Prometheus error response",
			server: &fakePrometheus{status: http.StatusBadRequest, body: `{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"}`},
			want:   "Prometheus at ADDR: query failed (HTTP 400 Bad Request, bad_data): 1:5: parse error: unexpected end of input",
		},
		{
			name:   "Prometheus execution error",
			server: &fakePrometheus{status: http.StatusUnprocessableEntity, body: `{"status":"error","errorType":"execution","error":"vector cannot contain metrics with the same labelset"}`},
			want:   "Prometheus at ADDR: query failed (HTTP 422 Unprocessable Entity, execution): vector cannot contain metrics with the same labelset",
		},
		{
			name:   "HTTP 500 without a Prometheus body",
			server: &fakePrometheus{status: http.StatusInternalServerError, body: "upstream exploded"},
			want:   "Prometheus at ADDR: query failed: HTTP 500 Internal Server Error",
		},
		{
			name:   "HTTP 401",
			server: &fakePrometheus{status: http.StatusUnauthorized, body: "no"},
			want:   "Prometheus at ADDR: query failed: HTTP 401 Unauthorized",
		},
		{
			name:   "invalid JSON",
			server: &fakePrometheus{body: "<html>proxy login</html>"},
			want:   "Prometheus at ADDR: unreadable response (HTTP 200 OK): readObjectStart: expect { or n, but found <",
		},
		{
			name:   "result type the client cannot decode",
			server: &fakePrometheus{body: success("string", `[1740830400.5,"secret-ish body"]`)},
			want:   `Prometheus at ADDR: query failed: unmarshalerDecoder: unexpected value type "string"`,
		},
		{
			name:   "timeout",
			server: &fakePrometheus{delay: 10 * time.Second, body: success("scalar", `[1,"1"]`)},
			spec:   v1alpha1.PrometheusMetric{Timeout: int64p(1)},
			want:   "Prometheus at ADDR: query timed out after 1s",
			// The measurement must end at the timeout, not when the server answers.
			wantDur: 3 * time.Second,
		},
		{
			name: "nothing listening",
			want: "Prometheus at ADDR: request failed: dial tcp 127.0.0.1:1: connect: connection refused",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			address := "http://127.0.0.1:1" // nothing listens on port 1
			if tt.server != nil {
				address = startServer(t, tt.server).URL
			}
			spec := tt.spec
			spec.Address, spec.Query = address, "up"
			start := time.Now()
			outcome, err := newTestProvider("").Measure(context.Background(), nil, promMetric(spec), nil)
			want := strings.ReplaceAll(tt.want, "ADDR", address)
			if err == nil || err.Error() != want {
				t.Fatalf("error = %v, want %q", err, want)
			}
			if tt.wantDur > 0 && time.Since(start) > tt.wantDur {
				t.Errorf("Measure took %s, want under %s", time.Since(start), tt.wantDur)
			}
			if got := outcome.MetricMetadata["resolvedQuery"]; got != "up" {
				t.Errorf("resolvedQuery = %q, want it kept on error", got)
			}
		})
	}
}

// TestMeasureInterrupted checks that a caller's cancellation is not reported
// as the query's own timeout.
func TestMeasureInterrupted(t *testing.T) {
	srv := startServer(t, &fakePrometheus{delay: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := newTestProvider(srv.URL).Measure(ctx, nil, promMetric(v1alpha1.PrometheusMetric{Query: "up"}), nil)
	want := "Prometheus at " + srv.URL + ": query interrupted: context deadline exceeded"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
}

// TestMeasureAddress checks the choice and validation of the address.
func TestMeasureAddress(t *testing.T) {
	srv := startServer(t, &fakePrometheus{body: success("scalar", `[1,"1"]`)})
	tests := []struct {
		name           string
		defaultAddress string
		metricAddress  string
		wantErr        string
	}{
		{name: "default address", defaultAddress: srv.URL},
		{name: "metric address wins", defaultAddress: "http://127.0.0.1:1", metricAddress: srv.URL},
		{name: "no address", wantErr: "no Prometheus address: set provider.prometheus.address or --prometheus-address"},
		{name: "no scheme", metricAddress: "prometheus:9090", wantErr: "Prometheus address is not an http:// or https:// URL with a host"},
		{name: "unparsable", metricAddress: "http://pa ss@[::1", wantErr: "Prometheus address is not an http:// or https:// URL with a host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := v1alpha1.PrometheusMetric{Address: tt.metricAddress, Query: "up"}
			_, err := newTestProvider(tt.defaultAddress).Measure(context.Background(), nil, promMetric(spec), nil)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("Measure: %v", err)
			}
			if tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestMeasureNoPrometheusSpec checks a metric without a prometheus provider.
func TestMeasureNoPrometheusSpec(t *testing.T) {
	_, err := New("http://x").Measure(context.Background(), nil, v1alpha1.Metric{Name: "m"}, nil)
	if err == nil || err.Error() != `metric "m" has no prometheus provider` {
		t.Fatalf("error = %v", err)
	}
}

// TestErrorsHideSecrets checks that header values and passwords never reach
// an error message, even when the server echoes them back in its error.
func TestErrorsHideSecrets(t *testing.T) {
	const token, password, userinfoPassword = "t0ken-from-secret", "hunter2-from-secret", "pw-in-address"
	basic := base64.StdEncoding.EncodeToString([]byte("u:" + password))
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			_, _ = fmt.Fprintf(w, `{"status":"error","errorType":"bad_data","error":"bad headers %s %s"}`,
				r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
		}
	}
	for _, status := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusInternalServerError} {
		srv := httptest.NewServer(echo(status))
		t.Cleanup(srv.Close)
		addresses := []string{
			srv.URL,
			strings.Replace(srv.URL, "http://", "http://user:"+userinfoPassword+"@", 1),
			"http://user:" + userinfoPassword + "@127.0.0.1:1", // connection refused
		}
		for _, address := range addresses {
			spec := v1alpha1.PrometheusMetric{
				Address:        address,
				Query:          "up",
				Headers:        []v1alpha1.WebMetricHeader{{Key: "X-Api-Key", Value: token}},
				Authentication: &v1alpha1.PrometheusAuth{BasicAuth: &v1alpha1.BasicAuth{Username: "u", Password: password}},
			}
			_, err := newTestProvider("").Measure(context.Background(), nil, promMetric(spec), nil)
			if err == nil {
				t.Fatalf("HTTP %d at %s: no error", status, address)
			}
			for _, secret := range []string{token, password, userinfoPassword, basic} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("HTTP %d: error %q contains secret %q", status, err, secret)
				}
			}
		}
	}
}

// TestRedact checks the masking rule, including that short values are kept.
func TestRedact(t *testing.T) {
	secrets := []string{"", "1", "abc", "s3cret", "s3cret-longer"}
	got := httpshare.Redact("HTTP 401: s3cret-longer and s3cret, abc 1", secrets)
	if want := "HTTP 401: ***** and *****, abc 1"; got != want {
		t.Errorf("redact = %q, want %q", got, want)
	}
}

// TestInsecure checks that only an insecure metric accepts a self-signed
// certificate.
func TestInsecure(t *testing.T) {
	srv := httptest.NewUnstartedServer(&fakePrometheus{body: success("scalar", `[1,"1"]`)})
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	p := newTestProvider(srv.URL)
	_, err := p.Measure(context.Background(), nil, promMetric(v1alpha1.PrometheusMetric{Query: "up"}), nil)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("secure query to a self-signed server: error = %v, want a certificate error", err)
	}
	got, err := p.Measure(context.Background(), nil, promMetric(v1alpha1.PrometheusMetric{Query: "up", Insecure: true}), nil)
	if err != nil || got.Value != 1.0 {
		t.Errorf("insecure query: %v, %v; want 1", got.Value, err)
	}
}

// TestProviderIdentity checks Type and that Terminate has nothing to do.
func TestProviderIdentity(t *testing.T) {
	p := New("")
	if p.Type() != "prometheus" {
		t.Errorf("Type = %q", p.Type())
	}
	if err := p.Terminate(context.Background(), nil, v1alpha1.Metric{}, v1alpha1.Measurement{}); err != nil {
		t.Errorf("Terminate: %v", err)
	}
}
