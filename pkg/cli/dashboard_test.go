package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The dashboard command listens on a free port when asked for port 0, prints
// the URL with the real port and the token, serves the Rollouts with the
// token, and stops cleanly (exit 0) when interrupted.
func TestDashboardServesOnThePrintedURL(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	out, outWriter := io.Pipe()
	var stderr bytes.Buffer
	cmd := newRootCommand(c.options())
	cmd.SetArgs([]string{"dashboard", "--port", "0", "--no-open"})
	cmd.SetOut(outWriter)
	cmd.SetErr(&stderr)
	exit := make(chan int, 1)
	go func() {
		exit <- ReportError(&stderr, cmd.ExecuteContext(ctx))
		outWriter.Close()
	}()

	first, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no URL printed (%v); stderr: %s", err, stderr.String())
	}
	go io.Copy(io.Discard, out)
	printed, ok := strings.CutPrefix(strings.TrimSpace(first), "sluice dashboard: ")
	if !ok {
		t.Fatalf("first line %q, want the URL", first)
	}
	u, err := url.Parse(printed)
	if err != nil || u.Hostname() != "127.0.0.1" || u.Port() == "0" || u.Port() == "" || len(u.Query().Get("token")) != 64 {
		t.Fatalf("URL %q: want 127.0.0.1, the real port and a 256-bit token", printed)
	}

	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(printed)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Errorf("the printed URL: %d with %d cookies, want 303 setting the cookie", resp.StatusCode, len(resp.Cookies()))
	}
	list, _ := http.NewRequest(http.MethodGet, "http://"+u.Host+"/", nil)
	list.Header.Set("Authorization", "Bearer "+u.Query().Get("token"))
	resp, err = client.Do(list)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-rollout="default/web"`) {
		t.Errorf("the list: %d, want 200 listing default/web", resp.StatusCode)
	}
	if resp, err := http.Get("http://" + u.Host + "/"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("without the token: %d, want 401", resp.StatusCode)
		}
	}

	interrupt()
	select {
	case code := <-exit:
		if code != ExitOK || stderr.Len() > 0 {
			t.Errorf("after Ctrl-C: exit %d, stderr %q; want 0 and nothing", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the dashboard did not stop when interrupted")
	}
}

func TestDashboardFlags(t *testing.T) {
	c := newFakeCluster(t, canaryRollout())
	r := c.run("dashboard", "--port", "70000")
	wantExit(t, r, ExitUsage)
	wantOneErrorLine(t, r, "error: --port must be 0 (any free port) to 65535, got 70000 (see 'kubectl sluice dashboard --help')")

	r = c.run("dashboard", "-A", "-n", "shop")
	wantExit(t, r, ExitUsage)
	wantOneErrorLine(t, r, "error: give -A (all namespaces) or -n NAMESPACE, not both (see 'kubectl sluice dashboard --help')")

	// An address other than loopback is warned about before anything else;
	// 192.0.2.1 (TEST-NET-1) is nobody's address, so listening fails.
	r = c.run("dashboard", "--address", "192.0.2.1", "--port", "0", "--no-open")
	wantExit(t, r, ExitFailure)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "warning: listening on 192.0.2.1: other machines can reach the dashboard") ||
		!strings.HasPrefix(lines[1], "error: cannot listen on 192.0.2.1 port 0: ") {
		t.Errorf("stderr %q, want the warning then why it cannot listen", r.stderr)
	}
}
