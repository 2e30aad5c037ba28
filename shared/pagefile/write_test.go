package pagefile_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/pagefile"
	"leadgate/shared/pagefile/reader"
)

// TestWriteParseRoundTrip writes a page that sets every setting and reads it back:
// the same page, but for the times the service keeps and the HTML it renders when
// the page is saved, which are no settings.
func TestWriteParseRoundTrip(t *testing.T) {
	p := storetest.FullPage("full-guide")
	if err := p.Validate(); err != nil {
		t.Fatalf("the fixture is not a valid page: %v", err)
	}
	p.CreatedAt, p.UpdatedAt = storetest.T0, storetest.T0
	p.DescriptionHTML, p.ThankYouHTML = "<p>Every setting a page has.</p>", "<p><strong>Danke!</strong></p>"
	data, err := pagefile.Write(p)
	if err != nil {
		t.Fatal(err)
	}
	got, magnet, err := reader.Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, data)
	}
	if magnet != nil {
		t.Errorf("a written page file has a magnet: section: %+v", magnet)
	}
	p.CreatedAt, p.UpdatedAt = time.Time{}, time.Time{}
	p.DescriptionHTML, p.ThankYouHTML = "", ""
	if g, w := mustJSON(t, got), mustJSON(t, p); g != w {
		t.Fatalf("round trip changed the page:\n got %s\nwant %s\nfile:\n%s", g, w, data)
	}
	for _, want := range []string{"reminder_after: 36h\n", "after: 48h\n", "after: 1h30m\n", "draft: true\n", "consent_text: \"true\"\n", "text: |"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the file lacks %q:\n%s", want, data)
		}
	}
	for _, unwanted := range []string{"created_at", "updated_at", "description_html", "thank_you_html", "<strong>Danke!"} {
		if strings.Contains(string(data), unwanted) {
			t.Errorf("the file has %s:\n%s", unwanted, data)
		}
	}
}

// TestWritePublishedPageHasNoDraftKey keeps the files of published pages as they
// were before drafts existed.
func TestWritePublishedPageHasNoDraftKey(t *testing.T) {
	p := storetest.Page("spring-guide")
	data, err := pagefile.Write(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "draft") {
		t.Fatalf("a published page's file names draft:\n%s", data)
	}
	got, _, err := reader.Parse(data)
	if err != nil || got.Draft {
		t.Fatalf("Parse: %+v, %v", got, err)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{48 * time.Hour: "48h", 90 * time.Minute: "1h30m", 10 * time.Second: "10s",
		10 * time.Minute: "10m", 61 * time.Second: "1m1s"} {
		if got := pagefile.FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func mustJSON(t *testing.T, p leadgate.Page) string {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A file that carries the HTML of the texts (one made from the admin API's JSON)
// is read without it: the service renders it from the Markdown when the page is
// saved.
func TestParseDropsTextsHTML(t *testing.T) {
	p := storetest.Page("spring-guide")
	p.Description = "Hello"
	data, err := pagefile.Write(p)
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, "description_html: <script>alert(1)</script>\nthank_you_html: <p>x</p>\n"...)
	got, _, err := reader.Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, data)
	}
	if got.Description != "Hello" || got.DescriptionHTML != "" || got.ThankYouHTML != "" {
		t.Fatalf("parsed description %q, HTML %q, %q; want the Markdown only", got.Description, got.DescriptionHTML, got.ThankYouHTML)
	}
}

// TestVariantsRoundTrip writes a page that runs an A/B test and reads it back:
// the variants are settings; their rendered HTML, the test's start and its
// history are the service's.
func TestVariantsRoundTrip(t *testing.T) {
	p := storetest.Page("tested")
	p.ButtonText = "Send it"
	p.ControlWeight = 70
	p.Variants = []leadgate.Variant{
		{ID: "b", Weight: 30, Title: "Free playbook", Description: "Now **free**", DescriptionHTML: "<p>Now <strong>free</strong></p>",
			ButtonText: "Get it", CoverImageURL: "/b.png", Layout: leadgate.LayoutSplit, Fields: []string{"email", "name"}},
		{ID: "short"},
	}
	p.VariantsSince = storetest.T0
	p.VariantHistory = []leadgate.VariantTest{{Started: storetest.T0, Ended: storetest.T0, Winner: "c", Arms: []leadgate.ArmCounts{{Arm: "control"}}}}
	data, err := pagefile.Write(p)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := reader.Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, data)
	}
	p.CreatedAt, p.UpdatedAt = time.Time{}, time.Time{}
	p.Variants[0].DescriptionHTML, p.VariantsSince, p.VariantHistory = "", time.Time{}, nil
	if g, w := mustJSON(t, got), mustJSON(t, p); g != w {
		t.Fatalf("round trip changed the page:\n got %s\nwant %s\nfile:\n%s", g, w, data)
	}
	for _, want := range []string{"variants:\n", "  - id: b\n", "    weight: 30\n", "    fields: [email, name]\n", "control_weight: 70\n", "button_text: Send it\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the file lacks %q:\n%s", want, data)
		}
	}
	for _, unwanted := range []string{"description_html", "variants_since", "variant_history", "<strong>"} {
		if strings.Contains(string(data), unwanted) {
			t.Errorf("the file has %s:\n%s", unwanted, data)
		}
	}
}

// trickyTexts are strings a plain YAML scalar would read as something else, or
// would change: each must come back from the file as it went in.
var trickyTexts = []string{"true", "No", "~", "null", "12", "1e5", "0x1f", "0o17", ".inf", "-.5", "+1", "2026-03", "2026-03-01",
	"2026-03-01T10:00:00Z", "10:30", "48h", "- item", "? key", "a: b", "a #b", "a:", " lead", "trail ", "#tag", "&anchor", "*alias",
	"!tag", "|", ">", "%dir", "@at", "`tick`", `"quoted"`, "'single'", "[list]", "{map}", "a, b", "tab\there", "line\r\nbreak",
	"two\nlines", "two\nlines\n", "ends\n\n", "\nleading", "  indented\nsecond", "trailing \nspace", "é ü 日本", "\u2028", "back\\slash",
	"{{.FirstName}}", "https://example.com/a?b=c#d", ""}

func TestWriteParseRoundTripTexts(t *testing.T) {
	for _, s := range trickyTexts {
		roundTripText(t, s)
	}
}

func FuzzWriteParse(f *testing.F) {
	for _, s := range trickyTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // JSON, and so the store, holds valid UTF-8 only
		}
		roundTripText(t, s)
	})
}

// roundTripText writes a page whose texts (a plain one, one in a list, one of an
// email's) are s, and reads it back.
func roundTripText(t *testing.T, s string) {
	t.Helper()
	p := storetest.Page("tricky")
	p.ButtonText, p.HiddenFields = s, []string{s, "utm_source"}
	p.FollowUp.Delivery.Text = s
	data, err := pagefile.Write(p)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := reader.Parse(data)
	if err != nil {
		t.Fatalf("%q: Parse: %v\n%s", s, err, data)
	}
	if got.ButtonText != s || len(got.HiddenFields) != 2 || got.HiddenFields[0] != s || got.FollowUp.Delivery.Text != s {
		t.Fatalf("%q came back as %q, %q, %q:\n%s", s, got.ButtonText, got.HiddenFields, got.FollowUp.Delivery.Text, data)
	}
}
