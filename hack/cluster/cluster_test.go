package main

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestPKI(t *testing.T) {
	p, err := writePKI(t.TempDir(), net.ParseIP(kubernetesSvcIP))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(readCert(t, p.path("ca.crt")))

	serving := readCert(t, p.path("apiserver.crt"))
	if _, err := serving.Verify(x509.VerifyOptions{DNSName: "127.0.0.1", Roots: roots}); err != nil {
		t.Errorf("apiserver cert for 127.0.0.1: %v", err)
	}
	if _, err := serving.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: roots}); err != nil {
		t.Errorf("apiserver cert for localhost: %v", err)
	}

	admin := readCert(t, p.path("admin.crt"))
	if _, err := admin.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("admin client cert: %v", err)
	}
	if !slices.Contains(admin.Subject.Organization, "system:masters") {
		t.Errorf("admin groups = %v, want system:masters", admin.Subject.Organization)
	}

	// The front-proxy client is signed by its own CA, not the cluster CA.
	fp := readCert(t, p.path("front-proxy-client.crt"))
	if _, err := fp.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("front-proxy client cert verifies against the cluster CA")
	}
	for _, f := range []string{"sa.key", "sa.pub", "front-proxy-ca.crt", "scheduler.key", "controller-manager.crt"} {
		if _, err := os.Stat(p.path(f)); err != nil {
			t.Error(err)
		}
	}
}

// TestKWOKConfig checks that the embedded KWOK config decodes, has one
// KwokConfiguration and the stages the pod contract relies on.
func TestKWOKConfig(t *testing.T) {
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(kwokConfigYAML+"\n---\n"+kwokStagesYAML), 4096)
	kinds := map[string]int{}
	var stages []string
	for {
		var obj struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
			Spec struct {
				ResourceRef struct{ APIGroup, Kind string } `json:"resourceRef"`
				Selector    *struct{}                       `json:"selector"`
			} `json:"spec"`
		}
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatal(err)
		}
		kinds[obj.Kind]++
		if obj.Kind == "Stage" {
			if obj.Spec.Selector == nil {
				t.Errorf("stage %s has no selector (KWOK ignores such stages)", obj.Metadata.Name)
			}
			if obj.Spec.ResourceRef.APIGroup != "v1" {
				t.Errorf("stage %s: resourceRef.apiGroup = %q, want v1", obj.Metadata.Name, obj.Spec.ResourceRef.APIGroup)
			}
			stages = append(stages, obj.Metadata.Name)
		}
	}
	if kinds["KwokConfiguration"] != 1 {
		t.Errorf("KwokConfiguration documents = %d, want 1", kinds["KwokConfiguration"])
	}
	for _, want := range []string{"node-initialize", "node-heartbeat", "pod-start-ready", "pod-start", "pod-ready", "pod-unready", "pod-hold", "pod-complete", "pod-terminate", "pod-delete"} {
		if !slices.Contains(stages, want) {
			t.Errorf("stage %s missing", want)
		}
	}
	for _, annotation := range []string{"sluice.test/hold-unready", "sluice.test/ready-delay", "sluice.test/job-result", "sluice.test/job-duration", "sluice.test/termination-delay"} {
		if !strings.Contains(kwokStagesYAML, `["`+annotation+`"]`) && !strings.Contains(kwokStagesYAML, `"`+annotation+`"`) {
			t.Errorf("stages do not use %s", annotation)
		}
	}
}

// TestStopProcesses starts a process that ignores SIGTERM and one that does
// not, and checks that both are gone after stopProcesses, and that a record
// whose start time does not match (a reused PID) is left alone.
func TestStopProcesses(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	r := newRunner(t.TempDir())
	polite, err := r.start("polite", stopWithClients, "sh", []string{"-c", "exec sleep 60"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stubborn, err := r.start("stubborn", stopWithEtcd, "sh", []string{"-c", "trap '' TERM; while :; do sleep 0.05; done"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stranger := procRecord{Name: "stranger", PID: polite.PID, StartTicks: polite.StartTicks + 1}
	if stranger.alive() {
		t.Fatal("a record with another start time counts as alive")
	}
	if !polite.alive() || !stubborn.alive() {
		t.Fatal("started processes are not alive")
	}
	time.Sleep(100 * time.Millisecond) // let sh install its trap
	start := time.Now()
	if err := stopProcesses(r.state.Processes, 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*proc{polite, stubborn} {
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			t.Errorf("%s still running", p.Name)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stopProcesses took %s", d)
	}
	st, err := readState(r.stateDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Processes) != 2 || st.Processes[0].PID != polite.PID || st.Processes[1].StopPhase != stopWithEtcd {
		t.Errorf("state file = %+v", st.Processes)
	}
}

func TestCheckPortFree(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	err = checkPortFree(port, "apiserver-port", "kube-apiserver")
	if err == nil || !strings.Contains(err.Error(), strconv.Itoa(port)) || !strings.Contains(err.Error(), "--apiserver-port") {
		t.Errorf("checkPortFree on a taken port = %v, want an error naming the port and flag", err)
	}
}

func TestEnvQuoting(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	weird := `/tmp/it's a "dir" $HOME`
	out, err := exec.Command("sh", "-c", "eval $(printf '%s' \"$1\"); printf '%s' \"$X\"", "sh", "export X="+shellQuote(weird)+";").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, []byte(weird)) {
		t.Errorf("round trip through eval = %q, want %q", out, weird)
	}
}

func TestManifestFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.yaml", "a.yml", "c.json", "README.md"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := manifestFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.yml"), filepath.Join(dir, "b.yaml"), filepath.Join(dir, "c.json")}
	if !slices.Equal(got, want) {
		t.Errorf("manifestFiles = %v, want %v", got, want)
	}
	if got, err := manifestFiles(filepath.Join(dir, "missing")); err != nil || len(got) != 0 {
		t.Errorf("missing dir: %v, %v", got, err)
	}
}
