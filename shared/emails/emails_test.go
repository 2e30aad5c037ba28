package emails_test

import (
	"strings"
	"testing"
	"time"

	"leadgate/shared/emails"
	"leadgate/shared/leadgate"
)

func data() emails.Data {
	return emails.Data{Name: `Ada <script>alert(1)</script> Lovelace`, PageTitle: "The playbook page", MagnetTitle: "The Playbook",
		MagnetKind: "ebook", DownloadURL: "https://api.example.com/v1/downloads/tok", ConfirmURL: "https://api.example.com/v1/confirm/tok",
		UnsubscribeURL: "https://api.example.com/v1/unsubscribe/tok", FromName: "The Growth Team", LinkDays: 30}
}

func TestDefaultsRenderEveryKind(t *testing.T) {
	for _, kind := range []string{emails.Delivery, emails.Confirmation, emails.Reminder, emails.Nurture} {
		t.Run(kind, func(t *testing.T) {
			subject, text, html, err := emails.Render(kind, leadgate.EmailTemplate{}, data())
			if err != nil {
				t.Fatal(err)
			}
			if subject == "" || strings.ContainsAny(subject, "\r\n") || !strings.Contains(subject, "The Playbook") && kind != emails.Nurture {
				t.Fatalf("subject %q", subject)
			}
			for _, part := range []string{text, html} {
				if !strings.Contains(part, "https://api.example.com/v1/unsubscribe/tok") {
					t.Fatalf("%s part has no unsubscribe link", kind)
				}
			}
			if strings.Contains(html, "<script>") || !strings.Contains(html, `lang="en"`) {
				t.Fatal("HTML is not escaped or not labelled")
			}
			if !strings.Contains(text, "Hi Ada,") {
				t.Fatalf("text greets no one: %s", text)
			}
			switch kind {
			case emails.Delivery:
				if !strings.Contains(html, `href="https://api.example.com/v1/downloads/tok"`) || !strings.Contains(text, "https://api.example.com/v1/downloads/tok") {
					t.Fatal("delivery lacks the download link")
				}
			case emails.Confirmation, emails.Reminder:
				if !strings.Contains(html, `href="https://api.example.com/v1/confirm/tok"`) {
					t.Fatal("no confirm link")
				}
			}
		})
	}
}

func TestPageTemplates(t *testing.T) {
	own := leadgate.EmailTemplate{Subject: "Day 2: {{.MagnetTitle}} in practice", Text: "Hello {{.FirstName}},\n\nThree ideas & one <tip>.\nSecond line."}
	subject, text, html, err := emails.Render(emails.Nurture, own, data())
	if err != nil {
		t.Fatal(err)
	}
	if subject != "Day 2: The Playbook in practice" || !strings.HasPrefix(text, "Hello Ada,") {
		t.Fatalf("subject %q text %q", subject, text)
	}
	if !strings.Contains(html, "Three ideas &amp; one &lt;tip&gt;.<br>Second line.") {
		t.Fatalf("text-only template not turned into escaped paragraphs: %s", html)
	}
	cases := []struct {
		name string
		t    leadgate.EmailTemplate
	}{
		{"subject with a line break", leadgate.EmailTemplate{Subject: "Hi\nBcc: x@example.com"}},
		{"subject that renders a line break", leadgate.EmailTemplate{Subject: "{{.Name}}"}},
		{"unknown field", leadgate.EmailTemplate{Text: "{{.Password}}"}},
		{"broken syntax", leadgate.EmailTemplate{HTML: "{{if}}"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := data()
			d.Name = "Ada\r\nBcc: all@example.com"
			if _, _, _, err := emails.Render(emails.Nurture, tc.t, d); leadgate.ErrorCode(err) != leadgate.EINVALID {
				t.Fatalf("error %v, want EINVALID", err)
			}
		})
	}
}

func TestUnsubscribeHeaders(t *testing.T) {
	h := emails.UnsubscribeHeaders("https://api.example.com/v1/unsubscribe/tok")
	if len(h) != 2 || h[0].Value != "<https://api.example.com/v1/unsubscribe/tok>" || h[1].Value != "List-Unsubscribe=One-Click" {
		t.Fatalf("headers %+v", h)
	}
}

func TestCheckTemplatesAcceptsWorkingTemplates(t *testing.T) {
	page := leadgate.Page{Slug: "p", Title: "The page", FollowUp: leadgate.FollowUp{
		Delivery: leadgate.EmailTemplate{Subject: "Your {{.MagnetKind}}, {{.FirstName}}", HTML: `<p><a href="{{.DownloadURL}}">Get it</a></p>`},
		Nurture:  []leadgate.NurtureStep{{ID: "day-2", After: time.Hour, EmailTemplate: leadgate.EmailTemplate{Text: "Hi {{.FirstName}}"}}},
	}}
	if err := emails.CheckTemplates(page); err != nil {
		t.Fatalf("CheckTemplates: %v", err)
	}
	if err := emails.CheckTemplates(leadgate.Page{Slug: "defaults"}); err != nil {
		t.Fatalf("CheckTemplates of a page with the defaults: %v", err)
	}
}

// TestCheckTemplatesNamesEachBrokenPart breaks one part of each email: a syntax
// error, an unknown value, a subject spanning lines; each is named by its field.
func TestCheckTemplatesNamesEachBrokenPart(t *testing.T) {
	page := leadgate.Page{Slug: "p", Title: "The page", FollowUp: leadgate.FollowUp{
		Delivery:     leadgate.EmailTemplate{Subject: "Hi {{.FirstName"},
		Confirmation: leadgate.EmailTemplate{Text: "Confirm: {{.Nope}}"},
		Reminder:     leadgate.EmailTemplate{Subject: "Line one\n{{.FirstName}}\nline two"},
		Nurture: []leadgate.NurtureStep{
			{ID: "day-2", After: time.Hour, EmailTemplate: leadgate.EmailTemplate{Text: "fine"}},
			{ID: "day-5", After: 2 * time.Hour, EmailTemplate: leadgate.EmailTemplate{HTML: "<p>{{range}}</p>"}},
		},
	}}
	err := emails.CheckTemplates(page)
	e := leadgate.AsError(err)
	if err == nil || e.Code != leadgate.EINVALID {
		t.Fatalf("CheckTemplates: %v, want EINVALID", err)
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field)
	}
	want := []string{"follow_up.delivery.subject", "follow_up.confirmation.text", "follow_up.reminder.subject", "follow_up.nurture[1].html"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("fields %v, want %v (%+v)", got, want, e.Fields)
	}
	if !strings.Contains(e.Fields[3].Message, "day-5") {
		t.Errorf("message %q does not name the step", e.Fields[3].Message)
	}
}

// A stranger's name goes into the greeting and a page's own subject: one holding a
// web or email address, or invisible characters, must not be mailed as typed.
// VisitorName is what the follow-up emails put into Data.
func TestUnsafeNamesGetTheNeutralGreeting(t *testing.T) {
	own := leadgate.EmailTemplate{Subject: "{{.FirstName}}, your guide", Text: "Hello {{.Name}}. {{.DownloadURL}}"}
	for _, name := range []string{"https://evil.example/verify-your-account", "evil.example/login Ada", "ada@evil.example", "Ada\u202etxt.exe", "Ada\u200bLovelace"} {
		d := data()
		d.Name = emails.VisitorName(name)
		for _, tc := range []struct {
			kind string
			t    leadgate.EmailTemplate
		}{{emails.Delivery, leadgate.EmailTemplate{}}, {emails.Nurture, own}} {
			subject, text, html, err := emails.Render(tc.kind, tc.t, d)
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []string{subject, text, html} {
				if strings.Contains(part, "evil") || strings.ContainsAny(part, "\u202e\u200b") {
					t.Fatalf("%s email mails the name %q as typed: %q", tc.kind, name, part)
				}
			}
			if tc.kind == emails.Delivery && !strings.Contains(text, "Hi there,") {
				t.Fatalf("greeting for %q: %q, want the neutral one", name, text)
			}
			if tc.kind == emails.Nurture && subject != "there, your guide" {
				t.Fatalf("subject for %q: %q", name, subject)
			}
		}
	}
}

func TestVisitorNameKeepsPlainNames(t *testing.T) {
	for _, name := range []string{"Ada Lovelace", "J. R. R. Tolkien", "Zoë", "می\u200cخواهم"} {
		if got := emails.VisitorName(name); got != name {
			t.Errorf("VisitorName(%q) = %q", name, got)
		}
	}
}
