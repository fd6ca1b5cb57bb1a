package web

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// redirector answers every request with a 302 to location.
func redirector(location string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, location, http.StatusFound)
	})
}

// onLocalhost is a server URL with its 127.0.0.1 replaced by the name
// localhost: another host as far as origins (and net/http's header
// stripping) are concerned, yet served by the same test process.
func onLocalhost(t *testing.T, serverURL string) string {
	t.Helper()
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = "localhost:" + u.Port()
	return u.String()
}

// TestRedirectToAnotherHostIsNotFollowed: by default a redirect is reported,
// not followed, so a secret header (which net/http would forward to another
// host unless it is Authorization or Cookie) never leaves for the target.
func TestRedirectToAnotherHostIsNotFollowed(t *testing.T) {
	other := &fakeEndpoint{body: `{"ok":true}`}
	otherURL := onLocalhost(t, serve(t, other).URL)
	origin := httptest.NewServer(redirector(otherURL + "/steal?x=1"))
	t.Cleanup(origin.Close)

	for _, p := range []*Provider{New(), NewWithOptions(Options{FollowSameOriginRedirects: true})} {
		spec := v1alpha1.WebMetric{URL: origin.URL + "/check", Headers: []v1alpha1.WebMetricHeader{{Key: "X-Api-Key", Value: "key-from-a-secret"}}}
		_, err := p.Measure(context.Background(), nil, webMetric(spec), nil)
		if err == nil || !strings.Contains(err.Error(), "redirected to "+otherURL) || strings.Contains(err.Error(), "steal") {
			t.Errorf("follow same origin %v: error = %v, want it to say it redirected to %s (host only)", p.followSameOrigin, err, otherURL)
		}
		if got := other.request(); got.Method != "" {
			t.Fatalf("the redirect target got a request with X-Api-Key %q", got.Header.Get("X-Api-Key"))
		}
	}
}

// TestRedirectPolicy checks which redirects are followed with and without the
// same-origin opt-in, and the message of those that are not.
func TestRedirectPolicy(t *testing.T) {
	final := &fakeEndpoint{body: `{"ok":true}`}
	mux := http.NewServeMux()
	mux.Handle("/final", final)
	mux.Handle("/same", redirector("/final"))
	mux.Handle("/loop", redirector("/loop"))
	plain := httptest.NewServer(mux)
	t.Cleanup(plain.Close)
	tlsServer := httptest.NewUnstartedServer(redirector(plain.URL + "/final"))
	tlsServer.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsServer.StartTLS()
	t.Cleanup(tlsServer.Close)
	crossPort := httptest.NewServer(redirector(plain.URL + "/final"))
	t.Cleanup(crossPort.Close)

	tests := []struct {
		name       string
		url        string
		follow     bool
		wantErr    string // empty: the final endpoint answers
		wantReason string
	}{
		{name: "same origin, default", url: plain.URL + "/same", wantErr: "HTTP 302 Found: redirected to " + plain.URL, wantReason: "redirects are not followed"},
		{name: "same origin, opted in", url: plain.URL + "/same", follow: true},
		{name: "another port, opted in", url: crossPort.URL + "/x", follow: true, wantErr: "redirected to " + plain.URL, wantReason: "another origin"},
		{name: "https to http, default", url: tlsServer.URL + "/x", wantErr: "redirected to " + plain.URL, wantReason: "redirects are not followed"},
		{name: "https to http, opted in", url: tlsServer.URL + "/x", follow: true, wantErr: "redirected to " + plain.URL, wantReason: "from https to http"},
		{name: "endless same-origin redirects", url: plain.URL + "/loop", follow: true, wantErr: "request failed: stopped after 10 redirects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			final.mu.Lock()
			final.last = seenRequest{}
			final.mu.Unlock()
			p := NewWithOptions(Options{FollowSameOriginRedirects: tt.follow})
			spec := v1alpha1.WebMetric{URL: tt.url, Insecure: true, Headers: []v1alpha1.WebMetricHeader{{Key: "X-Api-Key", Value: "key-from-a-secret"}}}
			got, err := p.Measure(context.Background(), nil, webMetric(spec), nil)
			if tt.wantErr == "" {
				if err != nil || got.Text != `{"ok":true}` {
					t.Fatalf("Measure = %v, %v; want the final endpoint's answer", got, err)
				}
				if key := final.request().Header.Get("X-Api-Key"); key != "key-from-a-secret" {
					t.Errorf("same-origin target got X-Api-Key %q, want it forwarded", key)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.wantReason) {
				t.Fatalf("error = %v, want it to contain %q and %q", err, tt.wantErr, tt.wantReason)
			}
			if tt.name != "endless same-origin redirects" && final.request().Method != "" {
				t.Errorf("the redirect was followed")
			}
		})
	}
}

// TestSameOrigin checks the origin comparison, default ports included; a
// scheme change is never the same origin, so a downgrade is never followed.
func TestSameOrigin(t *testing.T) {
	tests := []struct {
		from, to string
		want     bool
	}{
		{"http://a.example/x", "http://a.example/y?z=1", true},
		{"http://a.example/x", "http://A.EXAMPLE:80/y", true},
		{"https://a.example:443/x", "https://a.example/y", true},
		{"http://[::1]:8080/x", "http://[::1]:8080/y", true},
		{"https://a.example/x", "http://a.example/x", false},
		{"https://a.example/x", "http://a.example:443/x", false},
		{"http://a.example/x", "https://a.example/x", false},
		{"http://a.example/x", "http://b.example/x", false},
		{"http://a.example/x", "http://a.example:8080/x", false},
		{"http://a.example/x", "http://a.example.evil/x", false},
	}
	for _, tt := range tests {
		from, _ := url.Parse(tt.from)
		to, _ := url.Parse(tt.to)
		if got := sameOrigin(from, to); got != tt.want {
			t.Errorf("sameOrigin(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}
