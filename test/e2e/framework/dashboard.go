package framework

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Dashboard is a running `kubectl sluice dashboard` process.
type Dashboard struct {
	// URL is the URL it printed, with its token.
	URL string
	// Origin is scheme://host:port, the base of every page.
	Origin string
	// Token is the token of URL.
	Token string
	run   *PluginRun
	f     *Framework
}

// dashboardURL is the URL with the token the dashboard prints.
var dashboardURL = regexp.MustCompile(`http://[^\s/]+/\?token=[A-Za-z0-9_-]+`)

// StartDashboard runs `kubectl sluice dashboard --no-open --port 0 ARGS...`
// in the test's namespace and waits until it prints its URL. The process is
// killed when the test ends (it serves until then).
func (f *Framework) StartDashboard(args ...string) *Dashboard {
	f.T.Helper()
	run := f.StartPlugin(append([]string{"dashboard", "--no-open", "--port", "0"}, args...)...)
	var printed string
	f.Eventually("the dashboard prints its URL", 60*time.Second, func() (bool, string) {
		select {
		case <-run.done:
			_, stderr, code := run.Wait(0)
			f.T.Fatalf("kubectl sluice dashboard exited (%d) before printing its URL:\nstdout:\n%s\nstderr:\n%s", code, run.Stdout(), stderr)
		default:
		}
		printed = dashboardURL.FindString(run.Stdout())
		return printed != "", run.Stdout()
	})
	u, err := url.Parse(printed)
	if err != nil {
		f.T.Fatalf("the dashboard printed %q: %v", printed, err)
	}
	return &Dashboard{URL: printed, Origin: u.Scheme + "://" + u.Host, Token: u.Query().Get("token"), run: run, f: f}
}

// Page is the absolute URL of a path of the dashboard ("/namespaces/...").
func (d *Dashboard) Page(path string) string {
	return d.Origin + "/" + strings.TrimPrefix(path, "/")
}

// Stderr is what the dashboard has written to stderr so far (warnings).
func (d *Dashboard) Stderr() string { return d.run.stderr.String() }

// Cookie is the session cookie the dashboard gives for its token, by the
// first visit a browser makes to the printed URL (a 303 that sets it).
func (d *Dashboard) Cookie() *http.Cookie {
	d.f.T.Helper()
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := client.Get(d.URL)
	if err != nil {
		d.f.T.Fatalf("GET the dashboard's URL: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		d.f.T.Fatalf("the first visit got %d with cookies %v, want a 303 setting the session cookie", resp.StatusCode, resp.Cookies())
	}
	return resp.Cookies()[0]
}

// Post sends a form to a path of the dashboard as a script on its own page
// would (the session cookie, same-origin headers), not through a button:
// the way to check what the server itself allows. It returns the status and
// the body.
func (d *Dashboard) Post(path string, form url.Values) (int, string) {
	d.f.T.Helper()
	req, err := http.NewRequestWithContext(d.f.Ctx, http.MethodPost, d.Page(path), strings.NewReader(form.Encode()))
	if err != nil {
		d.f.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", d.Origin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(d.Cookie())
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		d.f.T.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		d.f.T.Fatalf("POST %s: read the answer: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

// RolloutPath is the path of a Rollout's page.
func RolloutPath(namespace, name string) string {
	return fmt.Sprintf("/namespaces/%s/rollouts/%s", url.PathEscape(namespace), url.PathEscape(name))
}
