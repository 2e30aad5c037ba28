package capture_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"leadgate/shared/capture"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// leadStore is a capture.Store of func fields; a nil field fails the test when
// called.
type leadStore struct {
	t       *testing.T
	page    func(slug string) (leadgate.Page, error)
	magnet  func(id string) (leadgate.Magnet, error)
	capture func(c leadgate.Capture) (leadgate.CaptureResult, error)
}

func (s *leadStore) Page(_ context.Context, slug string) (leadgate.Page, error) {
	if s.page == nil {
		s.t.Errorf("Page(%q) called", slug)
		return leadgate.Page{}, leadgate.ErrPageNotFound
	}
	return s.page(slug)
}

func (s *leadStore) Magnet(_ context.Context, id string) (leadgate.Magnet, error) {
	if s.magnet == nil {
		s.t.Errorf("Magnet(%q) called", id)
		return leadgate.Magnet{}, leadgate.ErrMagnetNotFound
	}
	return s.magnet(id)
}

func (s *leadStore) Capture(_ context.Context, c leadgate.Capture) (leadgate.CaptureResult, error) {
	if s.capture == nil {
		s.t.Errorf("Capture(%+v) called", c.Submission)
		return leadgate.CaptureResult{}, errors.New("not expected")
	}
	return s.capture(c)
}

const secret = "capture-test-secret-of-at-least-32-bytes"

// now has nanoseconds and a zone: a submission is stamped in UTC, to the millisecond.
var (
	now    = time.Date(2026, 3, 2, 10, 15, 30, 123456789, time.FixedZone("CET", 3600))
	nowUTC = time.Date(2026, 3, 2, 9, 15, 30, 123000000, time.UTC)
)

// testPage is a double opt-in page (no magnet read at capture) asking for consent,
// with a field of every type and three of the attribution fields.
func testPage() leadgate.Page {
	return leadgate.Page{
		Slug: "playbook", Title: "The Playbook", MagnetID: "playbook-pdf",
		Fields: []leadgate.Field{
			{Name: "email", Label: "Work email", Type: leadgate.FieldEmail, Required: true},
			{Name: "name", Label: "Your name", Type: leadgate.FieldText, Required: true, MaxLength: 20},
			{Name: "phone", Label: "Phone", Type: leadgate.FieldTel},
			{Name: "notes", Label: "Anything else", Type: leadgate.FieldTextarea},
		},
		HiddenFields:   []string{"utm_source", "utm_campaign", "referrer"},
		ConsentText:    "Send me a few emails.",
		PrivacyURL:     "/privacy",
		ConsentVersion: "v3",
		OptIn:          leadgate.OptInDouble,
		ThankYouURL:    "/p/playbook/thanks",
	}
}

// harness captures on page through a service whose store records the capture.
type harness struct {
	svc      *capture.Service
	key      *signing.Key
	page     leadgate.Page
	captured []leadgate.Capture
}

func newHarness(t *testing.T, page leadgate.Page) *harness {
	t.Helper()
	key, err := signing.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{key: key, page: page}
	store := &leadStore{t: t,
		page: func(slug string) (leadgate.Page, error) {
			if slug != page.Slug {
				return leadgate.Page{}, leadgate.ErrPageNotFound
			}
			return page, nil
		},
		capture: func(c leadgate.Capture) (leadgate.CaptureResult, error) {
			h.captured = append(h.captured, c)
			sub := c.Submission
			sub.LeadID = c.NewLeadID
			return leadgate.CaptureResult{Lead: leadgate.Lead{ID: c.NewLeadID, Email: sub.Email}, Submission: sub, LeadCreated: true}, nil
		},
	}
	h.svc = capture.New(store, key, capture.DefaultConfig(), func() time.Time { return now })
	return h
}

// request is a post of values with a form token rendered ten seconds ago.
func (h *harness) request(values map[string]string) capture.Request {
	v := map[string]string{leadgate.FieldNameFormToken: h.key.FormToken(h.page.Slug, now.Add(-10*time.Second))}
	for k, val := range values {
		v[k] = val
	}
	return capture.Request{Slug: h.page.Slug, Values: v, IP: "203.0.113.9", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)"}
}

// submission captures req and returns the submission handed to the store.
func (h *harness) submission(t *testing.T, req capture.Request) (leadgate.Submission, capture.Result) {
	t.Helper()
	res, err := h.svc.Capture(context.Background(), req)
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	if len(h.captured) != 1 {
		t.Fatalf("%d captures stored, want 1", len(h.captured))
	}
	return h.captured[0].Submission, res
}

// fieldErrors captures req, which must be refused as invalid without a store
// write, and returns "field:code" of each field error, in order.
func (h *harness) fieldErrors(t *testing.T, req capture.Request) []string {
	t.Helper()
	_, err := h.svc.Capture(context.Background(), req)
	var de *leadgate.Error
	if !errors.As(err, &de) || de.Code != leadgate.EINVALID {
		t.Fatalf("Capture: %v, want EINVALID", err)
	}
	if len(h.captured) != 0 {
		t.Fatalf("an invalid post was stored: %+v", h.captured)
	}
	var got []string
	for _, fe := range de.Fields {
		got = append(got, fe.Field+":"+fe.Code)
	}
	return got
}

var valid = map[string]string{"email": "ada@example.com", "name": "Ada"}

func with(extra map[string]string) map[string]string {
	v := map[string]string{}
	for k, val := range valid {
		v[k] = val
	}
	for k, val := range extra {
		v[k] = val
	}
	return v
}

func TestSubmissionNormalisesValues(t *testing.T) {
	h := newHarness(t, testPage())
	sub, res := h.submission(t, h.request(map[string]string{
		"email": "  Ada.Lovelace@Example.COM ",
		"name":  "  Ada Lovelace\t",
		"phone": "",                   // optional and empty: not kept
		"notes": "Line one\nline two", // a textarea keeps its line breaks
	}))
	if got, want := sub.Email, "ada.lovelace@example.com"; got != want {
		t.Errorf("email %q, want %q", got, want)
	}
	want := map[string]string{"email": "Ada.Lovelace@Example.COM", "name": "Ada Lovelace", "notes": "Line one\nline two"}
	if !maps.Equal(sub.Values, want) {
		t.Errorf("values %q, want %q (trimmed, as typed, empty ones left out)", sub.Values, want)
	}
	if sub.Page != "playbook" || sub.MagnetID != "playbook-pdf" || !sub.At.Equal(nowUTC) || sub.At.Location() != time.UTC {
		t.Errorf("submission page %q magnet %q at %s, want playbook, playbook-pdf at %s", sub.Page, sub.MagnetID, sub.At, nowUTC)
	}
	if sub.ID == "" || res.SubmissionID != sub.ID || res.LeadID == "" {
		t.Errorf("ids: submission %q, result %q, lead %q", sub.ID, res.SubmissionID, res.LeadID)
	}
	if got := h.captured[0].Page.Slug; got != "playbook" {
		t.Errorf("capture of page %q", got)
	}
}

func TestSubmissionKeepsOnlyAcceptedAttribution(t *testing.T) {
	h := newHarness(t, testPage())
	sub, res := h.submission(t, h.request(with(map[string]string{
		"utm_source":   " newsletter ",
		"utm_campaign": "spring",
		"referrer":     "https://search.example/?q=" + strings.Repeat("x", 1974), // 2000 characters: a URL may be long
		"utm_medium":   "email",                                                  // not accepted by the page
		"gclid":        "g-123",                                                  // not accepted by the page
	})))
	want := leadgate.Attribution{Page: "playbook", At: nowUTC, UTMSource: "newsletter", UTMCampaign: "spring",
		Referrer: "https://search.example/?q=" + strings.Repeat("x", 1974)}
	if sub.Attribution != want {
		t.Errorf("attribution %+v, want %+v", sub.Attribution, want)
	}
	if want := []string{"gclid", "utm_medium"}; !slices.Equal(res.Ignored, want) {
		t.Errorf("ignored %q, want %q", res.Ignored, want)
	}
	for _, name := range []string{"utm_source", "utm_medium", "gclid", "referrer"} {
		if _, ok := sub.Values[name]; ok {
			t.Errorf("attribution field %s is among the values", name)
		}
	}
}

func TestSubmissionConsent(t *testing.T) {
	cases := []struct {
		name      string
		asks      bool
		posted    *string // nil: not posted
		given     bool
		version   string
		wantError bool
	}{
		{name: "ticked", asks: true, posted: ptr("on"), given: true, version: "v3"},
		{name: "true from JSON", asks: true, posted: ptr("true"), given: true, version: "v3"},
		{name: "yes", asks: true, posted: ptr(" Yes "), given: true, version: "v3"},
		{name: "1", asks: true, posted: ptr("1"), given: true, version: "v3"},
		// Asked and not ticked: the answer no is recorded with the text's version.
		{name: "not posted", asks: true, posted: nil, given: false, version: "v3"},
		{name: "false", asks: true, posted: ptr("false"), given: false, version: "v3"},
		{name: "off", asks: true, posted: ptr("off"), given: false, version: "v3"},
		{name: "neither yes nor no", asks: true, posted: ptr("maybe"), wantError: true},
		// A page that does not ask records no consent, whatever is posted.
		{name: "not asked, ticked anyway", asks: false, posted: ptr("on"), given: false, version: ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page := testPage()
			if !tc.asks {
				page.ConsentText, page.ConsentVersion = "", ""
			}
			h := newHarness(t, page)
			values := with(nil)
			if tc.posted != nil {
				values[leadgate.FieldNameConsent] = *tc.posted
			}
			if tc.wantError {
				if got := h.fieldErrors(t, h.request(values)); !slices.Equal(got, []string{"consent:invalid"}) {
					t.Errorf("errors %q, want consent:invalid", got)
				}
				return
			}
			sub, _ := h.submission(t, h.request(values))
			want := leadgate.Consent{Given: tc.given, TextVersion: tc.version, Page: "playbook", At: nowUTC,
				IP: "203.0.113.9", UserAgent: "Mozilla/5.0 (X11; Linux x86_64)"}
			if sub.Consent != want {
				t.Errorf("consent %+v, want %+v", sub.Consent, want)
			}
			if _, ok := sub.Values[leadgate.FieldNameConsent]; ok {
				t.Error("consent is among the values")
			}
		})
	}
}

func TestSubmissionIgnoredFields(t *testing.T) {
	t.Run("unknown fields listed, sorted, not kept", func(t *testing.T) {
		h := newHarness(t, testPage())
		sub, res := h.submission(t, h.request(with(map[string]string{
			"website_url": "x", "Company": "Acme", "interests[]": "seo", "a.b-c": "1",
		})))
		if want := []string{"Company", "a.b-c", "interests[]", "website_url"}; !slices.Equal(res.Ignored, want) {
			t.Errorf("ignored %q, want %q", res.Ignored, want)
		}
		if len(sub.Values) != 2 {
			t.Errorf("values %q, want email and name only", sub.Values)
		}
	})
	t.Run("names unfit to echo are not listed", func(t *testing.T) {
		h := newHarness(t, testPage())
		_, res := h.submission(t, h.request(with(map[string]string{
			"<script>": "x", "two words": "x", strings.Repeat("n", 65): "x", "": "x",
		})))
		if len(res.Ignored) != 0 {
			t.Errorf("ignored %q, want none listed", res.Ignored)
		}
	})
	t.Run("at most 20 listed", func(t *testing.T) {
		h := newHarness(t, testPage())
		extra := map[string]string{}
		for i := range 30 {
			extra["extra_"+string(rune('a'+i%26))+string(rune('a'+i/26))] = "x"
		}
		_, res := h.submission(t, h.request(with(extra)))
		if len(res.Ignored) != 20 {
			t.Errorf("%d ignored fields listed, want 20", len(res.Ignored))
		}
	})
	t.Run("the service's own fields are neither values nor ignored", func(t *testing.T) {
		h := newHarness(t, testPage())
		sub, res := h.submission(t, h.request(with(map[string]string{leadgate.FieldNameHoneypot: "  "})))
		for _, name := range []string{leadgate.FieldNameHoneypot, leadgate.FieldNameFormToken, leadgate.FieldNameConsent} {
			if _, ok := sub.Values[name]; ok || slices.Contains(res.Ignored, name) {
				t.Errorf("%s is a value or ignored: values %q, ignored %q", name, sub.Values, res.Ignored)
			}
		}
	})
}

func TestSubmissionFieldErrors(t *testing.T) {
	cases := []struct {
		name     string
		values   map[string]string
		repeated []string
		want     []string
	}{
		{"required missing", map[string]string{"email": "ada@example.com"}, nil, []string{"name:required"}},
		{"required blank", with(map[string]string{"name": "   "}), nil, []string{"name:required"}},
		{"email invalid", with(map[string]string{"email": "ada at example"}), nil, []string{"email:invalid"}},
		{"email with a display name", with(map[string]string{"email": "Ada <ada@example.com>"}), nil, []string{"email:invalid"}},
		{"text over its page's limit", with(map[string]string{"name": strings.Repeat("a", 21)}), nil, []string{"name:too_long"}},
		{"line break in a text field", with(map[string]string{"name": "Ada\nBcc: x@e.co"}), nil, []string{"name:control_character"}},
		{"phone with letters", with(map[string]string{"phone": "call me"}), nil, []string{"phone:invalid"}},
		{"phone too short", with(map[string]string{"phone": "12-34"}), nil, []string{"phone:invalid"}},
		{"attribution over its limit", with(map[string]string{"utm_source": strings.Repeat("s", 501)}), nil, []string{"utm_source:too_long"}},
		{"URL attribution over its limit", with(map[string]string{"referrer": "https://e.example/" + strings.Repeat("r", 1983)}), nil, []string{"referrer:too_long"}},
		{"attribution with a control character", with(map[string]string{"utm_campaign": "spring\x00"}), nil, []string{"utm_campaign:control_character"}},
		{"field sent twice", with(nil), []string{"name"}, []string{"name:repeated"}},
		// Browsers send a ticked checkbox with a hidden fallback: consent may repeat.
		{"consent sent twice", with(nil), []string{"consent"}, nil},
		// Every error at once, in the order of the form: fields, then attribution.
		{"errors in form order", map[string]string{"utm_source": strings.Repeat("s", 501), "phone": "x", "email": "nope"}, nil,
			[]string{"email:invalid", "name:required", "phone:invalid", "utm_source:too_long"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testPage())
			req := h.request(tc.values)
			req.Repeated = tc.repeated
			if tc.want == nil {
				h.submission(t, req)
				return
			}
			if got := h.fieldErrors(t, req); !slices.Equal(got, tc.want) {
				t.Errorf("errors %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("valid phone", func(t *testing.T) {
		h := newHarness(t, testPage())
		sub, _ := h.submission(t, h.request(with(map[string]string{"phone": "+44 (0) 20-7946 0958"})))
		if sub.Values["phone"] != "+44 (0) 20-7946 0958" {
			t.Errorf("phone %q", sub.Values["phone"])
		}
	})
}

func TestSubmissionUserAgent(t *testing.T) {
	cases := []struct{ name, agent, want string }{
		{"kept", "Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (X11; Linux x86_64)"},
		// A user agent is the client's to make up: an unfit one is dropped, not refused.
		{"too long", strings.Repeat("a", 513), ""},
		{"control character", "Mozilla\r\nX-Injected: 1", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, testPage())
			req := h.request(with(nil))
			req.UserAgent = tc.agent
			sub, _ := h.submission(t, req)
			if sub.Consent.UserAgent != tc.want {
				t.Errorf("user agent %q, want %q", sub.Consent.UserAgent, tc.want)
			}
		})
	}
}

// Posts taken for a bot's are answered like a success and store nothing; a form
// token that is missing, forged or stale asks the person to reload.
func TestSpamChecks(t *testing.T) {
	key, err := signing.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		token    *string // nil: not posted
		honeypot string
		untimed  bool
		spam     string
		err      string // field:code of the refusal
	}{
		{name: "honeypot filled", token: ptr(key.FormToken("playbook", now.Add(-10*time.Second))), honeypot: "https://spam.example", spam: "honeypot"},
		{name: "posted too fast", token: ptr(key.FormToken("playbook", now.Add(-time.Second))), spam: "too fast"},
		{name: "no token", token: nil, err: "form_token:required"},
		{name: "no token on a page for static forms", token: nil, untimed: true},
		{name: "token of another page", token: ptr(key.FormToken("other-page", now.Add(-10*time.Second))), err: "form_token:invalid"},
		{name: "forged token", token: ptr("1700000000000.AAAA"), err: "form_token:invalid"},
		{name: "stale token", token: ptr(key.FormToken("playbook", now.Add(-25*time.Hour))), err: "form_token:expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page := testPage()
			page.UntimedFormsAllowed = tc.untimed
			h := newHarness(t, page)
			req := h.request(with(map[string]string{leadgate.FieldNameHoneypot: tc.honeypot}))
			if tc.token == nil {
				delete(req.Values, leadgate.FieldNameFormToken)
			} else {
				req.Values[leadgate.FieldNameFormToken] = *tc.token
			}
			if tc.err != "" {
				if got := h.fieldErrors(t, req); !slices.Equal(got, []string{tc.err}) {
					t.Errorf("errors %q, want %s", got, tc.err)
				}
				return
			}
			res, err := h.svc.Capture(context.Background(), req)
			if err != nil {
				t.Fatalf("Capture: %v", err)
			}
			if res.Spam != tc.spam {
				t.Errorf("spam %q, want %q", res.Spam, tc.spam)
			}
			if stored := len(h.captured); (tc.spam == "") != (stored == 1) {
				t.Errorf("%d captures stored for spam %q", stored, tc.spam)
			}
			if res.LeadID == "" || !res.LeadCreated {
				t.Errorf("result %+v, want it to look like a new lead", res)
			}
		})
	}
}

func ptr(s string) *string { return &s }

// TestCaptureUsesTheEdgesPage: a capture with the page its edge read makes no page
// read of its own, and records it as that page's; a page of another slug is not
// taken for the one the post names.
func TestCaptureUsesTheEdgesPage(t *testing.T) {
	h := newHarness(t, testPage())
	reads := 0
	store := &leadStore{t: t,
		page: func(slug string) (leadgate.Page, error) { reads++; return h.page, nil },
		capture: func(c leadgate.Capture) (leadgate.CaptureResult, error) {
			h.captured = append(h.captured, c)
			return leadgate.CaptureResult{Submission: c.Submission, LeadCreated: true}, nil
		},
	}
	h.svc = capture.New(store, h.key, capture.DefaultConfig(), func() time.Time { return now })

	edge := h.page
	edge.ConsentVersion = "as-the-edge-read-it"
	req := h.request(with(map[string]string{"consent": "on"}))
	req.Page = &edge
	sub, _ := h.submission(t, req)
	if reads != 0 {
		t.Errorf("the service read the page %d times; the edge had read it", reads)
	}
	if sub.Consent.TextVersion != "as-the-edge-read-it" {
		t.Errorf("consent %+v, want the edge's page's version", sub.Consent)
	}

	h.captured = nil
	other := h.page
	other.Slug, other.ConsentVersion = "another", "another-page"
	req.Page = &other
	sub, _ = h.submission(t, req)
	if reads != 1 || sub.Page != h.page.Slug || sub.Consent.TextVersion != h.page.ConsentVersion {
		t.Errorf("with another slug's page: %d reads, submission on %q with consent %q; want the store's page read once",
			reads, sub.Page, sub.Consent.TextVersion)
	}
}
