package browsertest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"leadgate/shared/browsertest"
)

// The check finds what it is there to find: a page with an image without a text
// alternative and a field without a label breaks axe-core's critical rules.
func TestViolationsFindsWhatIsWrong(t *testing.T) {
	if testing.Short() {
		t.Skip("drives Chromium; not in -short mode")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>Bad</title><main><img src="/x.png"><input type="text"></main></html>`))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bctx := browsertest.Start(t, ctx)
	if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range browsertest.Violations(t, bctx) {
		ids = append(ids, v.ID+"/"+v.Impact)
	}
	for _, want := range []string{"image-alt/critical", "label/critical"} {
		if !slices.Contains(ids, want) {
			t.Errorf("violations %v, want %s among them", ids, want)
		}
	}
}
