package sesevents_test

import (
	"testing"

	"leadgate/shared/sesevents"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, message string
		want          []string // kind:email
		err           bool
	}{
		{"event publishing hard bounce",
			`{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"A@Example.com"},{"emailAddress":"Bee <b@example.com>"}],"timestamp":"2026-11-21T10:00:00Z"},"mail":{"messageId":"m1"}}`,
			[]string{"bounce:a@example.com", "bounce:b@example.com"}, false},
		{"identity notification soft bounce",
			`{"notificationType":"Bounce","bounce":{"bounceType":"Transient","bouncedRecipients":[{"emailAddress":"c@example.com"}],"timestamp":"2026-11-21T10:00:00Z"},"mail":{"messageId":"m2"}}`,
			[]string{"soft_bounce:c@example.com"}, false},
		{"undetermined bounce is soft",
			`{"eventType":"Bounce","bounce":{"bounceType":"Undetermined","bouncedRecipients":[{"emailAddress":"d@example.com"}]},"mail":{"messageId":"m3"}}`,
			[]string{"soft_bounce:d@example.com"}, false},
		{"complaint",
			`{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"e@example.com"}]},"mail":{"messageId":"m4"}}`,
			[]string{"complaint:e@example.com"}, false},
		{"delivery gives nothing", `{"eventType":"Delivery","delivery":{},"mail":{"messageId":"m5"}}`, nil, false},
		{"a bounce without its object gives nothing", `{"eventType":"Bounce","mail":{"messageId":"m6"}}`, nil, false},
		{"a recipient that is no address is skipped",
			`{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"not an address"}]},"mail":{"messageId":"m7"}}`, nil, false},
		{"not JSON", `Subscription confirmation`, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			evs, err := sesevents.Parse(tc.message)
			if (err != nil) != tc.err {
				t.Fatalf("error %v", err)
			}
			var got []string
			for _, e := range evs {
				got = append(got, e.Kind+":"+e.Email)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("events %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("events %v, want %v", got, tc.want)
				}
			}
		})
	}
}
