package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/chromedp/chromedp"
)

// browserTimes are what a user waits for in a browser: the list page loaded,
// and a change shown in it.
type browserTimes struct {
	domReady, loaded []time.Duration // navigation start → DOMContentLoaded / load
	shown            []time.Duration // change in the API server → the new image in the page
}

// timeInBrowser loads the list in headless Chromium n times and then changes
// n Rollouts, timing with the page's own clock (the same machine's) when the
// change lands in the page.
func (d *dashboardProc) timeInBrowser(ctx context.Context, c *cluster, chromium string, rollouts, n int) (browserTimes, error) {
	var bt browserTimes
	dir, err := os.MkdirTemp("", "dashboard-bench-chromium-")
	if err != nil {
		return bt, err
	}
	defer os.RemoveAll(dir)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.UserDataDir(dir), chromedp.WindowSize(1280, 900), chromedp.Flag("disable-dev-shm-usage", true))
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(alloc)
	defer cancelTab()
	defer chromedp.Cancel(tab)
	if err := chromedp.Do(tab, chromedp.Navigate(d.origin+"/?token="+d.token)); err != nil {
		return bt, err
	}
	for range n {
		if err := chromedp.Do(tab, chromedp.Navigate(d.origin+"/")); err != nil {
			return bt, err
		}
		timing, err := chromedp.Run(tab, chromedp.Evaluate[[]float64](`(() => {
  const t = performance.getEntriesByType("navigation")[0];
  return [t.domContentLoadedEventEnd, t.loadEventEnd, document.querySelectorAll("#rollouts tbody tr[data-rollout]").length];
})()`))
		if err != nil {
			return bt, err
		}
		if int(timing[2]) != rollouts {
			return bt, fmt.Errorf("the list page shows %d rows, want %d", int(timing[2]), rollouts)
		}
		bt.domReady = append(bt.domReady, msDuration(timing[0]))
		bt.loaded = append(bt.loaded, msDuration(timing[1]))
	}
	// Wait until the page's event stream is open before changing anything.
	time.Sleep(time.Second)
	for i := range n {
		image := fmt.Sprintf("example/app:%d", 1000+i)
		if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
  window.benchSeenAt = 0;
  if (window.benchObserver) window.benchObserver.disconnect();
  window.benchObserver = new MutationObserver(() => {
    if (!window.benchSeenAt && document.querySelector("#live").textContent.includes(%q)) window.benchSeenAt = Date.now();
  });
  window.benchObserver.observe(document.querySelector("#live"), {childList: true, subtree: true, characterData: true});
  return true;
})()`, image))); err != nil {
			return bt, err
		}
		written := time.Now()
		if err := c.touch(ctx, rollouts-1-i, 1000+i); err != nil {
			return bt, err
		}
		var seenAt float64
		for deadline := time.Now().Add(30 * time.Second); seenAt == 0; {
			if time.Now().After(deadline) {
				return bt, fmt.Errorf("the page did not show %s within 30s", image)
			}
			time.Sleep(50 * time.Millisecond)
			if seenAt, err = chromedp.Run(tab, chromedp.Evaluate[float64]("window.benchSeenAt")); err != nil {
				return bt, err
			}
		}
		bt.shown = append(bt.shown, time.UnixMilli(int64(seenAt)).Sub(written))
		time.Sleep(time.Second)
	}
	return bt, nil
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
