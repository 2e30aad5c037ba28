package console_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"leadgate/shared/console"
	"leadgate/shared/golden"
	"leadgate/shared/leadgate"
)

// magnetMarks are the marks of the magnets area's renderers (see
// TestGoldenCoversEveryRenderer).
var magnetMarks = map[string]string{
	"writeMagnetsList": `<caption>Each magnet's file as the bucket confirmed it`,
	"writeMagnetSize":  `<td class="n">2.5 MiB</td>`,
	"writeUploadedAt":  `<time datetime="2026-03-01T08:00:00Z">`,
	"writePageLinks":   `<ul class="plain"><li><a href="/p/spring-guide">`,
	"writeMagnetForm":  `<h2 id="settings-title">Settings</h2>`,
	"writeMagnetField": `<input id="title" name="title" type="text"`,
	"writeTextField":   `<input id="url" name="url" type="text" maxlength="2000"`,
	"writeMagnetFile":  `<progress id="upload-progress" max="100" value="0"`,
}

// putGoldenMagnets stores the magnet the golden pages gate ("m", its file
// uploaded from the console) and one whose file is not confirmed.
func putGoldenMagnets(t *testing.T, s *goldenSite) {
	t.Helper()
	for _, m := range []leadgate.Magnet{
		{ID: "m", Title: `The "spring" playbook <2026>`, Kind: "ebook", ObjectKey: "magnets/m.pdf", FileName: "Spring Playbook.pdf",
			ContentType: "application/pdf", Size: 5 << 19, UploadedAt: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)},
		{ID: "pricing", Title: "Pricing checklist", Kind: "checklist", ObjectKey: "magnets/pricing.pdf", FileName: "Pricing.pdf",
			ContentType: "application/pdf"},
	} {
		m.CreatedAt = goldenNow.Add(-48 * time.Hour)
		if err := s.store.PutMagnet(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGoldenMagnetPages(t *testing.T) {
	s := newGoldenSite(t, false)
	putGoldenMagnets(t, s)
	cases := []struct {
		name, method, target string
		body                 url.Values
		status               int
	}{
		{name: "magnets", method: "GET", target: console.MagnetsPath, status: 200},
		{name: "magnet-new", method: "GET", target: console.NewMagnetPath, status: 200},
		{name: "magnet-edit", method: "GET", target: console.MagnetPath("m"), status: 200},
		// A refused edit: the form again with the typed values and each message
		// beside its field; nothing saved (CSRF missing would be a 403, so the
		// golden session's token is sent).
		{name: "magnet-edit-invalid", method: "POST", target: console.MagnetPath("m"), status: 422,
			body: url.Values{"title": {"  "}, "kind": {"ebook"}, "file_name": {`bad/"name".pdf`}, "content_type": {"pdf"}}},
		{name: "magnet-new-invalid", method: "POST", target: console.NewMagnetPath, status: 422,
			body: url.Values{"id": {"Spring Guide"}, "title": {"Spring <guide>"}, "file_name": {"guide.pdf"}, "content_type": {"application/pdf"}}},
		{name: "magnet-not-found", method: "GET", target: console.MagnetPath("nobody"), status: 404},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.body != nil {
				tc.body.Set("csrf", goldenCSRF(t))
			}
			golden.Check(t, tc.name+".html", s.page(t, tc.method, tc.target, tc.body, true, tc.status))
		})
	}
	if m, err := s.store.Magnet(context.Background(), "m"); err != nil || m.FileName != "Spring Playbook.pdf" {
		t.Fatalf("a refused save changed the magnet: %+v, %v", m, err)
	}
}

func TestGoldenEmptyMagnetsList(t *testing.T) {
	s := newGoldenSite(t, true)
	golden.Check(t, "magnets-empty.html", s.page(t, "GET", console.MagnetsPath, nil, true, 200))
}
