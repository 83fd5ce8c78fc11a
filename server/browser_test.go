package server

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
)

// newPhoneBrowser starts a headless Chromium sized like a 360x740 phone and
// returns a chromedp context for it. Without Chromium the test is skipped,
// unless LAWCONTEST_REQUIRE_BROWSER is set (scripts/test.sh sets it, so CI
// cannot pass by skipping).
func newPhoneBrowser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("LAWCONTEST_CHROMIUM")
	if path == "" {
		path, _ = exec.LookPath("chromium")
	}
	if path == "" {
		if os.Getenv("LAWCONTEST_REQUIRE_BROWSER") != "" {
			t.Fatal("Chromium not found: install the chromium package or set LAWCONTEST_CHROMIUM")
		}
		t.Skip("Chromium not found; browser tests skipped")
	}
	// Chromium may still be writing its profile as it exits, which trips
	// t.TempDir's strict cleanup; remove the folder ourselves.
	profile, err := os.MkdirTemp("", "lawcontest-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	// These flags keep Chromium off the (closed) network: without them it
	// stalls trying to reach Google's services.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.WindowSize(360, 740),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// Generous: the whole suite runs with -race, two packages at once, and
	// Chromium shares the same two cores (a long flow once took 93 s).
	ctx, cancelTimeout := context.WithTimeout(ctx, 150*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		os.RemoveAll(profile)
	})
	phone := device.Info{Name: "phone", UserAgent: "Mozilla/5.0 (Linux; Android 13) Mobile", Width: 360, Height: 740, Scale: 2, Mobile: true, Touch: true}
	if err := chromedp.Run(ctx, chromedp.Emulate(phone)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// noHorizontalScroll fails the test when the page is wider than the phone.
func noHorizontalScroll(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	var width int
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.documentElement.scrollWidth`, &width)); err != nil {
		t.Fatal(err)
	}
	if width > 360 {
		t.Errorf("%s is %d px wide on a 360 px phone", page, width)
	}
}
