package framework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// PluginTimeout bounds every run of kubectl-sluice: long enough for a
// `status -w -t 60s` on a loaded machine, short enough that a plugin that never
// exits fails its test instead of the whole test binary's timeout.
const PluginTimeout = 3 * time.Minute

// pluginBuild is the kubectl-sluice binary of this test binary, built on first use
// so that test runs without plugin tests do not pay for the build.
var pluginBuild struct {
	once sync.Once
	dir  string // temporary directory holding the build; removed by RemovePluginBuild
	bin  string
	err  error
}

// pluginBinary returns $SLUICE_PLUGIN_BIN, or builds cmd/kubectl-sluice once into
// a directory of its own (test binaries running side by side must not overwrite
// each other's build).
func pluginBinary() (string, error) {
	pluginBuild.once.Do(func() {
		root, err := repoRoot()
		if err != nil {
			pluginBuild.err = err
			return
		}
		if bin := os.Getenv("SLUICE_PLUGIN_BIN"); bin != "" {
			if !filepath.IsAbs(bin) {
				bin = filepath.Join(root, bin) // relative to the repository, like SLUICE_CONTROLLER_BIN
			}
			pluginBuild.bin = bin
			return
		}
		dir, err := os.MkdirTemp("", "sluice-e2e-plugin-")
		if err != nil {
			pluginBuild.err = err
			return
		}
		pluginBuild.dir = dir
		bin := filepath.Join(dir, "kubectl-sluice")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/kubectl-sluice")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			pluginBuild.err = fmt.Errorf("build kubectl-sluice: %v\n%s", err, out)
			return
		}
		pluginBuild.bin = bin
	})
	return pluginBuild.bin, pluginBuild.err
}

// RemovePluginBuild deletes the binary pluginBinary built, if any. TestMain calls
// it after the tests.
func RemovePluginBuild() {
	if pluginBuild.dir != "" {
		_ = os.RemoveAll(pluginBuild.dir)
	}
}

// PluginRun is a kubectl-sluice process started by StartPlugin.
type PluginRun struct {
	f      *Framework
	args   []string
	cmd    *exec.Cmd
	ctx    context.Context // ends PluginTimeout after the start
	cancel context.CancelFunc
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	code   int
}

// Plugin runs `kubectl-sluice ARGS... --kubeconfig K -n NAMESPACE` to the end and
// returns what it printed and its exit code. It fails the test if the plugin
// cannot start or runs longer than PluginTimeout.
func (f *Framework) Plugin(args ...string) (stdout, stderr string, exitCode int) {
	f.T.Helper()
	return f.PluginWithInput("", args...)
}

// PluginWithInput is Plugin with stdin (for `-f -`).
func (f *Framework) PluginWithInput(stdin string, args ...string) (stdout, stderr string, exitCode int) {
	f.T.Helper()
	return f.startPlugin(stdin, args).Wait(PluginTimeout)
}

// StartPlugin starts kubectl-sluice in the background (a watch, say); Wait
// collects it. Its stdout is a pipe, not a terminal, as in a CI job.
func (f *Framework) StartPlugin(args ...string) *PluginRun {
	f.T.Helper()
	return f.startPlugin("", args)
}

func (f *Framework) startPlugin(stdin string, args []string) *PluginRun {
	f.T.Helper()
	bin, err := pluginBinary()
	if err != nil {
		f.T.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(f.Ctx, PluginTimeout)
	full := append(append([]string{}, args...), "--kubeconfig", f.Info.Kubeconfig, "-n", f.Namespace)
	r := &PluginRun{f: f, args: args, ctx: ctx, cancel: cancel, done: make(chan struct{}), code: -1}
	r.cmd = exec.CommandContext(ctx, bin, full...)
	r.cmd.Stdin = strings.NewReader(stdin)
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	r.cmd.WaitDelay = 5 * time.Second
	if err := r.cmd.Start(); err != nil {
		cancel()
		f.T.Fatalf("start kubectl-sluice %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		defer close(r.done)
		defer cancel()
		err := r.cmd.Wait()
		var exit *exec.ExitError
		switch {
		case err == nil:
			r.code = 0
		case errors.As(err, &exit) && exit.Exited():
			r.code = exit.ExitCode()
		}
		// A process killed by a signal keeps code -1: Wait reports it.
	}()
	// A test that ends early (a failed assertion) must not leave the process behind.
	f.T.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// Stdout is what the process has printed so far.
func (r *PluginRun) Stdout() string { return r.stdout.String() }

// Wait waits up to timeout (and never past PluginTimeout from the start) for the
// process to exit and returns its output and exit code. A process still running
// then, or killed by a signal, fails the test.
func (r *PluginRun) Wait(timeout time.Duration) (stdout, stderr string, exitCode int) {
	r.f.T.Helper()
	late := false
	select {
	case <-r.done:
	case <-time.After(timeout):
		late = true
		r.cancel()
		<-r.done
	}
	if r.code < 0 {
		why := fmt.Sprintf("was killed (%v)", r.cmd.ProcessState)
		if late || errors.Is(r.ctx.Err(), context.DeadlineExceeded) {
			why = fmt.Sprintf("did not exit within %s", min(timeout, PluginTimeout))
		}
		r.f.T.Fatalf("kubectl-sluice %s %s\nstdout:\n%s\nstderr:\n%s",
			strings.Join(r.args, " "), why, r.stdout.String(), r.stderr.String())
	}
	return r.stdout.String(), r.stderr.String(), r.code
}

// syncBuffer is a bytes.Buffer the process writes to while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
