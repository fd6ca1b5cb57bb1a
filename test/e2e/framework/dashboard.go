package framework

import (
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
	return &Dashboard{URL: printed, Origin: u.Scheme + "://" + u.Host, Token: u.Query().Get("token"), run: run}
}

// Page is the absolute URL of a path of the dashboard ("/namespaces/...").
func (d *Dashboard) Page(path string) string {
	return d.Origin + "/" + strings.TrimPrefix(path, "/")
}

// Stderr is what the dashboard has written to stderr so far (warnings).
func (d *Dashboard) Stderr() string { return d.run.stderr.String() }
