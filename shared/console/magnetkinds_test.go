package console_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"leadgate/shared/console"
	"leadgate/shared/leadgate"
)

// Each kind created and edited through the settings form: only the chosen kind's
// settings are stored (another kind's fields sent along are dropped), a kind
// changed on edit drops the old kind's, and a refused form stores nothing.
func TestMagnetKindsThroughTheForm(t *testing.T) {
	ctx := context.Background()
	s := newMagnetSite(t)
	session := s.signIn(t, "ada@example.com")
	csrf := s.csrf(t, session)
	// Every field of every kind is sent, as a browser sends the whole form.
	all := func(id, delivery string) []string {
		return []string{"id", id, "title", "The " + id, "kind", "offer", "delivery", delivery,
			"file_name", "Guide.pdf", "content_type", "application/pdf", "link_url", "https://events.example.com/w/1",
			"coupon_alert_below", "25", "coupon_alert_to", "ops@example.com",
			"trial_url", "https://app.example.com/signup", "trial_mode", "token", "trial_param", "lg"}
	}
	for _, d := range []string{"file", "bundle", "link", "coupon", "trial"} {
		wantRedirect(t, "create "+d, s.post(t, console.NewMagnetPath, magnetForm(csrf, all(d+"-one", d)...), session), console.MagnetPath(d+"-one")+"?saved=1")
	}
	got := func(id string) leadgate.Magnet {
		t.Helper()
		m, err := s.store.Magnet(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := got("file-one"); m.Delivery != "" || m.ObjectKey != "magnets/file-one.pdf" || m.LinkURL != "" || m.CouponAlertBelow != 0 || m.TrialURL != "" {
		t.Errorf("file: %+v", m)
	}
	if m := got("bundle-one"); m.Delivery != leadgate.DeliveryBundle || len(m.Bundle) != 0 || m.ObjectKey != "" || m.FileName != "" || m.LinkURL != "" {
		t.Errorf("bundle: %+v", m)
	}
	if m := got("link-one"); m.Delivery != leadgate.DeliveryLink || m.LinkURL != "https://events.example.com/w/1" || m.ObjectKey != "" || m.TrialURL != "" {
		t.Errorf("link: %+v", m)
	}
	if m := got("coupon-one"); m.Delivery != leadgate.DeliveryCoupon || m.CouponAlertBelow != 25 || m.CouponAlertTo != "ops@example.com" || m.LinkURL != "" {
		t.Errorf("coupon: %+v", m)
	}
	if m := got("trial-one"); m.Delivery != leadgate.DeliveryTrial || m.TrialURL != "https://app.example.com/signup" || m.TrialMode != leadgate.TrialSigned ||
		m.TrialParam != "lg" || m.CouponAlertTo != "" {
		t.Errorf("trial: %+v", m)
	}
	want(t, "trial page", s.get(t, console.MagnetPath("trial-one"), session), 200, `<code id="trial-secret">`, "lg=&lt;token&gt;")
	want(t, "link page", s.get(t, console.MagnetPath("link-one"), session), 200, `<input type="radio" id="delivery-link" name="delivery" value="link" checked>`)

	// A file magnet turned into a link: its file is no longer its own.
	edit := magnetForm(csrf, all("file-one", "link")...)
	wantRedirect(t, "file to link", s.post(t, console.MagnetPath("file-one"), edit, session), console.MagnetPath("file-one")+"?saved=1")
	if m := got("file-one"); m.DeliveryKind() != leadgate.DeliveryLink || m.ObjectKey != "" || m.FileName != "" || m.ContentType != "" {
		t.Errorf("file turned link: %+v", m)
	}

	// Refused, 422 with the message beside the field, nothing stored or changed.
	for _, tc := range []struct {
		name, field, value, error string
	}{
		{"http link", "link_url", "http://events.example.com/w/1", `id="link_url-error"`},
		{"private link", "link_url", "https://10.0.0.8/admin", "no private address"},
		{"localhost link", "link_url", "https://localhost:8080/", "no private address"},
		{"threshold no number", "coupon_alert_below", "ten", "a whole number"},
		{"threshold negative", "coupon_alert_below", "-1", `id="coupon_alert_below-error"`},
		{"trial mode", "trial_mode", "both", `id="trial_mode-error"`},
		{"trial param", "trial_param", "Has Space", `id="trial_param-error"`},
		{"unknown kind", "delivery", "ebook", `id="delivery-error"`},
	} {
		kind := map[string]string{"link_url": "link", "coupon_alert_below": "coupon", "trial_mode": "trial", "trial_param": "trial", "delivery": "ebook"}[tc.field]
		before := got("link-one")
		f := magnetForm(csrf, all("link-one", kind)...)
		f.Set(tc.field, tc.value)
		f.Set("title", "Changed")
		want(t, tc.name, s.post(t, console.MagnetPath("link-one"), f, session), 422, tc.error, "Nothing was saved")
		if after := got("link-one"); after.Title != before.Title || after.DeliveryKind() != before.DeliveryKind() {
			t.Errorf("%s: a refused edit changed the magnet: %+v", tc.name, after)
		}
		f.Set("id", "refused-"+strings.ReplaceAll(tc.name, " ", "-"))
		want(t, tc.name+" on create", s.post(t, console.NewMagnetPath, f, session), 422, tc.error)
		if _, err := s.store.Magnet(ctx, f.Get("id")); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
			t.Errorf("%s: a refused create stored the magnet (%v)", tc.name, err)
		}
	}
	// No CSRF token, or none that is this session's: 403, nothing changed.
	f := magnetForm("forged", all("link-one", "trial")...)
	want(t, "forged token", s.post(t, console.MagnetPath("link-one"), f, session), 403)
	if m := got("link-one"); m.DeliveryKind() != leadgate.DeliveryLink {
		t.Fatalf("a forged form changed the magnet: %+v", m)
	}
}

// A bundle assembled as the upload script does it (link, PUT, finished), then
// labelled, ordered and pruned in its one form.
func TestBundleUploadAndArrange(t *testing.T) {
	ctx := context.Background()
	s := newMagnetSite(t)
	session := s.signIn(t, "ada@example.com")
	csrf := s.csrf(t, session)
	wantRedirect(t, "create", s.post(t, console.NewMagnetPath, magnetForm(csrf, "id", "kit", "title", "Kit", "delivery", "bundle"), session), console.MagnetPath("kit")+"?saved=1")
	want(t, "empty bundle", s.get(t, console.MagnetPath("kit"), session), 200, "No files yet.", "needs at least 2 files",
		`data-finished="/console/magnets/kit/bundle/upload-finished"`, `action="/console/magnets/kit/bundle/upload-link"`)
	upload := func(name string, body []byte) answer {
		t.Helper()
		file := magnetForm(csrf, "file_name", name, "content_type", "application/pdf", "size", strconv.Itoa(len(body)))
		a := s.ask(t, console.MagnetBundleUploadLinkPath("kit"), file, session)
		if a.status != http.StatusOK {
			return a
		}
		if code := s.putFile(t, a.body.URL, "application/pdf", body); code != http.StatusOK && code != http.StatusNoContent && code != http.StatusCreated {
			t.Fatalf("PUT %s: %d", name, code)
		}
		return s.ask(t, console.MagnetBundleUploadFinishPath("kit"), file, session)
	}
	for _, name := range []string{"Guide.pdf", "Sheet.pdf", "Notes.pdf"} {
		if a := upload(name, []byte("%PDF "+name)); a.status != http.StatusOK || !strings.Contains(a.body.Message, "Added "+name) {
			t.Fatalf("upload %s: %d %+v", name, a.status, a.body)
		}
	}
	// Finished without the file in the bucket: refused, nothing added.
	missing := magnetForm(csrf, "file_name", "Ghost.pdf", "content_type", "application/pdf", "size", "10")
	if a := s.ask(t, console.MagnetBundleUploadFinishPath("kit"), missing, session); a.status != http.StatusUnprocessableEntity {
		t.Fatalf("finished without an upload: %d %+v", a.status, a.body)
	}
	// The same name again replaces that file in its place.
	if a := upload("Sheet.pdf", []byte("%PDF a longer sheet")); a.status != http.StatusOK {
		t.Fatalf("replace: %d %+v", a.status, a.body)
	}
	names := func() []string {
		m, err := s.store.Magnet(ctx, "kit")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range m.Bundle {
			out = append(out, f.Name())
		}
		return out
	}
	if got := names(); !slices.Equal(got, []string{"Guide.pdf", "Sheet.pdf", "Notes.pdf"}) {
		t.Fatalf("bundle %v", got)
	}
	want(t, "bundle page", s.get(t, console.MagnetPath("kit"), session), 200, `<input id="label.2" name="label.2"`, `name="remove" value="2"`)

	arrange := func(kv ...string) response {
		t.Helper()
		f := magnetForm(csrf, "files", "3", "label.0", "The guide", "label.1", "", "label.2", "Notes")
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return s.post(t, console.MagnetBundlePath("kit"), f, session)
	}
	wantRedirect(t, "move down", arrange("down", "0"), console.MagnetPath("kit")+"?arranged=1#bundle-title")
	if got := names(); !slices.Equal(got, []string{"Sheet.pdf", "The guide", "Notes"}) {
		t.Fatalf("after moving the guide down: %v", got)
	}
	// A label too long: 422 beside its file, nothing changed.
	r := arrange("label.0", strings.Repeat("x", 121), "remove", "1")
	want(t, "long label", r, 422, `id="label.0-error"`, "Nothing was saved")
	if got := names(); !slices.Equal(got, []string{"Sheet.pdf", "The guide", "Notes"}) {
		t.Fatalf("a refused arrangement changed the bundle: %v", got)
	}
	// A form of a bundle that changed since: refused.
	want(t, "stale form", arrange("files", "2"), 422, "reload the page")
	wantRedirect(t, "remove", arrange("label.0", "Sheet", "remove", "1"), console.MagnetPath("kit")+"?arranged=1#bundle-title")
	if got := names(); !slices.Equal(got, []string{"Sheet", "Notes"}) {
		t.Fatalf("after removing the guide: %v", got)
	}
	wantRedirect(t, "move up", arrange("files", "2", "label.0", "Sheet", "label.1", "Notes", "up", "1"), console.MagnetPath("kit")+"?arranged=1#bundle-title")
	if got := names(); !slices.Equal(got, []string{"Notes", "Sheet"}) {
		t.Fatalf("after moving the notes up: %v", got)
	}
	// At most 10 files.
	for i := range 8 {
		if a := upload("More "+strconv.Itoa(i)+".pdf", []byte("%PDF")); a.status != http.StatusOK {
			t.Fatalf("file %d: %d %+v", i+3, a.status, a.body)
		}
	}
	if a := upload("Eleven.pdf", []byte("%PDF")); a.status != http.StatusUnprocessableEntity || !strings.Contains(a.body.Fields[0].Message, "at most 10") {
		t.Fatalf("eleventh file: %d %+v", a.status, a.body)
	}
	// Another kind's magnet has no bundle.
	wantRedirect(t, "link magnet", s.post(t, console.NewMagnetPath, magnetForm(csrf, "id", "web", "title", "Web", "delivery", "link", "link_url", "https://example.com/w"), session), console.MagnetPath("web")+"?saved=1")
	if a := s.ask(t, console.MagnetBundleUploadLinkPath("web"), magnetForm(csrf, "file_name", "a.pdf", "content_type", "application/pdf", "size", "4"), session); a.status != http.StatusUnprocessableEntity {
		t.Fatalf("bundle upload on a link magnet: %d", a.status)
	}
	if a := s.ask(t, console.MagnetBundleUploadLinkPath("kit"), magnetForm("forged", "file_name", "a.pdf", "content_type", "application/pdf", "size", "4"), session); a.status != http.StatusForbidden {
		t.Fatalf("bundle upload with a forged token: %d", a.status)
	}
}

// postCodes posts the coupon form as a browser does: multipart, with a CSV file
// (if any) and the pasted codes.
func (s *magnetSite) postCodes(t *testing.T, id, csrf, pasted string, csv []byte, session string) response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf", csrf)
	_ = w.WriteField("codes", pasted)
	fw, err := w.CreateFormFile("file", "codes.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(csv)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := http.NewRequest(http.MethodPost, s.url+console.MagnetCouponsPath(id), &body)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", w.FormDataContentType())
	r.Header.Set("Origin", s.url)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(&http.Cookie{Name: console.CookieName, Value: session})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// Codes added to a coupon pool from a CSV file, pasted, or both; more later; a
// bad code, a form too large, or a forged token add none.
func TestCouponCodesThroughTheForm(t *testing.T) {
	ctx := context.Background()
	s := newMagnetSite(t)
	session := s.signIn(t, "ada@example.com")
	csrf := s.csrf(t, session)
	wantRedirect(t, "create", s.post(t, console.NewMagnetPath, magnetForm(csrf, "id", "deal", "title", "Deal", "delivery", "coupon", "coupon_alert_below", "2"), session),
		console.MagnetPath("deal")+"?saved=1")
	want(t, "empty pool", s.get(t, console.MagnetPath("deal"), session), 200, "<dt>Left</dt><dd>0</dd>", "the pages of this magnet say the offer has ended")
	stock := func() leadgate.CouponStock {
		st, err := s.store.CouponStock(ctx, "deal")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	wantRedirect(t, "file", s.postCodes(t, "deal", csrf, "", []byte("code\r\nA-1\r\nA-2,extra\r\n\r\nA-3\r\n"), session), console.MagnetPath("deal")+"?added=3#coupons-title")
	wantRedirect(t, "pasted and file", s.postCodes(t, "deal", csrf, "B-1\nA-1", []byte("B-2\n"), session), console.MagnetPath("deal")+"?added=2#coupons-title")
	if st := stock(); st.Added != 5 || st.Left() != 5 {
		t.Fatalf("stock %+v, want 5 codes", st)
	}
	if _, err := s.store.ClaimCoupon(ctx, "deal", "holder", t0); err != nil {
		t.Fatal(err)
	}
	want(t, "counts", s.get(t, console.MagnetPath("deal")+"?added=2", session), 200, "Added 2 new codes", "<dt>Left</dt><dd>4</dd>", "<dt>Claimed</dt><dd>1</dd>")
	// Pasted without a file, as the form without a chosen file sends it.
	wantRedirect(t, "pasted", s.post(t, console.MagnetCouponsPath("deal"), magnetForm(csrf, "codes", "C-1\nC-2"), session), console.MagnetPath("deal")+"?added=2#coupons-title")

	// Refused, nothing added: a bad line (the message names it), nothing at all,
	// a form too large, a forged token.
	before := stock()
	want(t, "bad code", s.postCodes(t, "deal", csrf, "", []byte("D-1\nhas space\n"), session), 422, `id="codes-error"`, "line 2:")
	want(t, "no codes", s.postCodes(t, "deal", csrf, " ", nil, session), 422, "choose a CSV file of codes")
	big := bytes.Repeat([]byte("CODE-0123456789\n"), (1<<20)/16+1)
	want(t, "too large", s.postCodes(t, "deal", csrf, "", big, session), 413, "The form is too large")
	want(t, "forged token", s.postCodes(t, "deal", "forged", "E-1", nil, session), 403)
	if after := stock(); after != before {
		t.Fatalf("a refused form changed the pool: %+v, was %+v", after, before)
	}
	// Only a coupon magnet has a pool.
	wantRedirect(t, "link", s.post(t, console.NewMagnetPath, magnetForm(csrf, "id", "web", "title", "Web", "delivery", "link", "link_url", "https://example.com/w"), session), console.MagnetPath("web")+"?saved=1")
	want(t, "codes on a link", s.post(t, console.MagnetCouponsPath("web"), magnetForm(csrf, "codes", "X-1"), session), 422, "Only a coupon magnet has a pool of codes.")
	want(t, "unknown magnet", s.post(t, console.MagnetCouponsPath("nobody"), magnetForm(csrf, "codes", "X-1"), session), 404)
}
