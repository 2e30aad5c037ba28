package localdev_test

import (
	"context"
	"testing"
	"time"

	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/localdev"
)

// TestEmbeddedKeepsDedupeMarkersForTheWindow checks that the store the local run
// opens keeps a dedupe marker as long as the captures' window, past the store's own
// default retention: a post within a long window stays a repeat after a restart
// (which prunes), and without the window the same post is a new submission.
func TestEmbeddedKeepsDedupeMarkersForTheWindow(t *testing.T) {
	ctx := context.Background()
	const window = 30 * 24 * time.Hour
	first := time.Now().UTC().Add(-10 * 24 * time.Hour).Truncate(time.Millisecond)
	for _, c := range []struct {
		name       string
		window     time.Duration
		wantRepeat bool
	}{
		{"the captures' window of 30 days", window, true},
		{"the store's default retention only", 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			b, err := localdev.Embedded(dir, c.window)
			if err != nil {
				t.Fatal(err)
			}
			page := storetest.Page("long-window")
			if err := b.Store.PutPage(ctx, page); err != nil {
				t.Fatal(err)
			}
			post := storetest.Capture(page, "ada@example.com", first, "newsletter")
			post.DedupeWindow = window
			if _, err := b.Store.Capture(ctx, post); err != nil {
				t.Fatal(err)
			}
			// A second lead, now, so the feed's newest change says what time it is.
			if _, err := b.Store.Capture(ctx, storetest.Capture(page, "grace@example.com", time.Now().UTC().Truncate(time.Millisecond), "newsletter")); err != nil {
				t.Fatal(err)
			}
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			// Opening again prunes what the store no longer needs.
			if b, err = localdev.Embedded(dir, c.window); err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			again := storetest.Capture(page, "ada@example.com", time.Now().UTC().Truncate(time.Millisecond), "newsletter")
			again.DedupeWindow = window
			res, err := b.Store.Capture(ctx, again)
			if err != nil {
				t.Fatal(err)
			}
			if res.Repeat != c.wantRepeat {
				t.Fatalf("a post 10 days after the first, within a 30-day window: repeat %v, want %v", res.Repeat, c.wantRepeat)
			}
		})
	}
}
