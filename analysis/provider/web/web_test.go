package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-dev/sluice/analysis/provider"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

const document = `{"data":{"ok":true,"rate":0.01,"status":"green","nothing":null,
	"items":[{"v":1},{"v":2}],"detail":{"a":"<b>","n":[1,2]}}}`

// fakeEndpoint answers every request with a canned status and body, and
// records what it got.
type fakeEndpoint struct {
	status int
	body   string
	delay  time.Duration

	mu   sync.Mutex
	last seenRequest
}

// seenRequest is what the endpoint saw of one request.
type seenRequest struct {
	Method, Path, Query, Host, ContentType, Body string
	Header                                       http.Header
}

func (f *fakeEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.last = seenRequest{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Host: r.Host,
		ContentType: r.Header.Get("Content-Type"), Body: string(body), Header: r.Header.Clone(),
	}
	f.mu.Unlock()
	if f.delay > 0 {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(f.delay):
		}
	}
	status := f.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, f.body)
}

func (f *fakeEndpoint) request() seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// serve starts f until the test ends.
func serve(t *testing.T, f *fakeEndpoint) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv
}

func webMetric(spec v1alpha1.WebMetric) v1alpha1.Metric {
	return v1alpha1.Metric{Name: "health", Provider: v1alpha1.MetricProvider{Web: &spec}}
}

// TestMeasureValues checks the value and text for each kind of JSON value and
// each jsonPath form.
func TestMeasureValues(t *testing.T) {
	srv := serve(t, &fakeEndpoint{body: document})
	tests := []struct {
		name     string
		jsonPath string
		want     provider.Outcome
	}{
		{"bool", "{$.data.ok}", provider.Outcome{Value: true, Text: "true"}},
		{"number is float64", "{$.data.rate}", provider.Outcome{Value: 0.01, Text: "0.01"}},
		{"string", "{$.data.status}", provider.Outcome{Value: "green", Text: `"green"`}},
		{"null", "{$.data.nothing}", provider.Outcome{Value: nil, Text: "null"}},
		{"object", "{$.data.detail}", provider.Outcome{
			Value: map[string]any{"a": "<b>", "n": []any{1.0, 2.0}},
			Text:  `{"a":"<b>","n":[1,2]}`,
		}},
		{"several values", "{$.data.items[*].v}", provider.Outcome{Value: []any{1.0, 2.0}, Text: "[1,2]"}},
		{"without braces", "$.data.ok", provider.Outcome{Value: true, Text: "true"}},
		{"without $", ".data.rate", provider.Outcome{Value: 0.01, Text: "0.01"}},
		{"no path is the whole document", "", provider.Outcome{Value: mustDecode(t, document), Text: compactJSON(mustDecode(t, document))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New().Measure(context.Background(), nil, webMetric(v1alpha1.WebMetric{URL: srv.URL, JSONPath: tt.jsonPath}), nil)
			if err != nil {
				t.Fatalf("Measure: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Outcome (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMeasureRequests checks what reaches the endpoint for each method and
// body kind, and that headers arrive.
func TestMeasureRequests(t *testing.T) {
	tests := []struct {
		name string
		spec v1alpha1.WebMetric
		want seenRequest
	}{
		{
			name: "default GET with headers",
			spec: v1alpha1.WebMetric{Headers: []v1alpha1.WebMetricHeader{{Key: "Authorization", Value: "Bearer abc"}, {Key: "Host", Value: "metrics.example"}}},
			want: seenRequest{Method: "GET", Path: "/check", Query: "window=5m", Host: "metrics.example"},
		},
		{
			name: "POST with body",
			spec: v1alpha1.WebMetric{Method: "POST", Body: "plain text", Headers: []v1alpha1.WebMetricHeader{{Key: "Content-Type", Value: "text/plain"}}},
			want: seenRequest{Method: "POST", Path: "/check", Query: "window=5m", ContentType: "text/plain", Body: "plain text"},
		},
		{
			name: "POST with jsonBody",
			spec: v1alpha1.WebMetric{Method: "POST", JSONBody: json.RawMessage(`{"service":"shop","window":"5m"}`)},
			want: seenRequest{Method: "POST", Path: "/check", Query: "window=5m", ContentType: "application/json", Body: `{"service":"shop","window":"5m"}`},
		},
		{
			name: "jsonBody with an explicit Content-Type",
			spec: v1alpha1.WebMetric{Method: "POST", JSONBody: json.RawMessage(`[1]`), Headers: []v1alpha1.WebMetricHeader{{Key: "content-type", Value: "application/vnd.api+json"}}},
			want: seenRequest{Method: "POST", Path: "/check", Query: "window=5m", ContentType: "application/vnd.api+json", Body: `[1]`},
		},
		{
			name: "PUT with jsonBody",
			spec: v1alpha1.WebMetric{Method: "PUT", JSONBody: json.RawMessage(`{"x":1}`)},
			want: seenRequest{Method: "PUT", Path: "/check", Query: "window=5m", ContentType: "application/json", Body: `{"x":1}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeEndpoint{body: `{"ok":true}`}
			srv := serve(t, fake)
			tt.spec.URL = srv.URL + "/check?window=5m"
			if _, err := New().Measure(context.Background(), nil, webMetric(tt.spec), nil); err != nil {
				t.Fatalf("Measure: %v", err)
			}
			got := fake.request()
			if tt.want.Host == "" {
				tt.want.Host = strings.TrimPrefix(srv.URL, "http://")
			}
			for _, h := range tt.spec.Headers {
				if !strings.EqualFold(h.Key, "Host") && got.Header.Get(h.Key) != h.Value {
					t.Errorf("header %s = %q, want %q", h.Key, got.Header.Get(h.Key), h.Value)
				}
			}
			got.Header = nil
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMeasureErrors checks each way a call can fail.
func TestMeasureErrors(t *testing.T) {
	tests := []struct {
		name     string
		endpoint *fakeEndpoint // nil: nothing listens
		spec     v1alpha1.WebMetric
		want     string // with URL for the endpoint's URL
	}{
		{name: "HTTP 503", endpoint: &fakeEndpoint{status: 503, body: `{"ok":false}`}, want: "GET URL/check: HTTP 503 Service Unavailable"},
		{name: "HTTP 404", endpoint: &fakeEndpoint{status: 404}, spec: v1alpha1.WebMetric{Method: "POST"}, want: "POST URL/check: HTTP 404 Not Found"},
		{name: "invalid JSON", endpoint: &fakeEndpoint{body: "<html>"}, want: "GET URL/check: response is not valid JSON: invalid character '<' looking for beginning of value"},
		{name: "empty body", endpoint: &fakeEndpoint{body: ""}, want: "GET URL/check: response is not valid JSON: unexpected end of JSON input"},
		{name: "missing path", endpoint: &fakeEndpoint{body: document}, spec: v1alpha1.WebMetric{JSONPath: "$.data.missing"}, want: "GET URL/check: jsonPath {$.data.missing} selected nothing"},
		{name: "empty list", endpoint: &fakeEndpoint{body: `{"items":[]}`}, spec: v1alpha1.WebMetric{JSONPath: "{.items[*]}"}, want: "GET URL/check: jsonPath {.items[*]} selected nothing"},
		{name: "index out of range", endpoint: &fakeEndpoint{body: `{"items":[1]}`}, spec: v1alpha1.WebMetric{JSONPath: "{.items[3]}"}, want: "GET URL/check: jsonPath {.items[3]}: array index out of bounds: index 3, length 1"},
		{name: "invalid path", endpoint: &fakeEndpoint{body: document}, spec: v1alpha1.WebMetric{JSONPath: "{{.x}"}, want: "GET URL/check: jsonPath {{.x} is not valid: unrecognized character in action: U+007B '{'"},
		{name: "timeout", endpoint: &fakeEndpoint{delay: 10 * time.Second}, spec: v1alpha1.WebMetric{TimeoutSeconds: 1}, want: "GET URL/check: request timed out after 1s"},
		{name: "nothing listening", want: "GET http://127.0.0.1:1/check: request failed: dial tcp 127.0.0.1:1: connect: connection refused"},
		{name: "body and jsonBody", spec: v1alpha1.WebMetric{Method: "POST", Body: "a", JSONBody: json.RawMessage(`{}`)}, want: "set body or jsonBody, not both"},
		{name: "unsupported method", spec: v1alpha1.WebMetric{Method: "DELETE"}, want: `method "DELETE" is not supported: use GET, POST or PUT`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := "http://127.0.0.1:1"
			if tt.endpoint != nil {
				base = serve(t, tt.endpoint).URL
			}
			spec := tt.spec
			spec.URL = base + "/check?token=from-secret"
			start := time.Now()
			_, err := New().Measure(context.Background(), nil, webMetric(spec), nil)
			want := strings.ReplaceAll(tt.want, "URL", base)
			if err == nil || err.Error() != want {
				t.Fatalf("error = %v, want %q", err, want)
			}
			if elapsed := time.Since(start); elapsed > 3*time.Second {
				t.Errorf("Measure took %s; the timeout must end it", elapsed)
			}
		})
	}
}

// TestMeasureBadURL checks URLs that cannot be called; the URL is not shown.
func TestMeasureBadURL(t *testing.T) {
	for _, u := range []string{"", "localhost:8080/x", "ftp://host/x", "http://[::1"} {
		_, err := New().Measure(context.Background(), nil, webMetric(v1alpha1.WebMetric{URL: u}), nil)
		if want := "url is not an http:// or https:// URL with a host"; err == nil || err.Error() != want {
			t.Errorf("URL %q: error = %v, want %q", u, err, want)
		}
	}
}

// TestMeasureInterrupted checks that a caller's cancellation is not reported
// as the call's own timeout.
func TestMeasureInterrupted(t *testing.T) {
	srv := serve(t, &fakeEndpoint{delay: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := New().Measure(ctx, nil, webMetric(v1alpha1.WebMetric{URL: srv.URL}), nil)
	if want := "GET " + srv.URL + ": request interrupted: context deadline exceeded"; err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
}

// TestMeasureLargeResponse checks the response size bound.
func TestMeasureLargeResponse(t *testing.T) {
	big := `{"pad":"` + strings.Repeat("x", maxResponseBytes) + `"}`
	srv := serve(t, &fakeEndpoint{body: big})
	_, err := New().Measure(context.Background(), nil, webMetric(v1alpha1.WebMetric{URL: srv.URL}), nil)
	if want := "GET " + srv.URL + ": response is larger than 10 MiB"; err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %q", err, want)
	}
}

// TestTextIsBounded checks that a long value's text is cut for status while
// the value stays whole.
func TestTextIsBounded(t *testing.T) {
	long := strings.Repeat("é", maxTextLength)
	srv := serve(t, &fakeEndpoint{body: fmt.Sprintf(`{"v":%q}`, long)})
	got, err := New().Measure(context.Background(), nil, webMetric(v1alpha1.WebMetric{URL: srv.URL, JSONPath: "{.v}"}), nil)
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	if got.Value != long {
		t.Errorf("value was cut")
	}
	if len(got.Text) > maxTextLength+len("…") || !strings.HasSuffix(got.Text, "…") || !strings.HasPrefix(got.Text, `"éé`) {
		t.Errorf("text = %q…, want at most %d bytes ending in …", got.Text[:20], maxTextLength)
	}
}

// TestErrorsHideHeaderValues checks that header values never reach an error
// message, even when the endpoint echoes them, and that the URL's query and
// user info are not shown.
func TestErrorsHideHeaderValues(t *testing.T) {
	const token, apiKey, queryToken, password = "Bearer from-a-secret", "key-from-a-secret", "qtoken-secret", "userinfo-pass"
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = fmt.Fprintf(w, `{"data":{%q:%q}}`, r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
	})
	srv := httptest.NewServer(echo)
	t.Cleanup(srv.Close)
	tests := []struct {
		url, jsonPath string
		echoed        bool // the jsonpath error quotes the echoed headers, so they must be masked
	}{
		{url: srv.URL + "/x?token=" + queryToken, jsonPath: "{.data[?(@.x==1)]}", echoed: true},
		{url: srv.URL + "/x?token=" + queryToken, jsonPath: "{.missing}"},
		{url: strings.Replace(srv.URL, "http://", "http://u:"+password+"@", 1) + "/x", jsonPath: "{.data[?(@.x==1)]}", echoed: true},
		{url: "http://u:" + password + "@127.0.0.1:1/x?token=" + queryToken},
	}
	for _, tt := range tests {
		spec := v1alpha1.WebMetric{
			URL:      tt.url,
			JSONPath: tt.jsonPath,
			Headers:  []v1alpha1.WebMetricHeader{{Key: "Authorization", Value: token}, {Key: "X-Api-Key", Value: apiKey}},
		}
		_, err := New().Measure(context.Background(), nil, webMetric(spec), nil)
		if err == nil {
			t.Fatalf("%s %s: no error", tt.url, tt.jsonPath)
		}
		for _, secret := range []string{token, apiKey, queryToken, password} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q contains %q", err, secret)
			}
		}
		if tt.echoed && !strings.Contains(err.Error(), "map[*****:*****]") {
			t.Errorf("error %q: want the echoed headers masked", err)
		}
	}
}

// TestInsecure checks that only an insecure metric accepts a self-signed
// certificate.
func TestInsecure(t *testing.T) {
	srv := httptest.NewUnstartedServer(&fakeEndpoint{body: `1`})
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	p := New()
	if _, err := p.Measure(context.Background(), nil, webMetric(v1alpha1.WebMetric{URL: srv.URL}), nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("secure call to a self-signed server: error = %v, want a certificate error", err)
	}
	got, err := p.Measure(context.Background(), nil, webMetric(v1alpha1.WebMetric{URL: srv.URL, Insecure: true}), nil)
	if err != nil || got.Value != 1.0 {
		t.Errorf("insecure call: %v, %v; want 1", got.Value, err)
	}
}

// TestProviderIdentity checks Type, Terminate, shared transports and a metric
// without a web provider.
func TestProviderIdentity(t *testing.T) {
	p := New()
	if p.Type() != "web" {
		t.Errorf("Type = %q", p.Type())
	}
	if err := p.Terminate(context.Background(), nil, v1alpha1.Metric{}, v1alpha1.Measurement{}); err != nil {
		t.Errorf("Terminate: %v", err)
	}
	if p.transport(false) != p.transport(false) || p.transport(false) == p.transport(true) {
		t.Errorf("want one shared secure and one shared insecure transport")
	}
	if _, err := p.Measure(context.Background(), nil, v1alpha1.Metric{Name: "m"}, nil); err == nil || err.Error() != `metric "m" has no web provider` {
		t.Errorf("error = %v", err)
	}
}

func mustDecode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}
