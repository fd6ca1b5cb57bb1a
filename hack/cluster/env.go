package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// clusterInfoFile is the machine-readable description of a running cluster,
// written by `up` and removed by `down`. The Go e2e framework reads it to find
// the cluster; `env` turns it into shell exports.
const clusterInfoFile = "cluster.json"

// ClusterInfo is the content of cluster.json. Paths are absolute; URLs are
// empty for parts that were not started (Prometheus with --prometheus=false).
type ClusterInfo struct {
	KubernetesVersion string    `json:"kubernetesVersion"`
	Kubeconfig        string    `json:"kubeconfig"`
	APIServerURL      string    `json:"apiServerURL"`
	PrometheusURL     string    `json:"prometheusURL"`
	ExporterURL       string    `json:"exporterURL"`
	BinDir            string    `json:"binDir"`
	Kubectl           string    `json:"kubectl"`
	StateDir          string    `json:"stateDir"`
	LogDir            string    `json:"logDir"`
	Nodes             []string  `json:"nodes"`
	StartedAt         time.Time `json:"startedAt"`
}

func writeClusterInfo(stateDir string, info ClusterInfo) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(stateDir, clusterInfoFile), append(data, '\n'), 0o644)
}

func readClusterInfo(stateDir string) (*ClusterInfo, error) {
	data, err := os.ReadFile(filepath.Join(stateDir, clusterInfoFile))
	if err != nil {
		return nil, err
	}
	var info ClusterInfo
	return &info, json.Unmarshal(data, &info)
}

// runEnv is the `env` command. Each line ends in ';' so that the unquoted
// form eval $(go run ./hack/cluster env) works too.
func runEnv(args []string) error {
	var o options
	fs := newFlagSet("env", &o)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := o.resolve(); err != nil {
		return err
	}
	info, err := readClusterInfo(o.stateDir)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no running cluster in %s: start one with `go run ./hack/cluster up`", o.stateDir)
	}
	if err != nil {
		return err
	}
	if st, err := readState(o.stateDir); err != nil || !anyAlive(st.Processes) {
		return fmt.Errorf("the cluster in %s is not running (its processes are gone): run `go run ./hack/cluster down` then `up`", o.stateDir)
	}
	fmt.Printf("export KUBECONFIG=%s;\n", shellQuote(info.Kubeconfig))
	fmt.Printf("export SLUICE_CLUSTER_DIR=%s;\n", shellQuote(o.stateDir))
	fmt.Printf("export SLUICE_CLUSTER_INFO=%s;\n", shellQuote(filepath.Join(o.stateDir, clusterInfoFile)))
	fmt.Printf("export SLUICE_PROMETHEUS_URL=%s;\n", shellQuote(info.PrometheusURL))
	fmt.Printf("export SLUICE_EXPORTER_URL=%s;\n", shellQuote(info.ExporterURL))
	fmt.Printf("export PATH=%s:\"$PATH\";\n", shellQuote(info.BinDir))
	return nil
}

func anyAlive(recs []procRecord) bool {
	for _, r := range recs {
		if r.alive() {
			return true
		}
	}
	return false
}

// shellQuote quotes s for POSIX shells.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
