package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// The test cluster runs its own Prometheus process (not the Debian service):
// its own config, its own data dir in the state dir, its own port. It scrapes
// the test exporter every second so that rate() over 10 s windows moves within
// a few seconds of a change.

const prometheusJob = "sluice-test-exporter"

// findPrometheus locates the prometheus binary: /usr/bin/prometheus (Debian's
// package) first, then $PATH.
func findPrometheus() (string, error) {
	if fi, err := os.Stat("/usr/bin/prometheus"); err == nil && !fi.IsDir() {
		return "/usr/bin/prometheus", nil
	}
	if p, err := exec.LookPath("prometheus"); err == nil {
		return p, nil
	}
	return "", errors.New("prometheus not found (neither /usr/bin/prometheus nor on PATH): install it with `apt-get install -y prometheus`, or pass --prometheus=false")
}

// startPrometheus writes the scrape config and starts Prometheus.
func startPrometheus(o *options, r *runner, bin string) (*proc, error) {
	dir := filepath.Join(o.stateDir, "prometheus")
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "prometheus.yml")
	cfg := fmt.Sprintf(`# Written by hack/cluster: scrape the sluice test exporter every second.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
- job_name: %s
  static_configs:
  - targets: ["127.0.0.1:%d"]
`, prometheusJob, o.exporterPort)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	return r.start("prometheus", stopWithClients, bin, []string{
		"--config.file=" + cfgPath,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--storage.tsdb.retention.time=1d",
		"--web.listen-address=" + fmt.Sprintf("127.0.0.1:%d", o.prometheusPort),
		"--web.external-url=" + fmt.Sprintf("http://127.0.0.1:%d", o.prometheusPort),
		"--log.level=warn",
	}, nil)
}

// waitPrometheus waits until Prometheus is ready and has scraped the exporter
// successfully once, so that queries made right after `up` find data.
func waitPrometheus(ctx context.Context, o *options, p *proc) error {
	base := fmt.Sprintf("http://127.0.0.1:%d", o.prometheusPort)
	if err := waitUntil(ctx, p, "Prometheus to be ready", 60*time.Second, func() error {
		_, err := httpGet(http.DefaultClient, base+"/-/ready")
		return err
	}); err != nil {
		return err
	}
	query := fmt.Sprintf(`up{job=%q}`, prometheusJob)
	return waitUntil(ctx, p, "Prometheus's first scrape of the exporter", 30*time.Second, func() error {
		v, err := promQueryScalar(base, query)
		if err != nil {
			return err
		}
		if v != 1 {
			return fmt.Errorf("%s = %v", query, v)
		}
		return nil
	})
}

// promQueryScalar runs an instant query and returns the value of its first
// sample.
func promQueryScalar(base, query string) (float64, error) {
	body, err := httpGet(http.DefaultClient, base+"/api/v1/query?query="+url.QueryEscape(query))
	if err != nil {
		return 0, err
	}
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		return 0, err
	}
	if resp.Status != "success" || len(resp.Data.Result) == 0 {
		return 0, fmt.Errorf("no result for %s", query)
	}
	s, _ := resp.Data.Result[0].Value[1].(string)
	var v float64
	_, err = fmt.Sscan(s, &v)
	return v, err
}
