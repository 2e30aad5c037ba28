package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/pagefile"
	"leadgate/shared/richtext"
)

// TestApplyWrittenPageFileRoundTrip applies, with leadctl, the page file the console
// downloads (pagefile.Write) of a page that sets every setting: the page stored is
// the page written, its texts rendered to sanitised HTML as every save renders them.
// Then pages delete removes it, and refuses a second time.
func TestApplyWrittenPageFileRoundTrip(t *testing.T) {
	srv, ts, _ := devServer(t)
	ctx := context.Background()
	if err := srv.Store.PutMagnet(ctx, storetest.Magnet()); err != nil {
		t.Fatal(err)
	}
	want := storetest.FullPage("full-guide")
	data, err := pagefile.Write(want)
	if err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, "full-guide.yaml", string(data))
	if out, err := leadctl(t, "pages", "apply", "-f", file, "-api", ts.URL, "-token", testToken); err != nil {
		t.Fatalf("pages apply: %v\n%s", err, out)
	}
	got, err := srv.Store.Page(ctx, want.Slug)
	if err != nil {
		t.Fatal(err)
	}
	got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}
	want.DescriptionHTML, want.ThankYouHTML = richtext.HTML(want.Description), richtext.HTML(want.ThankYouContent)
	if want.DescriptionHTML == "" || want.ThankYouHTML == "" {
		t.Fatal("the fixture's texts render to nothing")
	}
	if g, w := pageJSON(t, got), pageJSON(t, want); g != w {
		t.Fatalf("applied page differs:\n got %s\nwant %s", g, w)
	}

	out, err := leadctl(t, "pages", "delete", want.Slug, "-api", ts.URL, "-token", testToken)
	if err != nil || !strings.Contains(out, "deleted page full-guide") {
		t.Fatalf("pages delete: %v\n%s", err, out)
	}
	if _, err := srv.Store.Page(ctx, want.Slug); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("page after delete: %v", err)
	}
	if _, err := leadctl(t, "pages", "delete", want.Slug, "-api", ts.URL, "-token", testToken); err == nil || !strings.Contains(err.Error(), "no such page") {
		t.Fatalf("deleting again: %v", err)
	}
}

func pageJSON(t *testing.T, p leadgate.Page) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
