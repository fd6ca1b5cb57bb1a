package framework

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	"github.com/chromedp/chromedp"
)

// BrowserStepTimeout bounds one browser step (a navigation, a click, a
// screenshot): far more than any of them takes, so a hung browser fails the
// step that hung instead of the whole test binary.
const BrowserStepTimeout = 30 * time.Second

// Browser is a headless Chromium for one test, driven over the DevTools
// protocol. It has a fresh profile, and it is closed (with every process it
// started) when the test ends.
type Browser struct {
	f   *Framework
	ctx context.Context // the browser's one tab
	// Artifacts is the directory screenshots are saved in.
	Artifacts string
}

// chromiumPath is $SLUICE_CHROMIUM, Debian's /usr/bin/chromium, or chromium
// on the PATH; "" when there is none.
func chromiumPath() string {
	if p := os.Getenv("SLUICE_CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	p, _ := exec.LookPath("chromium")
	return p
}

// NewBrowser starts Chromium headless. A machine without Chromium fails the
// test, saying how to install it: the browser tests are never skipped.
func (f *Framework) NewBrowser() *Browser {
	f.T.Helper()
	path := chromiumPath()
	if path == "" {
		f.T.Fatal("chromium is not installed: the dashboard's browser tests need it " +
			"(apt-get install -y chromium; .ci/run installs it), or set SLUICE_CHROMIUM to a Chromium binary")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(f.T.TempDir()), // a fresh profile: no cookie from another test
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-background-networking", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(f.Ctx, opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(f.T.Logf))
	b := &Browser{f: f, ctx: ctx, Artifacts: artifactsDir(f.T.Name())}
	// Closing the first tab's context closes the browser and waits for its
	// processes to end: no Chromium is left behind, even when the test fails.
	f.T.Cleanup(func() {
		closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = chromedp.Cancel(closeCtx)
		cancelTab()
		cancelAlloc()
	})
	// The first call starts the browser, which lives as long as that call's
	// context: so it gets the tab's context, not one with a step's timeout.
	if err := chromedp.Do(ctx); err != nil {
		f.T.Fatalf("start chromium (%s): %v", path, err)
	}
	return b
}

// artifactsDir is where a test's screenshots go: $SLUICE_E2E_ARTIFACTS (or
// the temporary directory's sluice-e2e-artifacts) / the test's name. It is
// kept after the test, for people to look at.
func artifactsDir(testName string) string {
	root := os.Getenv("SLUICE_E2E_ARTIFACTS")
	if root == "" {
		root = filepath.Join(os.TempDir(), "sluice-e2e-artifacts")
	}
	return filepath.Join(root, regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(testName, "_"))
}

// Run performs browser actions, failing the test with what it was doing if
// they fail or take longer than BrowserStepTimeout.
func (b *Browser) Run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.f.T.Helper()
	if _, err := BrowserValue(b, chromedp.Steps(actions...)); err != nil {
		b.f.T.Fatalf("browser: %s: %v", what, err)
	}
}

// BrowserValue runs one browser action that has a result (chromedp.Evaluate,
// chromedp.Text...) within BrowserStepTimeout.
func BrowserValue[T any](b *Browser, action chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, BrowserStepTimeout)
	defer cancel()
	return chromedp.Run(ctx, action)
}

// Eval evaluates a JavaScript expression in the page and returns its result,
// failing the test if it throws.
func Eval[T any](b *Browser, what, expression string) T {
	b.f.T.Helper()
	v, err := BrowserValue(b, chromedp.Evaluate[T](expression))
	if err != nil {
		b.f.T.Fatalf("browser: %s: %v", what, err)
	}
	return v
}

// Screenshot saves the whole page as name.png in the artefacts directory
// and returns the file's path.
func (b *Browser) Screenshot(name string) string {
	b.f.T.Helper()
	png, err := BrowserValue(b, chromedp.FullScreenshot(100))
	if err != nil {
		b.f.T.Fatalf("browser: screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(b.Artifacts, 0o755); err != nil {
		b.f.T.Fatal(err)
	}
	path := filepath.Join(b.Artifacts, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.f.T.Fatal(err)
	}
	b.f.T.Logf("screenshot: %s", path)
	return path
}

// WaitUntil polls a JavaScript expression that returns [done, detail] until
// done, failing the test after timeout with what it waited for and the last
// detail. It returns when done was first seen.
func (b *Browser) WaitUntil(what string, timeout time.Duration, expression string) time.Time {
	b.f.T.Helper()
	var last string
	var seen time.Time
	b.f.Eventually(what, timeout, func() (bool, string) {
		result, err := BrowserValue(b, chromedp.Evaluate[[]any](expression))
		if err != nil {
			last = err.Error()
			return false, last
		}
		if len(result) != 2 {
			return false, fmt.Sprintf("the check returned %v, want [done, detail]", result)
		}
		last = fmt.Sprint(result[1])
		done, _ := result[0].(bool)
		if done {
			seen = time.Now()
		}
		return done, last
	})
	return seen
}
