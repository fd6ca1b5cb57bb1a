package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The test exporter (./test/exporter) stands in for the metrics of the
// application being rolled out: Prometheus scrapes it and the tests steer its
// error rate and latency per version through its /control endpoint.

// buildExporter compiles ./test/exporter into the state dir. It is built on
// every `up` (a few hundred ms with a warm build cache), so the cluster always
// runs the exporter of the working tree.
func buildExporter(ctx context.Context, o *options) (string, error) {
	out := filepath.Join(o.stateDir, "bin", "sluice-test-exporter")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./test/exporter")
	cmd.Dir = o.repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if output, err := cmd.CombinedOutput(); err != nil {
		lines := strings.Split(strings.TrimRight(string(output), "\n"), "\n")
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		return "", fmt.Errorf("building ./test/exporter failed (%v):\n    %s", err, strings.Join(lines, "\n    "))
	}
	return out, nil
}

// startExporter runs the exporter; waitExporter waits for its /metrics.
func startExporter(o *options, r *runner, bin string) (*proc, error) {
	addr := fmt.Sprintf("127.0.0.1:%d", o.exporterPort)
	return r.start("exporter", stopWithClients, bin, []string{
		"--addr=" + addr,
		"--rate=" + strconv.FormatFloat(o.exporterRate, 'f', -1, 64),
		// Written before the exporter starts; the exporter connects on first use,
		// once the API server is up.
		"--kubeconfig=" + filepath.Join(o.stateDir, "kubeconfig"),
	}, nil)
}

func waitExporter(ctx context.Context, o *options, p *proc) error {
	addr := fmt.Sprintf("127.0.0.1:%d", o.exporterPort)
	return waitUntil(ctx, p, "the test exporter", 30*time.Second, func() error {
		_, err := httpGet(http.DefaultClient, "http://"+addr+"/metrics")
		return err
	})
}
