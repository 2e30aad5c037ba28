package console_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/bolt"
	"leadgate/shared/console"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/signing"
)

// seededLeads are the leads seedLeads stores, newest first, with what the tests
// look for.
type seededLeads struct {
	ada, bob, cleo leadgate.Lead
}

// seedLeads stores two pages and three leads on them: Ada (newsletter, consent,
// MQL, a download and an email sent), Bob (ads, no consent, a name a spreadsheet
// would take for a formula) and Cleo (direct, markup in her name, on the webinar).
// Their submissions are counted into the pages' counters.
func seedLeads(t *testing.T, store *bolt.Store, key *signing.Key, now time.Time) seededLeads {
	t.Helper()
	ctx := context.Background()
	guide, webinar := storetest.Page("spring-guide"), storetest.Page("webinar")
	guide.Title, webinar.Title = "The spring guide", "The webinar replay"
	for _, p := range []leadgate.Page{guide, webinar} {
		if err := store.PutPage(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	capture := func(p leadgate.Page, email, name, company, source string, consent bool, at time.Time, id string) leadgate.Lead {
		c := storetest.Capture(p, email, at, source)
		c.Submission.ID, c.NewLeadID = "sub-"+id, "lead-"+id
		c.Submission.Values = map[string]string{"email": email, "name": name, "company": company}
		if id == "ada" {
			c.Submission.Values["team_size"] = "<11 & growing>" // a page's own field, shown escaped
		}
		c.Submission.Consent.Given = consent
		c.Submission.Attribution.Referrer, c.Submission.Attribution.LandingURL = "search.example", ""
		if source == "" {
			c.Submission.Attribution = leadgate.Attribution{Page: p.Slug, At: at}
		}
		g := leadgate.NewGrant(key.GrantToken(c.Submission.ID), c.Submission, p, storetest.Magnet())
		c.Grant = &g
		res, err := store.Capture(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.CountLead(ctx, res.Submission); err != nil {
			t.Fatal(err)
		}
		return res.Lead
	}
	var s seededLeads
	s.ada = capture(guide, "ada@example.com", "Ada Lovelace", "Analytical Engines", "newsletter", true, now.Add(-72*time.Hour), "ada")
	s.bob = capture(guide, "bob@example.com", "=SUM(A1:A9)", "Builders", "ads", false, now.Add(-48*time.Hour), "bob")
	s.cleo = capture(webinar, "cleo@example.com", `Cleo "<b>" O'Neil`, "ACME & Co", "", true, now.Add(-24*time.Hour), "cleo")
	if err := store.SetScore(ctx, s.ada.Email, 42, leadgate.StageMQL, now.Add(-70*time.Hour), s.ada.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UseGrant(ctx, leadgate.GrantID(key.GrantToken("sub-ada")), now.Add(-71*time.Hour)); err != nil {
		t.Fatal(err)
	}
	claim, _, err := store.ClaimSend(ctx, s.ada.Email, leadgate.DeliveryKey("sub-ada"), now.Add(-72*time.Hour), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	claim.Status, claim.SentAt, claim.MessageID = leadgate.SendSent, now.Add(-72*time.Hour), "msg-1"
	if err := store.FinishSend(ctx, claim); err != nil {
		t.Fatal(err)
	}
	if s.ada, err = store.LeadByEmail(ctx, s.ada.Email); err != nil {
		t.Fatal(err)
	}
	return s
}

// leadsSite is a signed-in console over seeded leads.
func leadsSite(t *testing.T) (*site, string, seededLeads) {
	t.Helper()
	s := newSite(t)
	key, _ := signing.NewKey([]byte(strings.Repeat("k", 32)))
	leads := seedLeads(t, s.store, key, t0)
	return s, s.signIn(t, "ada@example.com"), leads
}

var rowEmail = regexp.MustCompile(`<th scope="row"><a href="[^"]*">([^<]*)</a></th>`)

// tableEmails lists the addresses of the table's rows, in order.
func tableEmails(body string) string {
	var got []string
	for _, m := range rowEmail.FindAllStringSubmatch(body, -1) {
		got = append(got, html.UnescapeString(m[1]))
	}
	return strings.Join(got, " ")
}

func TestLeadTableFilters(t *testing.T) {
	s, session, _ := leadsSite(t)
	cases := []struct{ query, want string }{
		{"", "cleo@example.com bob@example.com ada@example.com"},
		{"?search=acme", "cleo@example.com"},
		{"?search=ADA", "ada@example.com"},
		{"?page=webinar", "cleo@example.com"},
		{"?stage=mql", "ada@example.com"},
		{"?stage=cold", "cleo@example.com bob@example.com"},
		{"?source=ads", "bob@example.com"},
		{"?consent=not_given", "bob@example.com"},
		{"?consent=given&page=spring-guide", "ada@example.com"},
		{"?from=2026-02-28&to=2026-02-28", "bob@example.com"},
		{"?from=2026-02-28", "cleo@example.com bob@example.com"},
		{"?to=2026-02-27", "ada@example.com"},
	}
	for _, c := range cases {
		r := s.get(t, console.LeadsPath+c.query, session)
		want(t, "table "+c.query, r, 200)
		if got := tableEmails(r.body); got != c.want {
			t.Errorf("table %s: %q, want %q", c.query, got, c.want)
		}
	}
	r := s.get(t, console.LeadsPath+"?search=nobody", session)
	want(t, "no match", r, 200, "No lead matches these filters.", `value="nobody"`, "Clear the filters")
	// The form keeps what was chosen.
	r = s.get(t, console.LeadsPath+"?stage=mql&consent=given&page=spring-guide", session)
	want(t, "chosen filters", r, 200, `<option value="mql" selected>`, `<option value="given" selected>`, `<option value="spring-guide" selected>`)
}

func TestLeadTableBadParameters(t *testing.T) {
	s, session, _ := leadsSite(t)
	for _, c := range []struct{ query, field, message string }{
		{"?from=yesterday", "from", "Enter a date such as 2026-03-02."},
		{"?to=2026-02-30", "to", "Enter a date such as 2026-03-02."},
		{"?from=2026-03-02&to=2026-03-01", "to", "The last day must not come before the first."},
		{"?stage=warm", "stage", "Pick one of the choices offered."},
		{"?consent=maybe", "consent", "Pick one of the choices offered."},
		{"?search=" + strings.Repeat("x", 101), "search", "at most 100 characters"},
	} {
		r := s.get(t, console.LeadsPath+c.query, session)
		want(t, c.query, r, http.StatusUnprocessableEntity, `aria-describedby="f-`+c.field+`-error"`, `<p class="error" id="f-`+c.field+`-error">`+html.EscapeString(c.message))
		if tableEmails(r.body) != "" {
			t.Errorf("%s: rows shown with a bad filter", c.query)
		}
	}
	r := s.get(t, console.LeadsPath+"?cursor=not-a-cursor", session)
	want(t, "bad cursor", r, http.StatusUnprocessableEntity, "is not one the console made", `href="/console/leads">Newest leads</a>`)
	want(t, "bad cursor in the CSV export", s.get(t, console.LeadsCSVPath+"?from=x", session), http.StatusUnprocessableEntity, "Enter a date")
	want(t, "signed out", s.get(t, console.LeadsPath, ""), http.StatusSeeOther)
}

var nextLink = regexp.MustCompile(`<a class="primary" href="([^"]+)">(Next|Search further)</a>`)

func TestLeadTablePagesThroughEveryLead(t *testing.T) {
	s, session, _ := leadsSite(t)
	p := storetest.Page("spring-guide")
	for i := range 60 {
		c := storetest.Capture(p, fmt.Sprintf("many%02d@example.com", i), t0.Add(-time.Duration(i+1)*time.Minute), "x")
		if _, err := s.store.Capture(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	path := console.LeadsPath
	for pages := 0; path != ""; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		r := s.get(t, path, session)
		want(t, path, r, 200)
		for _, e := range strings.Fields(tableEmails(r.body)) {
			if seen[e] {
				t.Fatalf("%s twice", e)
			}
			seen[e] = true
		}
		if pages > 0 && !strings.Contains(r.body, `<a href="/console/leads">Newest</a>`) {
			t.Fatalf("page %d has no link back to the newest", pages)
		}
		path = ""
		if m := nextLink.FindStringSubmatch(r.body); m != nil {
			path = html.UnescapeString(m[1])
			if strings.Contains(path, "@") {
				t.Fatalf("a paging link carries an address: %s", path)
			}
		}
	}
	if len(seen) != 63 {
		t.Fatalf("paged through %d leads, want 63", len(seen))
	}
	// Filters stay on the paging links.
	r := s.get(t, console.LeadsPath+"?source=x", session)
	m := nextLink.FindStringSubmatch(r.body)
	if m == nil || !strings.Contains(html.UnescapeString(m[1]), "source=x") {
		t.Fatalf("the next link of a filtered table: %v", m)
	}
}

func TestLeadDetail(t *testing.T) {
	s, session, leads := leadsSite(t)
	path := console.LeadPath(leadgate.LeadRef(leads.ada))
	if strings.Contains(path, "@") || strings.Contains(path, "example") {
		t.Fatalf("the lead's path %s names the address", path)
	}
	r := s.get(t, console.LeadsPath, session)
	want(t, "table", r, 200, `href="`+path+`"`)
	r = s.get(t, path, session)
	want(t, "detail", r, 200, "<h1>ada@example.com</h1>", "Ada Lovelace", "Analytical Engines", "<dt>Stage</dt><dd>MQL</dd>", "<dt>Score</dt><dd>42</dd>",
		"<dt>team_size</dt><dd>&lt;11 &amp; growing&gt;</dd>", // the page's own field, escaped
		"First touch", "newsletter", "<dt>Text version</dt><dd>2026-01</dd>", "<dt>Marketing consent</dt><dd>yes</dd>",
		"<td>2026-02-27 09:30</td><td>spring-guide</td>",                                        // the submission
		"<td>playbook</td><td>spring-guide</td><td class=\"n\">1</td><td>2026-02-27 10:30</td>", // the download
		"<td>Delivery (download link)</td><td>sent</td>",                                        // the email
		"<td>Cold</td><td>MQL</td><td>42</td>",                                                  // the stage change
		`href="`+console.LeadExportPath(leadgate.LeadRef(leads.ada))+`"`, `href="`+console.LeadErasePath(leadgate.LeadRef(leads.ada))+`"`)
	r = s.get(t, console.LeadPath(leadgate.LeadRef(leads.cleo)), session)
	want(t, "escaped", r, 200, "Cleo &#34;&lt;b&gt;&#34; O&#39;Neil", "No email sent yet.")
	for _, ref := range []string{"nope", leadgate.LeadRef(leadgate.Lead{ID: "lead-ada", CreatedAt: t0})} {
		want(t, "unknown lead "+ref, s.get(t, console.LeadPath(ref), session), 404, "No such lead")
		want(t, "unknown lead's export", s.get(t, console.LeadExportPath(ref), session), 404, "No such lead")
		want(t, "unknown lead's erasure", s.get(t, console.LeadErasePath(ref), session), 404, "No such lead")
	}
}

func TestLeadCSVExport(t *testing.T) {
	s, session, _ := leadsSite(t)
	r := s.get(t, console.LeadsCSVPath, session)
	want(t, "csv", r, 200)
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="leads-2026-03-02.csv"` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "created_at" || rows[1][2] != "cleo@example.com" || rows[3][2] != "ada@example.com" {
		t.Fatalf("rows %q", rows)
	}
	if got := rows[2][3]; got != "'=SUM(A1:A9)" {
		t.Fatalf("a formula's cell %q, want it neutralised", got)
	}
	// The pages' custom fields follow the standard columns.
	if got := rows[0][len(rows[0])-1]; got != "team_size" {
		t.Fatalf("header %q, want the pages' custom field team_size last", rows[0])
	}
	if got := strings.Join(rows[3], ","); got != "2026-02-27T09:30:00Z,lead-ada,ada@example.com,Ada Lovelace,Analytical Engines,spring-guide,mql,42,true,active,newsletter,cpc,spring,<11 & growing>" {
		t.Fatalf("Ada's row %s", got)
	}
	r = s.get(t, console.LeadsCSVPath+"?consent=given&search=ada", session)
	rows, err = csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][2] != "ada@example.com" {
		t.Fatalf("filtered export %q, %v", rows, err)
	}
}

func TestLeadGDPRExport(t *testing.T) {
	s, session, leads := leadsSite(t)
	r := s.get(t, console.LeadExportPath(leadgate.LeadRef(leads.ada)), session)
	want(t, "export", r, 200)
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="lead-lead-ada.json"` {
		t.Fatalf("Content-Disposition %q", cd)
	}
	var e admin.LeadExport
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatal(err)
	}
	if e.Lead.Email != "ada@example.com" || len(e.Submissions) != 1 || len(e.Grants) != 1 || e.Grants[0].Downloads != 1 {
		t.Fatalf("export %+v", e)
	}
}

func TestLeadErasure(t *testing.T) {
	s, session, leads := leadsSite(t)
	ctx := context.Background()
	before, err := s.store.DailyCounts(ctx, "spring-guide", leadgate.Day(leads.ada.CreatedAt))
	if err != nil {
		t.Fatal(err)
	}
	erase := console.LeadErasePath(leadgate.LeadRef(leads.ada))
	r := s.get(t, erase, session)
	want(t, "confirmation", r, 200, "<h1>Erase ada@example.com?</h1>", `<form method="post" action="`+erase+`">`, `name="csrf"`, "Erase this lead")
	want(t, "erasure without the token", s.post(t, erase, url.Values{}, session), 403, "Please reload the page")
	if _, err := s.store.LeadByEmail(ctx, "ada@example.com"); err != nil {
		t.Fatalf("a refused erasure erased: %v", err)
	}
	want(t, "erasure", s.post(t, erase, url.Values{"csrf": {s.csrf(t, session)}}, session), 200, "The lead was erased")
	if _, err := s.store.LeadByEmail(ctx, "ada@example.com"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("the lead after erasure: %v", err)
	}
	r = s.get(t, console.LeadsPath, session)
	if got := tableEmails(r.body); got != "cleo@example.com bob@example.com" {
		t.Fatalf("table after erasure: %q", got)
	}
	after, err := s.store.DailyCounts(ctx, "spring-guide", leadgate.Day(leads.ada.CreatedAt))
	if err != nil || after != before || after.Leads != 1 {
		t.Fatalf("counts after erasure %+v (%v), before %+v", after, err, before)
	}
	want(t, "erased lead's page", s.get(t, console.LeadPath(leadgate.LeadRef(leads.ada)), session), 404, "No such lead")
	want(t, "erasing again", s.post(t, erase, url.Values{"csrf": {s.csrf(t, session)}}, session), 404, "No such lead")
}
