package localdev_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

// A post the capture refuses as spam (its honeypot filled) gets the bot's fake
// success and alerts nobody; a person's post on the same page alerts its list once.
func TestSpamPostAlertsNobody(t *testing.T) {
	r := startFollowUp(t)
	ctx := context.Background()
	page := localdev.SamplePage(time.Now())
	page.Slug = "alerted"
	page.Alerts = leadgate.LeadAlerts{To: []string{"sales@example.com"}}
	if err := r.srv.Store.PutPage(ctx, page); err != nil {
		t.Fatal(err)
	}
	_, form := get(t, r.ts.URL+"/p/"+page.Slug)
	m := tokenInput.FindStringSubmatch(form)
	if m == nil {
		t.Fatal("no form token")
	}
	r.clock.Advance(5 * time.Second)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.PostForm(r.ts.URL+"/v1/pages/"+page.Slug+"/leads", url.Values{
		"email": {"bot@example.com"}, "form_token": {m[1]}, "website": {"https://spam.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("spam post: %d, want the fake success", res.StatusCode)
	}
	// A person's post afterwards: once its alert is out, the feed has passed the
	// spam post too.
	r.submit(t, page.Slug, "person@example.com", false)
	r.waitMail(t, "sales@example.com", "New lead on "+page.Title+": person@example.com")
	subjects := r.subjectsTo(t, "sales@example.com")
	if len(subjects) != 1 || slices.ContainsFunc(subjects, func(s string) bool { return s == "New lead on "+page.Title+": bot@example.com" }) {
		t.Fatalf("alerts to the page's list: %q, want the person's alone", subjects)
	}
	if _, err := r.srv.Store.LeadByEmail(ctx, "bot@example.com"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("the spam post stored a lead: %v", err)
	}
}
