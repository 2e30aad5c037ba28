package console

import (
	"html"
	"net/url"
	"reflect"
	"regexp"
	"testing"

	"leadgate/shared/leadgate/storetest"
	"leadgate/shared/markup"
)

var (
	formInput    = regexp.MustCompile(`<input type="(?:text|hidden)" (?:id="[^"]*" )?name="([^"]*)" value="([^"]*)"`)
	formTextarea = regexp.MustCompile(`(?s)<textarea id="[^"]*" name="([^"]*)"[^>]*>\n?(.*?)</textarea>`)
	formSelect   = regexp.MustCompile(`(?s)<select id="[^"]*" name="([^"]*)"[^>]*>(.*?)</select>`)
	formSelected = regexp.MustCompile(`<option value="([^"]*)" selected>`)
	formChecked  = regexp.MustCompile(`<input type="(?:checkbox|radio)" id="[^"]*" name="([^"]*)" value="([^"]*)" checked>`)
)

// The editor shows every setting of a page, the look, language, captcha and field
// types included, so that saving the form unchanged keeps the page as it was.
func TestEditorKeepsEverySetting(t *testing.T) {
	p := storetest.FullPage("full-guide")
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	var m markup.Writer
	writeEditor(&m, layout{}, editorView{Form: formOf(p), Stored: p})
	page := m.String()
	form := url.Values{}
	for _, x := range formInput.FindAllStringSubmatch(page, -1) {
		form.Add(html.UnescapeString(x[1]), html.UnescapeString(x[2]))
	}
	for _, x := range formTextarea.FindAllStringSubmatch(page, -1) {
		form.Add(html.UnescapeString(x[1]), html.UnescapeString(x[2]))
	}
	for _, x := range formSelect.FindAllStringSubmatch(page, -1) {
		if s := formSelected.FindStringSubmatch(x[2]); s != nil {
			form.Add(x[1], html.UnescapeString(s[1]))
		}
	}
	for _, x := range formChecked.FindAllStringSubmatch(page, -1) {
		form.Add(html.UnescapeString(x[1]), html.UnescapeString(x[2]))
	}
	got := readEditorForm(form, false)
	if len(got.Errors) > 0 {
		t.Fatalf("errors reading the editor's own form: %v", got.Errors)
	}
	got.Page.Slug, got.Page.Draft, got.Page.CreatedAt, got.Page.UpdatedAt = p.Slug, p.Draft, p.CreatedAt, p.UpdatedAt
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"look", got.Page.Look, p.Look}, {"locale", got.Page.Locale, p.Locale}, {"captcha", got.Page.Captcha, p.Captcha},
		{"privacy_url", got.Page.PrivacyURL, p.PrivacyURL}, {"thank_you_content", got.Page.ThankYouContent, p.ThankYouContent},
		{"description", got.Page.Description, p.Description}, {"fields", got.Page.Fields, p.Fields},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: read back %#v, want %#v", c.name, c.got, c.want)
		}
	}
}
