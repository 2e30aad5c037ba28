package leadgate_test

import (
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

func TestCheckTextRefusesInvisibleCharacters(t *testing.T) {
	for _, v := range []string{"Ada\u202eecalevoL", "Ada\u200bLovelace", "Ada\u2066x\u2069", "\ufeffAda", "Ada\u200eLovelace", "Ada\u00adLovelace"} {
		if fe := leadgate.CheckText("name", v, 100, true); fe == nil || fe.Code != "invisible_character" {
			t.Errorf("CheckText(%q) = %+v, want invisible_character", v, fe)
		}
	}
	// Joiners are part of writing Persian, Indic scripts and emoji.
	for _, v := range []string{"می\u200cخواهم", "क्\u200dष", "👩\u200d💻", "Zoë O'Brien-Núñez", "李小龙"} {
		if fe := leadgate.CheckText("name", v, 100, false); fe != nil {
			t.Errorf("CheckText(%q) = %+v, want accepted", v, fe)
		}
	}
}

func TestPlainName(t *testing.T) {
	for _, name := range []string{"Ada Lovelace", "J. R. R. Tolkien", "J.R.R. Tolkien", "Martin Luther King Jr.", "Mary-Ann O'Neil", "José", "Dr. Who", "1.5 Ada", "Ada / Lovelace", "<b>Ada</b>"} {
		if !leadgate.PlainName(name) {
			t.Errorf("PlainName(%q) = false, want true", name)
		}
	}
	for _, name := range []string{"https://evil.example/verify-your-account", "evil.example", "Visit bit.ly now", "ada@evil.example", "www.evil", "WWW.EVIL", "ftp://x"} {
		if leadgate.PlainName(name) {
			t.Errorf("PlainName(%q) = true, want false", name)
		}
		if fe := leadgate.CheckPlainName("name", name); fe == nil || fe.Field != "name" {
			t.Errorf("CheckPlainName(%q) = %+v", name, fe)
		}
	}
}

// textsPage is a valid page with every kind of text a page has: a variant, a
// nurture step and a fit rule.
func textsPage() leadgate.Page {
	p := storetest.Page("texts")
	p.Variants = []leadgate.Variant{{ID: "b", Title: "Another title", Description: "Another\n\ndescription", ButtonText: "Get it"}}
	p.FollowUp.FromName = "The Team"
	p.FollowUp.Delivery = leadgate.EmailTemplate{Subject: "Your guide", Text: "Hi,\n\nhere it is.", HTML: "<p>Hi,</p>\n<p>here it is.</p>"}
	p.FollowUp.Nurture = []leadgate.NurtureStep{{ID: "day-2", After: 48 * time.Hour, EmailTemplate: leadgate.EmailTemplate{Subject: "Play one", Text: "Play one."}}}
	p.Scoring = leadgate.ScoringRules{MQLAt: 20, SQLAt: 40, Fit: []leadgate.FitRule{{Field: "company", Keywords: []string{"acme"}, Points: 5}}}
	return p
}

// oneLineTexts and severalLineTexts set each text of a page, by the name of its
// field errors.
var oneLineTexts = map[string]func(*leadgate.Page, string){
	"title":                        func(p *leadgate.Page, v string) { p.Title = v },
	"fields[1].label":              func(p *leadgate.Page, v string) { p.Fields[1].Label = v },
	"consent_text":                 func(p *leadgate.Page, v string) { p.ConsentText = v },
	"consent_version":              func(p *leadgate.Page, v string) { p.ConsentVersion = v },
	"button_text":                  func(p *leadgate.Page, v string) { p.ButtonText = v },
	"variants.b.title":             func(p *leadgate.Page, v string) { p.Variants[0].Title = v },
	"variants.b.button_text":       func(p *leadgate.Page, v string) { p.Variants[0].ButtonText = v },
	"follow_up.from_name":          func(p *leadgate.Page, v string) { p.FollowUp.FromName = v },
	"follow_up.delivery.subject":   func(p *leadgate.Page, v string) { p.FollowUp.Delivery.Subject = v },
	"follow_up.reminder.subject":   func(p *leadgate.Page, v string) { p.FollowUp.Reminder.Subject = v },
	"follow_up.nurture[0].subject": func(p *leadgate.Page, v string) { p.FollowUp.Nurture[0].Subject = v },
	"scoring.fit[0].keywords":      func(p *leadgate.Page, v string) { p.Scoring.Fit[0].Keywords = []string{"acme", v} },
}

var severalLineTexts = map[string]func(*leadgate.Page, string){
	"description":                 func(p *leadgate.Page, v string) { p.Description = v },
	"thank_you_content":           func(p *leadgate.Page, v string) { p.ThankYouContent = v },
	"variants.b.description":      func(p *leadgate.Page, v string) { p.Variants[0].Description = v },
	"follow_up.delivery.text":     func(p *leadgate.Page, v string) { p.FollowUp.Delivery.Text = v },
	"follow_up.delivery.html":     func(p *leadgate.Page, v string) { p.FollowUp.Delivery.HTML = v },
	"follow_up.confirmation.text": func(p *leadgate.Page, v string) { p.FollowUp.Confirmation.Text = v },
	"follow_up.nurture[0].text":   func(p *leadgate.Page, v string) { p.FollowUp.Nurture[0].Text = v },
	"follow_up.nurture[0].html":   func(p *leadgate.Page, v string) { p.FollowUp.Nurture[0].HTML = v },
}

// TestPageTextsOfOneLine: a title, a label, the consent, a subject... hold no
// line break of any kind (what YAML 1.1 and some browsers and mail clients take
// for one too), no other control character and no invisible character, each
// refused with an error that names the text's field and says what to remove.
func TestPageTextsOfOneLine(t *testing.T) {
	if err := textsPage().Validate(); err != nil {
		t.Fatalf("the fixture is not a valid page: %v", err)
	}
	refused := []struct{ name, value, code, says string }{
		{"LF", "a\nb", "control_character", "must be one line: remove the line break"},
		{"CRLF", "a\r\nb", "control_character", "must be one line: remove the line break"},
		{"CR", "a\rb", "control_character", "must be one line"},
		{"NEL", "a\u0085b", "control_character", "must be one line: remove the line break (U+0085)"},
		{"line separator", "Title\u2028magnet_id: other", "control_character", "must be one line: remove the line break (U+2028)"},
		{"paragraph separator", "a\u2029b", "control_character", "must be one line: remove the line break (U+2029)"},
		{"vertical tab", "a\vb", "control_character", "control character (U+000B)"},
		{"form feed", "a\fb", "control_character", "control character (U+000C)"},
		{"tab", "a\tb", "control_character", "tab"},
		{"NUL", "a\x00b", "control_character", "control character (U+0000)"},
		{"escape", "\x1b[31mred", "control_character", "control character (U+001B)"},
		{"DEL", "a\x7fb", "control_character", "control character (U+007F)"},
		{"C1", "a\u0080b", "control_character", "control character (U+0080)"},
		{"direction override", "a\u202eb", "invisible_character", "text-direction character (U+202E)"},
		{"byte order mark", "\ufeffa", "invisible_character", "(U+FEFF)"},
		{"not UTF-8", "a\xffb", "invalid", "not valid text"},
	}
	for field, set := range oneLineTexts {
		for _, tc := range refused {
			t.Run(field+"/"+tc.name, func(t *testing.T) {
				p := textsPage()
				set(&p, tc.value)
				fe := fieldError(t, p.Validate(), field)
				if fe.Code != tc.code || !strings.Contains(fe.Message, tc.says) {
					t.Fatalf("%s: %+v, want code %s saying %q", field, fe, tc.code, tc.says)
				}
			})
		}
		for _, v := range []string{"Zoë O'Brien-Núñez", "👩\u200d💻 for teams", "李小龙", `"Quoted" & <b>bold</b>`, "nbsp\u00a0here"} {
			p := textsPage()
			set(&p, v)
			if err := p.Validate(); err != nil {
				t.Errorf("%s %q refused: %v", field, v, err)
			}
		}
	}
}

// TestPageTextsOfSeveralLines: Markdown and an email's text and HTML keep their
// line breaks (LF or CRLF) and tabs, and refuse every other control character,
// the line breaks some programs show and others do not among them.
func TestPageTextsOfSeveralLines(t *testing.T) {
	for field, set := range severalLineTexts {
		for _, v := range []string{"one\ntwo", "one\r\ntwo\r\n", "\tindented code\n", "Zoë\n\n李小龙 👩\u200d💻"} {
			p := textsPage()
			set(&p, v)
			if err := p.Validate(); err != nil {
				t.Errorf("%s %q refused: %v", field, v, err)
			}
		}
		for _, tc := range []struct{ value, code, says string }{
			{"one\u2028two", "control_character", "line break (U+2028) that some programs show and others do not"},
			{"one\u2029two", "control_character", "(U+2029)"},
			{"one\u0085two", "control_character", "(U+0085)"},
			{"one\x00two", "control_character", "control character (U+0000)"},
			{"one\vtwo", "control_character", "control character (U+000B)"},
			{"\x1b[2J", "control_character", "control character (U+001B)"},
			{"one\u202etwo", "invisible_character", "(U+202E)"},
		} {
			p := textsPage()
			set(&p, tc.value)
			if fe := fieldError(t, p.Validate(), field); fe.Code != tc.code || !strings.Contains(fe.Message, tc.says) {
				t.Errorf("%s %q: %+v, want code %s saying %q", field, tc.value, fe, tc.code, tc.says)
			}
		}
	}
}

// fieldError returns the error of err that names field; it fails the test when
// err is not EINVALID or names it not.
func fieldError(t *testing.T, err error, field string) leadgate.FieldError {
	t.Helper()
	de, ok := err.(*leadgate.Error)
	if !ok || de.Code != leadgate.EINVALID {
		t.Fatalf("Validate() = %v, want EINVALID naming %s", err, field)
	}
	for _, fe := range de.Fields {
		if fe.Field == field {
			return fe
		}
	}
	t.Fatalf("errors %+v do not name %s", de.Fields, field)
	return leadgate.FieldError{}
}
