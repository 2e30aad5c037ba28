package pagefile_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
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
	"{{.FirstName}}", "https://example.com/a?b=c#d", "",
	// What YAML 1.1 readers take for line breaks (NEL, the line and paragraph
	// separators), in a text of one line and in one of several, where a block
	// would hold them raw; other controls, and characters a file must not show raw.
	"\u2029", "\u0085", "Title\u2028magnet_id: other", "two\nlines\u2028draft: true", "two\nlines\u2029magnet_id: other",
	"two\nlines\u0085allowed_origins: [\"https://evil.example\"]", "two\r\nlines\u2028x", "\x00", "\x1b[31mred", "\v\f", "del\x7f",
	"c1\u0080\u009f", "two\nlines\x7f", "two\nlines\u0080", "\ufeffbom", "two\nlines\ufeff", "\uffff", "two\nlines\ufffe",
	"rtl\u202eoverride", "two\nlines\u202e", "zero\u200bwidth", "nbsp\u00a0here", "two\u00a0\nlines\u3000", "👨\u200d👩\u200d👧\nfamily",
	"\U000e0067tag", "private\ue000use", "Why?", "A?0", "Ready to buy? Yes"}

func TestWriteParseRoundTripTexts(t *testing.T) {
	for _, s := range trickyTexts {
		roundTripText(t, s)
	}
}

// TestWriteParseIndicators writes texts that hold a YAML indicator at their start,
// in their middle or at their end, alone or beside a space: as a plain value, as
// an item of a [list] and in a block, each comes back as it went in. A select's
// options are such a list: an option "Why?" once made its page's file unreadable.
func TestWriteParseIndicators(t *testing.T) {
	for _, c := range strings.Split("? - : # & * ! | > ' \" % @ ` , [ ] { } = < ~ . +", " ") {
		for _, s := range []string{c, c + c, c + "x", c + " x", "x" + c, "x" + c + "y", "x " + c, "x " + c + " y", "x" + c + " y",
			"x " + c + "y", "Why" + c, "1h" + c, "/a" + c + "b", "two\n" + c + " lines"} {
			roundTripText(t, s)
		}
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

// roundTripText writes a page whose texts (plain ones, items of lists, one of an
// email's, the description at the top level) are s, and reads it back: the same
// page, with no setting more or less, from a file that holds no character a YAML
// reader could take for a line break or that a person could not see.
func roundTripText(t *testing.T, s string) {
	t.Helper()
	p := storetest.Page("tricky")
	p.CreatedAt, p.UpdatedAt = time.Time{}, time.Time{}
	p.Title, p.Description, p.ButtonText, p.HiddenFields = s, s, s, []string{s, "utm_source"}
	p.Fields[1].Options = []string{"Yes", s}
	p.FollowUp.Delivery.Text = s
	data, err := pagefile.Write(p)
	if err != nil {
		t.Fatal(err)
	}
	checkNoRawBreaks(t, data)
	got, _, err := reader.Parse(data)
	if err != nil {
		t.Fatalf("%q: Parse: %v\n%s", s, err, data)
	}
	if got.ButtonText != s || len(got.HiddenFields) != 2 || got.HiddenFields[0] != s || got.FollowUp.Delivery.Text != s {
		t.Fatalf("%q came back as %q, %q, %q:\n%s", s, got.ButtonText, got.HiddenFields, got.FollowUp.Delivery.Text, data)
	}
	if g, w := mustJSON(t, got), mustJSON(t, p); g != w {
		t.Fatalf("%q: round trip changed the page:\n got %s\nwant %s\nfile:\n%s", s, g, w, data)
	}
}

// checkNoRawBreaks fails unless every character of the file is a line feed, a
// space or a graphic character (the zero-width joiners too): no carriage return,
// NEL, line or paragraph separator, or other control or format character, all of
// which the writer escapes between double quotes.
func checkNoRawBreaks(t *testing.T, data []byte) {
	t.Helper()
	for i, r := range string(data) {
		if r != '\n' && !unicode.IsGraphic(r) && r != '\u200c' && r != '\u200d' {
			t.Errorf("the file holds %U raw at byte %d:\n%s", r, i, data)
			return
		}
	}
}

// TestWriteEscapesYAMLLineBreaks writes texts that end a line for YAML 1.1 readers
// (NEL, U+2028, U+2029) before what reads as a setting, in texts of one line and
// of several (which the writer otherwise writes as blocks): the file holds them
// escaped by their YAML names, and read back it is the same page. Read as a YAML
// 1.1 reader splits lines, it has no setting but the page's own.
func TestWriteEscapesYAMLLineBreaks(t *testing.T) {
	for _, c := range []struct{ name, brk, escape string }{
		{"NEL", "\u0085", `\N`}, {"line separator", "\u2028", `\L`}, {"paragraph separator", "\u2029", `\P`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := storetest.Page("smuggle")
			p.CreatedAt, p.UpdatedAt = time.Time{}, time.Time{}
			p.Title = "Title" + c.brk + "magnet_id: other"
			p.Description = "Intro\nmore" + c.brk + "draft: true"
			p.FollowUp.Delivery.Text = "Hi\nthere" + c.brk + "untimed_forms_allowed: true"
			p.AllowedOrigins = []string{"https://example.com" + c.brk + "error_url: /x"}
			data, err := pagefile.Write(p)
			if err != nil {
				t.Fatal(err)
			}
			checkNoRawBreaks(t, data)
			if n := strings.Count(string(data), c.escape); n != 4 {
				t.Errorf("the file has %d %s escapes, want 4:\n%s", n, c.escape, data)
			}
			want := []string{"slug", "title", "description", "magnet_id", "fields", "privacy_url", "hidden_fields", "consent_text",
				"consent_version", "opt_in", "thank_you_url", "allowed_origins", "follow_up"}
			if got := yaml11TopLevelKeys(data); !slices.Equal(got, want) {
				t.Errorf("top-level keys as YAML 1.1 reads lines: %q, want %q:\n%s", got, want, data)
			}
			got, _, err := reader.Parse(data)
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, data)
			}
			if g, w := mustJSON(t, got), mustJSON(t, p); g != w {
				t.Fatalf("round trip changed the page:\n got %s\nwant %s\nfile:\n%s", g, w, data)
			}
		})
	}
}

// yaml11TopLevelKeys lists the keys of a page file's top-level mapping as a YAML
// 1.1 reader finds them: lines end at CR, LF, NEL, U+2028 and U+2029, and a key
// is a line's text before ": " or a final ":" when the line starts at column 0
// and is no comment. Enough for the files Write makes, whose keys are plain.
func yaml11TopLevelKeys(data []byte) []string {
	var keys []string
	lines := strings.FieldsFunc(string(data), func(r rune) bool { return strings.ContainsRune("\r\n\u0085\u2028\u2029", r) })
	for _, line := range lines {
		if line == "" || strings.ContainsRune(" #-", rune(line[0])) {
			continue
		}
		if k, _, ok := strings.Cut(line, ": "); ok {
			keys = append(keys, k)
		} else if k, ok := strings.CutSuffix(line, ":"); ok {
			keys = append(keys, k)
		}
	}
	return keys
}
