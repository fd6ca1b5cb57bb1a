// Package framework runs sluice's end-to-end tests against the local cluster that
// `go run ./hack/cluster up` starts: a real kube-apiserver, etcd,
// kube-controller-manager, kube-scheduler, KWOK nodes, a test exporter and Prometheus.
//
// Each test gets its own namespace, labelled with the test's name, and bounded waits
// that say what they waited for. When a test fails, the objects and events of its
// namespace (and the controller's log, once a controller runs) are written to the
// test log.
package framework

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// ClusterInfo is what hack/cluster writes to <state-dir>/cluster.json.
type ClusterInfo struct {
	Kubeconfig    string `json:"kubeconfig"`
	PrometheusURL string `json:"prometheusURL"`
	ExporterURL   string `json:"exporterURL"`
	BinDir        string `json:"binDir"`
	// Kubectl is the kubectl binary of the cluster's Kubernetes version.
	Kubectl string `json:"kubectl"`
	// StateDir is the cluster's --state-dir (state.json, logs); LogDir its
	// logs directory.
	StateDir string `json:"stateDir"`
	LogDir   string `json:"logDir"`
	// APIServerURL is https://127.0.0.1:PORT.
	APIServerURL string `json:"apiServerURL"`
}

// LoadClusterInfo reads cluster.json from $SLUICE_CLUSTER_DIR, or from .cluster in
// the repository root.
func LoadClusterInfo() (*ClusterInfo, error) {
	dir := os.Getenv("SLUICE_CLUSTER_DIR")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(root, ".cluster")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "cluster.json"))
	if err != nil {
		return nil, fmt.Errorf("no local cluster (start one with `make cluster-up`): %w", err)
	}
	var info ClusterInfo
	if err := json.Unmarshal(raw, &info); err != nil {
		return nil, fmt.Errorf("read %s/cluster.json: %w", dir, err)
	}
	return &info, nil
}

// repoRoot walks up from the working directory to the directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the working directory")
		}
		dir = parent
	}
}
