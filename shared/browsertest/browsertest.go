// Package browsertest starts the real browser the end-to-end tests drive (Debian's
// Chromium, through chromedp), takes their screenshots, and checks pages with
// axe-core. Only tests import it.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"leadgate/shared/testenv"
)

// ChromiumPath is Debian's chromium, which infra/test.sh installs.
const ChromiumPath = "/usr/bin/chromium"

// PersonAgent is the User-Agent the browser sends: a desktop Chrome's. Headless
// Chromium says "HeadlessChrome", which the hosted page counts as a bot, as it does
// for the previews and monitors that run it; the tests play a person.
const PersonAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// Start starts Chromium, headless, with a fresh profile and a 1280 × 900 window,
// under ctx, and returns a browser context; the browser is closed and waited for
// when the test ends. It ends the test with testenv.Missing when Chromium is not
// installed.
func Start(t *testing.T, ctx context.Context, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	testenv.File(t, ChromiumPath, "install Debian's chromium (apt-get install chromium; make test does)")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ChromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.UserAgent(PersonAgent),
		chromedp.WindowSize(1280, 900),
	)
	opts = append(opts, extra...)
	allocCtx, stopAllocator := chromedp.NewExecAllocator(ctx, opts...)
	bctx, stopBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		stopBrowser()   // closes the browser
		stopAllocator() // kills it if it still runs, and waits for it
	})
	return bctx
}

// ScreenshotDir is where screenshots go: LEADGATE_SCREENSHOTS when set (to keep
// them), else a folder of the test's own.
func ScreenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("LEADGATE_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Screenshot saves the whole page as dir/name, a PNG, and fails the test if the
// browser gave something else.
func Screenshot(t *testing.T, bctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if len(png) < 1000 || !bytes.HasPrefix(png, pngMagic) {
		t.Fatalf("screenshot %s: %d bytes, not a PNG of a page", name, len(png))
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// axeScript is axe-core's script, read once per test binary.
var axeScript string

// Violation is one axe-core rule a page breaks, with where.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

func (v Violation) String() string {
	var where []string
	for _, n := range v.Nodes {
		where = append(where, fmt.Sprint(n.Target...))
	}
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(where, ", "))
}

// CheckAccessibility runs axe-core on the page bctx shows (Violations) and fails
// the test for each serious or critical violation; what names the page in the
// messages. Minor and moderate ones are logged.
func CheckAccessibility(t *testing.T, bctx context.Context, what string) {
	t.Helper()
	for _, v := range Violations(t, bctx) {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: %s", what, v)
		} else {
			t.Logf("%s: %s", what, v)
		}
	}
}

// Violations runs axe-core (LEADGATE_AXE_JS, installed by infra/local/axe-core.sh)
// on the page bctx shows, with the WCAG 2.x A and AA rules and best practices, and
// returns what it finds. The script is evaluated through DevTools, which the page's
// Content-Security-Policy does not govern, so the page's own policy stays as strict
// as it is.
func Violations(t *testing.T, bctx context.Context) []Violation {
	t.Helper()
	if axeScript == "" {
		path := testenv.Endpoint(t, "LEADGATE_AXE_JS", "install it with `bash infra/local/axe-core.sh install` and run with "+
			"LEADGATE_AXE_JS=$(bash infra/local/axe-core.sh path); make test does")
		b, err := os.ReadFile(testenv.File(t, path, "install it with `bash infra/local/axe-core.sh install`"))
		if err != nil {
			t.Fatal(err)
		}
		axeScript = string(b)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[bool](axeScript+"\n;true")); err != nil {
		t.Fatalf("load axe-core: %v", err)
	}
	const run = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})
		.then(r => JSON.stringify(r.violations))`
	out, err := chromedp.Run(bctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	var violations []Violation
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		t.Fatalf("axe-core's answer: %v", err)
	}
	return violations
}
