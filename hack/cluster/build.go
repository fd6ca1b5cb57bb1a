package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// A buildGroup is a set of binaries produced by one go command. Building the
// four Kubernetes binaries in a single `go build` matters on CI's two cores:
// they share most packages, and one invocation compiles each package once.
type buildGroup struct {
	name string   // what is printed
	bins []string // binaries it produces, by file name
	// inputs identifies what the binaries are built from; a change (a version
	// bump in a wrapper go.mod, new ldflags) triggers a rebuild.
	inputs []byte
	// command returns the go command that writes the binaries into dir.
	command func(dir string) *exec.Cmd
}

// kubeLDFlags stamp the version into the Kubernetes binaries. Without it they
// report v0.0.0-master, which breaks the API server's compatibility-version
// logic and makes kubectl warn about version skew.
func kubeLDFlags() string {
	major, minor := "1", "36"
	var b strings.Builder
	b.WriteString("-s -w")
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		fmt.Fprintf(&b, " -X %s.gitVersion=%s -X %s.gitMajor=%s -X %s.gitMinor=%s -X %s.gitTreeState=clean",
			pkg, kubernetesVersion, pkg, major, pkg, minor, pkg)
	}
	return b.String()
}

// buildGroups lists the cached binaries and how to build each group.
func buildGroups(o *options) ([]buildGroup, error) {
	k8sDir := filepath.Join(o.repoRoot, "hack", "cluster", "k8s")
	etcdDir := filepath.Join(o.repoRoot, "hack", "cluster", "etcd")
	k8sInputs, err := moduleInputs(k8sDir, kubeLDFlags())
	if err != nil {
		return nil, err
	}
	etcdInputs, err := moduleInputs(etcdDir, "-s -w")
	if err != nil {
		return nil, err
	}
	kwokLD := "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=" + kwokVersion
	return []buildGroup{
		{
			name:   "kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (k8s.io/kubernetes " + kubernetesVersion + ")",
			bins:   []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"},
			inputs: k8sInputs,
			command: func(dir string) *exec.Cmd {
				cmd := goCommand("build", "-trimpath", "-ldflags", kubeLDFlags(), "-o", dir+string(filepath.Separator),
					"k8s.io/kubernetes/cmd/kube-apiserver",
					"k8s.io/kubernetes/cmd/kube-controller-manager",
					"k8s.io/kubernetes/cmd/kube-scheduler",
					"k8s.io/kubernetes/cmd/kubectl")
				cmd.Dir = k8sDir
				return cmd
			},
		},
		{
			name:   "etcd (go.etcd.io/etcd/server/v3, pinned in hack/cluster/etcd/go.mod)",
			bins:   []string{"etcd"},
			inputs: etcdInputs,
			command: func(dir string) *exec.Cmd {
				cmd := goCommand("build", "-trimpath", "-ldflags", "-s -w", "-o", filepath.Join(dir, "etcd"), "go.etcd.io/etcd/server/v3")
				cmd.Dir = etcdDir
				return cmd
			},
		},
		{
			name:   "kwok (sigs.k8s.io/kwok " + kwokVersion + ")",
			bins:   []string{"kwok"},
			inputs: []byte(kwokVersion + "\n" + kwokLD),
			command: func(dir string) *exec.Cmd {
				// go install pkg@version builds outside any module, from the
				// versions in kwok's own go.mod (checked against sum.golang.org).
				cmd := goCommand("install", "-trimpath", "-ldflags", kwokLD, "sigs.k8s.io/kwok/cmd/kwok@"+kwokVersion)
				cmd.Dir = dir
				cmd.Env = append(cmd.Env, "GOBIN="+dir)
				return cmd
			},
		},
	}, nil
}

// moduleInputs is what a wrapper module's binaries depend on: its go.mod and
// go.sum, plus the linker flags.
func moduleInputs(dir, ldflags string) ([]byte, error) {
	var b bytes.Buffer
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return nil, fmt.Errorf("wrapper module: %w", err)
		}
		b.Write(data)
	}
	b.WriteString(ldflags)
	return b.Bytes(), nil
}

// goCommand runs the go tool for a build that must not be influenced by the
// caller's workspace or flags: CGO off (static binaries), no go.work, no
// inherited GOFLAGS such as -mod=vendor.
func goCommand(args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	env := []string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GOFLAGS=") || strings.HasPrefix(kv, "GOWORK=") || strings.HasPrefix(kv, "CGO_ENABLED=") || strings.HasPrefix(kv, "GOBIN=") {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false")
	return cmd
}

// ensureBinaries builds every group whose binaries are missing or stale and
// reports what it did. Builds go to a temporary directory next to the cache
// and are renamed into place, so an interrupted build never leaves a
// half-written binary that a later run would trust. A file lock keeps two
// concurrent runs from building the same thing twice.
func ensureBinaries(ctx context.Context, o *options) error {
	binDir := o.binDir()
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return err
	}
	unlock, err := lockFile(filepath.Join(o.cacheDir, kubernetesVersion, ".build.lock"))
	if err != nil {
		return err
	}
	defer unlock()

	groups, err := buildGroups(o)
	if err != nil {
		return err
	}
	built := false
	for _, g := range groups {
		stampFile := filepath.Join(binDir, "."+g.bins[0]+".inputs")
		sum := sha256.Sum256(g.inputs)
		want := hex.EncodeToString(sum[:])
		if upToDate(binDir, g.bins, stampFile, want) {
			continue
		}
		built = true
		if err := buildGroupInto(ctx, o, g, binDir); err != nil {
			return err
		}
		if err := os.WriteFile(stampFile, []byte(want+"\n"), 0o644); err != nil {
			return err
		}
	}
	if !built {
		logf("using cached binaries in %s", binDir)
	}
	return nil
}

func upToDate(binDir string, bins []string, stampFile, want string) bool {
	for _, b := range bins {
		if fi, err := os.Stat(filepath.Join(binDir, b)); err != nil || fi.Size() == 0 {
			return false
		}
	}
	got, err := os.ReadFile(stampFile)
	return err == nil && strings.TrimSpace(string(got)) == want
}

func buildGroupInto(ctx context.Context, o *options, g buildGroup, binDir string) error {
	tmp, err := os.MkdirTemp(filepath.Dir(binDir), ".build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	logPath := filepath.Join(o.cacheDir, kubernetesVersion, "build-"+g.bins[0]+".log")
	logOut, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logOut.Close()

	cmd := g.command(tmp)
	cmd.Stdout, cmd.Stderr = logOut, logOut
	// Own process group: Ctrl-C is handled below by killing the whole build.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf("building %s ...", g.name)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("build %s: %w", g.bins[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
		return fmt.Errorf("build %s interrupted", g.bins[0])
	}
	if err != nil {
		return fmt.Errorf("building %s failed (%v); last lines of %s:\n%s", g.bins[0], err, logPath, tailFile(logPath, 30))
	}
	for _, b := range g.bins {
		if err := os.Rename(filepath.Join(tmp, b), filepath.Join(binDir, b)); err != nil {
			return fmt.Errorf("build %s: %w", b, err)
		}
	}
	logf("built %s in %s", strings.Join(g.bins, ", "), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// tryLockFile takes an exclusive flock on path, or fails at once if another
// process holds it.
func tryLockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// lockFile takes an exclusive flock on path, waiting for another holder.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		logf("waiting for another build in %s to finish ...", filepath.Dir(path))
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, err
		}
	}
	return func() { f.Close() }, nil
}

// runBuild is the `build` command: fill the binary cache and stop. CI can run
// it as a separate, timed step before the tests.
func runBuild(ctx context.Context, args []string) error {
	var o options
	fs := newFlagSet("build", &o)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := o.resolve(); err != nil {
		return err
	}
	return ensureBinaries(ctx, &o)
}
