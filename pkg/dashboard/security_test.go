package dashboard

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

// A request as the matrix varies it.
type securityCase struct {
	goodHost bool
	token    string // "none", "wrong", "right"
	via      string // "cookie", "bearer", "query"
	method   string
	path     string // "page" or "action"
	origin   string // "same", "same-site", "cross", "cross-origin-header", "none"
	readOnly bool
}

func (c securityCase) String() string {
	host := "good host"
	if !c.goodHost {
		host = "bad host"
	}
	return fmt.Sprintf("%s, %s token by %s, %s %s, origin %s, read-only %v", host, c.token, c.via, c.method, c.path, c.origin, c.readOnly)
}

// expected is the rule the dashboard must follow, written out on its own:
// a foreign Host is refused first (403); a GET with ?token= is the first
// visit (303 with the right token, else 401); without the right token in a
// cookie or bearer header, 401; a change from another site, 403; GET on an
// action path, 405; an action when read-only, 403; else the page (200) or the
// action done (200).
func (c securityCase) expected() int {
	switch {
	case !c.goodHost:
		return http.StatusForbidden
	case c.via == "query" && c.token != "none" && c.method == http.MethodGet:
		if c.token == "right" {
			return http.StatusSeeOther
		}
		return http.StatusUnauthorized
	case c.token != "right" || c.via == "query":
		return http.StatusUnauthorized
	case c.method == http.MethodPost && c.origin != "same" && c.origin != "none":
		return http.StatusForbidden
	case c.path == "action" && c.method == http.MethodGet:
		return http.StatusMethodNotAllowed
	case c.path == "action" && c.readOnly:
		return http.StatusForbidden
	case c.path == "page" && c.method == http.MethodPost:
		return http.StatusMethodNotAllowed
	}
	return http.StatusOK
}

func (c securityCase) request(rollout string) *http.Request {
	target := "/"
	if c.path == "action" {
		target = "/namespaces/default/rollouts/" + rollout + "/pause"
	}
	secret := map[string]string{"none": "", "wrong": strings.Repeat("f", len(testToken)), "right": testToken}[c.token]
	if c.via == "query" && secret != "" {
		target += "?" + url.Values{tokenParam: {secret}}.Encode()
	}
	r := httptest.NewRequest(c.method, target, strings.NewReader(""))
	r.Host = fmt.Sprintf("127.0.0.1:%d", testPort)
	if !c.goodHost {
		r.Host = fmt.Sprintf("rebound.example:%d", testPort)
	}
	if secret != "" {
		switch c.via {
		case "cookie":
			r.AddCookie(&http.Cookie{Name: cookieName(testPort), Value: secret})
		case "bearer":
			r.Header.Set("Authorization", "Bearer "+secret)
		}
	}
	switch c.origin {
	case "same":
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.Header.Set("Origin", "http://"+r.Host)
	case "same-site": // another port of the same host: the cookie goes along
		r.Header.Set("Sec-Fetch-Site", "same-site")
		r.Header.Set("Origin", "http://127.0.0.1:9999")
	case "cross":
		r.Header.Set("Sec-Fetch-Site", "cross-site")
		r.Header.Set("Origin", "http://attacker.example")
	case "cross-origin-header": // a browser too old to send Sec-Fetch-Site
		r.Header.Set("Origin", "http://attacker.example")
	}
	return r
}

// Every combination of Host, token (and how it is sent), method, path,
// origin and read-only gets the status the rule says, and only a request the
// rule lets through to an action changes the Rollout: a refused one, a
// cross-origin POST and a GET to an action path write nothing.
func TestSecurityMatrix(t *testing.T) {
	var cases []securityCase
	for _, goodHost := range []bool{true, false} {
		for _, tok := range []struct{ token, via string }{{"none", "cookie"}, {"wrong", "cookie"}, {"wrong", "bearer"}, {"wrong", "query"}, {"right", "cookie"}, {"right", "bearer"}, {"right", "query"}} {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				for _, path := range []string{"page", "action"} {
					for _, origin := range []string{"same", "same-site", "cross", "cross-origin-header", "none"} {
						for _, readOnly := range []bool{false, true} {
							cases = append(cases, securityCase{goodHost, tok.token, tok.via, method, path, origin, readOnly})
						}
					}
				}
			}
		}
	}
	// One Rollout per case, so each action that is let through has its own
	// Rollout to change and every other one must leave its own untouched.
	var ros []runtime.Object
	for i := range cases {
		ros = append(ros, canaryRollout(fmt.Sprintf("r%d", i)))
	}
	fixtures := map[bool]*fixture{
		false: newFixture(t, fixtureOptions{}, ros),
		true:  newFixture(t, fixtureOptions{readOnly: true}, ros),
	}
	for _, f := range fixtures {
		f.t = t
	}
	for i, c := range cases {
		f := fixtures[c.readOnly]
		name := fmt.Sprintf("r%d", i)
		w := httptest.NewRecorder()
		f.handler.ServeHTTP(w, c.request(name))
		if want := c.expected(); w.Code != want {
			t.Errorf("%s: status %d, want %d (%s)", c, w.Code, want, strings.TrimSpace(w.Body.String()))
		}
		wrote := slices.Contains(f.writes(), "patch rollouts "+name)
		if want := c.expected() == http.StatusOK && c.path == "action"; wrote != want {
			t.Errorf("%s: wrote to the Rollout %v, want %v", c, wrote, want)
		}
		if got := f.rollout(name).Spec.Paused; got != (c.expected() == http.StatusOK && c.path == "action") {
			t.Errorf("%s: spec.paused %v after the request", c, got)
		}
	}
	t.Logf("%d combinations", len(cases))
}

// The first visit trades the token for a cookie the browser keeps from
// scripts and from other sites' requests, and takes the token out of the URL.
func TestTokenExchange(t *testing.T) {
	f := newFixture(t, fixtureOptions{}, nil)
	f.t = t
	r := httptest.NewRequest(http.MethodGet, "/namespaces/default/rollouts/web?token="+testToken+"&x=1", nil)
	r.Host = fmt.Sprintf("localhost:%d", testPort)
	w := httptest.NewRecorder()
	f.handler.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("status %d, want 303", w.Code)
	}
	if loc := w.Header().Get("Location"); loc != "/namespaces/default/rollouts/web?x=1" {
		t.Errorf("redirect to %q, want the same URL without the token", loc)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies %v, want one", cookies)
	}
	c := cookies[0]
	if c.Name != cookieName(testPort) || c.Value != testToken || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
		t.Errorf("cookie %+v, want %s=token, HttpOnly, SameSite=Strict, Path=/", c, cookieName(testPort))
	}
	for header, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
		if got := w.Header().Get(header); got != want {
			t.Errorf("%s %q, want %q", header, got, want)
		}
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q allows more than the dashboard's own scripts, or framing", csp)
	}
}

func TestHostAllowed(t *testing.T) {
	loopback := Endpoint{Address: "127.0.0.1", Port: 3100}
	everywhere := Endpoint{Address: "0.0.0.0", Port: 3100}
	lan := Endpoint{Address: "192.168.1.5", Port: 3100}
	for _, tc := range []struct {
		host string
		e    Endpoint
		want bool
	}{
		{"127.0.0.1:3100", loopback, true},
		{"localhost:3100", loopback, true},
		{"LOCALHOST:3100", loopback, true},
		{"[::1]:3100", loopback, true},
		{"127.0.0.1:3101", loopback, false},
		{"localhost", loopback, false},
		{"rebound.example:3100", loopback, false},
		{"127.0.0.1.nip.io:3100", loopback, false},
		{"localhost.:3100", loopback, false},
		{"", loopback, false},
		{"192.168.1.5:3100", loopback, false},
		{"192.168.1.5:3100", lan, true},
		{"127.0.0.1:3100", lan, true},
		{"10.0.0.7:3100", lan, false},
		{"10.0.0.7:3100", everywhere, true},
		{"rebound.example:3100", everywhere, false},
		{"localhost", Endpoint{Address: "127.0.0.1", Port: 80}, true},
	} {
		if got := hostAllowed(tc.host, tc.e); got != tc.want {
			t.Errorf("Host %q for %s:%d: allowed %v, want %v", tc.host, tc.e.Address, tc.e.Port, got, tc.want)
		}
	}
}

// The event stream answers only the dashboard's own pages: a page of
// another site that opens it is refused.
func TestEventStreamChecksOrigin(t *testing.T) {
	f := newFixture(t, fixtureOptions{}, nil)
	f.t = t
	server := httptest.NewServer(f.handler)
	defer server.Close()
	host := fmt.Sprintf("127.0.0.1:%d", testPort)
	for _, tc := range []struct {
		name        string
		origin, sfs string
		want        int
	}{
		{"same origin", "http://" + host, "same-origin", http.StatusOK},
		{"no Origin (the browser's own EventSource, a script)", "", "", http.StatusOK},
		{"another site", "http://attacker.example", "cross-site", http.StatusForbidden},
		{"another site, by Origin only", "http://attacker.example", "", http.StatusForbidden},
		{"same site, other port", "http://127.0.0.1:9999", "same-site", http.StatusForbidden},
	} {
		r, _ := http.NewRequest(http.MethodGet, server.URL+"/events?topic=list", nil)
		r.Host = host
		r.AddCookie(&http.Cookie{Name: cookieName(testPort), Value: testToken})
		if tc.origin != "" {
			r.Header.Set("Origin", tc.origin)
		}
		if tc.sfs != "" {
			r.Header.Set("Sec-Fetch-Site", tc.sfs)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}

func TestEndpointURL(t *testing.T) {
	for _, tc := range []struct {
		e    Endpoint
		want string
	}{
		{Endpoint{Address: "127.0.0.1", Port: 3100, Token: "abc"}, "http://127.0.0.1:3100/?token=abc"},
		{Endpoint{Address: "::1", Port: 3100, Token: "abc"}, "http://[::1]:3100/?token=abc"},
		{Endpoint{Address: "0.0.0.0", Port: 41000, Token: "abc"}, "http://127.0.0.1:41000/?token=abc"},
	} {
		if got := tc.e.URL(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
	a, _ := NewToken()
	b, _ := NewToken()
	if len(a) != 64 || a == b {
		t.Errorf("tokens %q and %q: want two different 256-bit hex tokens", a, b)
	}
}
