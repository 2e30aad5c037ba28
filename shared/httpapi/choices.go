package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"leadgate/shared/captcha"
	"leadgate/shared/capture"
	"leadgate/shared/leadgate"
)

// WithCaptcha has the API verify the captcha of the pages that carry one with v;
// without it, such a page's posts are refused as unavailable (captcha's rule).
func (a *API) WithCaptcha(v *captcha.Verifier) *API {
	a.captcha = v
	return a
}

// joinChoices makes the boxes ticked in a checkboxes field, which a browser posts
// as one value each, into the field's one value, "a, b"; a name posted more than
// once that is no such field stays repeated, for the capture to refuse.
func joinChoices(page leadgate.Page, fv *formValues) {
	fv.repeated = slices.DeleteFunc(fv.repeated, func(name string) bool {
		f, ok := page.Field(name)
		if !ok || f.Type != leadgate.FieldCheckboxes {
			return false
		}
		var ticked []string
		for _, v := range fv.lists[name] {
			if v = strings.TrimSpace(v); v != "" {
				ticked = append(ticked, v)
			}
		}
		fv.values[name] = strings.Join(ticked, leadgate.OptionSeparator)
		return true
	})
}

// checkCaptcha verifies the captcha answer of a post to page, and takes it out of
// the values, which are the lead's.
func (a *API) checkCaptcha(r *http.Request, page leadgate.Page, values map[string]string) error {
	for _, name := range captcha.ResponseFields {
		defer delete(values, name)
	}
	if page.Captcha.Provider == "" {
		return nil
	}
	answer := values[captcha.ResponseFields[page.Captcha.Provider]]
	switch {
	case strings.TrimSpace(answer) == "":
		return captcha.ErrNotAPerson
	case a.captcha == nil:
		return leadgate.Errorf(leadgate.EUNAVAILABLE, "this deployment verifies no captcha")
	}
	return a.captcha.Verify(r.Context(), page, answer, clientIP(r))
}

// withFieldErrors lists the errors of the fields of a post whose captcha failed
// before the captcha's own, so a person fixes everything in one go.
func withFieldErrors(page leadgate.Page, req capture.Request, err error) error {
	if leadgate.ErrorCode(err) != leadgate.EINVALID {
		return err
	}
	var fields []leadgate.FieldError
	if ferr := capture.CheckValues(page, req); ferr != nil {
		fields = leadgate.AsError(ferr).Fields
	}
	return leadgate.Invalid(append(fields, leadgate.AsError(err).Fields...)...)
}

// localise puts a form error into the words of the page's locale: English pages
// keep the exact message; others say "required", the captcha's or "please check".
func localise(page leadgate.Page, fe leadgate.FieldError) string {
	if page.PageLocale() == "en" {
		if fe.Field == captcha.Field {
			return leadgate.English.Label(leadgate.LabelCaptcha)
		}
		return leadgate.Sentence(fe.Message)
	}
	words := leadgate.CatalogueFor(page.Locale)
	switch {
	case fe.Field == captcha.Field:
		return words.Label(leadgate.LabelCaptcha)
	case fe.Code == "required":
		return words.Label(leadgate.LabelRequired)
	}
	return words.Label(leadgate.LabelInvalid)
}
