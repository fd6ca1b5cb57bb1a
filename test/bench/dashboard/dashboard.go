package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// dashboardProc is the plugin's dashboard, running as a process.
type dashboardProc struct {
	cmd     *exec.Cmd
	origin  string
	token   string
	startup time.Duration // from start until it printed its URL (its caches filled)
	client  *http.Client
}

var printedURL = regexp.MustCompile(`http://[^\s/]+/\?token=[0-9a-f]+`)

// startDashboard runs `kubectl-sluice dashboard --no-open --port 0` for the
// bench's namespace and waits for the URL it prints.
func startDashboard(ctx context.Context, bin string, c *cluster) (*dashboardProc, error) {
	cmd := exec.CommandContext(ctx, bin, "dashboard", "--no-open", "--port", "0", "--kubeconfig", c.kubeconfig, "-n", c.namespace)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	d := &dashboardProc{cmd: cmd, client: &http.Client{Timeout: time.Minute}}
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if found := printedURL.FindString(lines.Text()); found != "" {
			d.startup = time.Since(start)
			u, err := url.Parse(found)
			if err != nil {
				d.stop()
				return nil, err
			}
			d.origin, d.token = u.Scheme+"://"+u.Host, u.Query().Get("token")
			go io.Copy(io.Discard, out) // keep its stdout drained
			return d, nil
		}
	}
	d.stop()
	return nil, fmt.Errorf("the dashboard exited without printing its URL")
}

// stop ends the process and waits for it.
func (d *dashboardProc) stop() {
	if d.cmd.Process != nil {
		_ = d.cmd.Process.Kill()
	}
	_ = d.cmd.Wait()
}

// get fetches a path as a script does (bearer token) and returns the body.
func (d *dashboardProc) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.origin+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return body, err
}

// timeGets fetches a path n times, one after the other, and returns how long
// each took (to the last byte) and the size of the answer.
func (d *dashboardProc) timeGets(ctx context.Context, path string, n int) ([]time.Duration, int, error) {
	var times []time.Duration
	size := 0
	for range n {
		start := time.Now()
		body, err := d.get(ctx, path)
		if err != nil {
			return nil, 0, err
		}
		times = append(times, time.Since(start))
		size = len(body)
	}
	return times, size, nil
}

// timeLiveUpdates listens to the list page's event stream as the page does,
// changes one Rollout at a time, and measures how long after the API server
// took the change the stream said "changed" (event), and how long until the
// list's live part, fetched then as the page fetches it, held the new image
// (shown).
func (d *dashboardProc) timeLiveUpdates(ctx context.Context, c *cluster, n int) (event, shown []time.Duration, err error) {
	streamCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	changed, err := d.listen(streamCtx, "list")
	if err != nil {
		return nil, nil, err
	}
	for i := range n {
		image := 2 + i
		if err := c.touch(ctx, i, image); err != nil {
			return nil, nil, err
		}
		written := time.Now()
		select {
		case <-changed:
		case <-time.After(30 * time.Second):
			return nil, nil, fmt.Errorf("no change event 30s after rollout app-%04d changed", i)
		}
		event = append(event, time.Since(written))
		body, err := d.get(ctx, "/parts/list")
		if err != nil {
			return nil, nil, err
		}
		if !strings.Contains(string(body), "example/app:"+strconv.Itoa(image)) {
			return nil, nil, fmt.Errorf("the list's part after the change event lacks app-%04d's new image", i)
		}
		shown = append(shown, time.Since(written))
		// Let the debounce window close, so the next change starts afresh.
		time.Sleep(time.Second)
		drain(changed)
	}
	return event, shown, nil
}

// listen opens the event stream of a topic and sends on the channel at each
// "changed" event.
func (d *dashboardProc) listen(ctx context.Context, topic string) (<-chan struct{}, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.origin+"/events?topic="+url.QueryEscape(topic), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := (&http.Client{}).Do(req) // no timeout: the stream stays open
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("event stream: %s", resp.Status)
	}
	changed := make(chan struct{}, 16)
	go func() {
		defer resp.Body.Close()
		lines := bufio.NewScanner(resp.Body)
		for lines.Scan() {
			if lines.Text() == "event: changed" {
				select {
				case changed <- struct{}{}:
				default:
				}
			}
		}
	}()
	return changed, nil
}

func drain(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

// rssKiB is the dashboard process's resident memory, 0 when unknown.
func (d *dashboardProc) rssKiB() int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", d.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return kib
		}
	}
	return 0
}
