package configcache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"leadgate/shared/configcache"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// countingStore counts page reads and can fail them.
type countingStore struct {
	leadgate.Store
	reads int
	page  leadgate.Page
	err   error
}

func (c *countingStore) Page(_ context.Context, slug string) (leadgate.Page, error) {
	c.reads++
	if c.err != nil {
		return leadgate.Page{}, c.err
	}
	if slug != c.page.Slug {
		return leadgate.Page{}, leadgate.Errorf(leadgate.ENOTFOUND, "no page")
	}
	return c.page, nil
}

func (c *countingStore) PutPage(_ context.Context, p leadgate.Page) error { c.page = p; return nil }

func TestPagesAreReadOncePerTTL(t *testing.T) {
	now := storetest.T0
	inner := &countingStore{page: storetest.Page("cached")}
	s := configcache.New(inner, time.Minute, func() time.Time { return now })
	ctx := context.Background()
	for range 5 {
		if _, err := s.Page(ctx, "cached"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Page(ctx, "unknown"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
			t.Fatalf("unknown page: %v", err)
		}
	}
	if inner.reads != 2 {
		t.Fatalf("%d reads within the TTL, want 2 (one per slug)", inner.reads)
	}
	now = now.Add(time.Minute)
	if _, err := s.Page(ctx, "cached"); err != nil || inner.reads != 3 {
		t.Fatalf("after the TTL: %d reads, %v", inner.reads, err)
	}
	p := storetest.Page("cached")
	p.Title = "Changed"
	if err := s.PutPage(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Page(ctx, "cached"); got.Title != "Changed" {
		t.Fatalf("a page written through the cache is stale: %q", got.Title)
	}
	inner.err = errors.New("table unreachable")
	if _, err := s.Page(ctx, "other"); err == nil {
		t.Fatal("failure hidden")
	}
	inner.err = nil
	if _, err := s.Page(ctx, "other"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("a failure was cached: %v", err)
	}
}
