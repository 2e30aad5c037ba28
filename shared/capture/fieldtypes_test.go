package capture_test

import (
	"maps"
	"testing"

	"leadgate/shared/leadgate"
)

// choicePage is testPage with a field of each type that is not free text.
func choicePage() leadgate.Page {
	p := testPage()
	lo, hi := 1.0, 500.0
	p.Fields = append(p.Fields,
		leadgate.Field{Name: "role", Label: "Role", Type: leadgate.FieldSelect, Options: []string{"Founder", "Marketer"}},
		leadgate.Field{Name: "size", Label: "Team size", Type: leadgate.FieldRadio, Options: []string{"1-10", "11-50"}},
		leadgate.Field{Name: "terms", Label: "Terms", Type: leadgate.FieldCheckbox, Required: true},
		leadgate.Field{Name: "topics", Label: "Topics", Type: leadgate.FieldCheckboxes, Options: []string{"SEO", "Email"}},
		leadgate.Field{Name: "seats", Label: "Seats", Type: leadgate.FieldNumber, Min: &lo, Max: &hi},
		leadgate.Field{Name: "country", Label: "Country", Type: leadgate.FieldCountry},
		leadgate.Field{Name: "site", Label: "Website", Type: leadgate.FieldURL},
		leadgate.Field{Name: "plan", Type: leadgate.FieldHidden, Value: "spring"},
	)
	return p
}

func TestSubmissionChoiceFields(t *testing.T) {
	h := newHarness(t, choicePage())
	sub, _ := h.submission(t, h.request(with(map[string]string{
		"role": "Founder", "size": "11-50", "terms": "yes", "topics": "SEO, Email", "seats": " 12 ",
		"country": "DE", "site": "https://example.com", "plan": "tampered",
	})))
	want := map[string]string{"email": "ada@example.com", "name": "Ada", "role": "Founder", "size": "11-50", "terms": "yes",
		"topics": "SEO, Email", "seats": "12", "country": "DE", "site": "https://example.com", "plan": "spring"}
	if !maps.Equal(sub.Values, want) {
		t.Errorf("values %q, want %q (the hidden field keeps the page's constant)", sub.Values, want)
	}
}

// Each refused value of the new field types is a 422 naming its field, and nothing
// is stored.
func TestSubmissionChoiceFieldErrors(t *testing.T) {
	cases := []struct {
		name  string
		extra map[string]string
		want  string
	}{
		{"select outside its options", map[string]string{"role": "CEO"}, "role:invalid"},
		{"radio outside its options", map[string]string{"size": "1000+"}, "size:invalid"},
		{"required checkbox left empty", map[string]string{"terms": ""}, "terms:required"},
		{"checkbox with another value", map[string]string{"terms": "maybe"}, "terms:invalid"},
		{"checkboxes with an unknown option", map[string]string{"topics": "SEO, Ads"}, "topics:invalid"},
		{"checkboxes with an option twice", map[string]string{"topics": "SEO, SEO"}, "topics:invalid"},
		{"number not a number", map[string]string{"seats": "ten"}, "seats:invalid"},
		{"number below min", map[string]string{"seats": "0"}, "seats:invalid"},
		{"number above max", map[string]string{"seats": "501"}, "seats:invalid"},
		{"number infinite", map[string]string{"seats": "Inf"}, "seats:invalid"},
		{"country not a code", map[string]string{"country": "Germany"}, "country:invalid"},
		{"country in lower case", map[string]string{"country": "de"}, "country:invalid"},
		{"url as a script", map[string]string{"site": "javascript:alert(1)"}, "site:invalid"},
		{"url without a scheme", map[string]string{"site": "example.com"}, "site:invalid"},
		{"url with a line break", map[string]string{"site": "https://example.com/\nx"}, "site:control_character"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, choicePage())
			values := with(map[string]string{"terms": "yes"})
			maps.Copy(values, tc.extra)
			got := h.fieldErrors(t, h.request(values))
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("errors %v, want [%s]", got, tc.want)
			}
		})
	}
}
