package httpapi_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// A coupon page whose pool is empty: its hosted page says the offer has ended, in
// the page's language, with 200 and no form, counting no view; a form rendered
// before the last code went is refused with the same words, storing no lead.
func TestHostedPageOfOfferEnded(t *testing.T) {
	ctx := context.Background()
	h := newPageHarness(t, nil)
	m := storetest.KindMagnets()[leadgate.DeliveryCoupon]
	if err := h.store.PutMagnet(ctx, m); err != nil {
		t.Fatal(err)
	}
	deal := storetest.Page("deal")
	deal.MagnetID, deal.ThankYouURL = m.ID, leadgate.ThanksPath("deal")
	angebot := deal
	angebot.Slug, angebot.Locale, angebot.ThankYouURL = "angebot", "de", leadgate.ThanksPath("angebot")
	for _, p := range []leadgate.Page{deal, angebot} {
		if err := h.store.PutPage(ctx, saved(p)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.store.AddCoupons(ctx, m.ID, []string{"LAST-ONE"}); err != nil {
		t.Fatal(err)
	}
	w := h.get(t, "GET", "/p/deal", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `name="form_token"`) {
		t.Fatalf("page with a code left: %d %.300s", w.Code, w.Body)
	}
	token := html.UnescapeString(tokenValue.FindStringSubmatch(w.Body.String())[1])
	h.now = h.now.Add(10 * time.Second)
	post := func(email string) *httptest.ResponseRecorder {
		form := url.Values{"email": {email}, "name": {"Rita"}, "consent": {"on"}, "website": {""}, "form_token": {token}}
		r := httptest.NewRequest("POST", leadgate.CapturePath("deal"), strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", formType)
		r.Header.Set("Origin", "http://example.com")
		r.Header.Set("User-Agent", firefox)
		w := httptest.NewRecorder()
		h.handler.ServeHTTP(w, r)
		return w
	}
	if w := post("first@example.com"); w.Code != http.StatusSeeOther {
		t.Fatalf("capture of the last code: %d %.300s", w.Code, w.Body)
	}
	views := h.views(t, "deal")
	for _, tc := range []struct{ slug, lang, title string }{
		{"deal", "en", "This offer has ended"},
		{"angebot", "de", "Dieses Angebot ist beendet"},
	} {
		w := h.get(t, "GET", leadgate.PagePath(tc.slug), nil)
		body := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(body, tc.title) || !strings.Contains(body, `lang="`+tc.lang+`"`) {
			t.Errorf("%s: %d, want 200 with %q in %s: %.500s", tc.slug, w.Code, tc.title, tc.lang, body)
		}
		if strings.Contains(body, "<form") || strings.Contains(body, "form_token") {
			t.Errorf("%s: the ended offer still shows a form", tc.slug)
		}
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q: codes may be added any minute", tc.slug, w.Header().Get("Cache-Control"))
		}
	}
	if got := h.views(t, "deal"); got != views {
		t.Errorf("views %d, want still %d: an ended offer's view is not counted", got, views)
	}
	w = post("late@example.com")
	if w.Code != http.StatusGone || !strings.Contains(w.Body.String(), "This offer has ended") {
		t.Errorf("capture on the empty pool: %d %.500s", w.Code, w.Body)
	}
	if _, err := h.store.LeadByEmail(ctx, "late@example.com"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Errorf("a lead was stored when the offer had ended: %v", err)
	}
	// Codes added: the form is back.
	if _, err := h.store.AddCoupons(ctx, m.ID, []string{"MORE-1"}); err != nil {
		t.Fatal(err)
	}
	if w := h.get(t, "GET", "/p/deal", nil); !strings.Contains(w.Body.String(), `name="form_token"`) {
		t.Errorf("after more codes, no form: %.300s", w.Body)
	}
}
