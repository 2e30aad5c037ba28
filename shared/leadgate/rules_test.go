package leadgate_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

func TestLeadConfirm(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	cases := []struct {
		name        string
		lead        leadgate.Lead
		wantStatus  leadgate.Status
		wantAt      time.Time
		wantChanged bool
		wantErr     error
	}{
		{"unconfirmed becomes active", leadgate.Lead{Status: leadgate.StatusUnconfirmed}, leadgate.StatusActive, t1, true, nil},
		{"active without proof gets it", leadgate.Lead{Status: leadgate.StatusActive}, leadgate.StatusActive, t1, true, nil},
		{"confirmed before stays as it was", leadgate.Lead{Status: leadgate.StatusActive, ConfirmedAt: t0}, leadgate.StatusActive, t0, false, nil},
		{"unsubscribed stays unsubscribed", leadgate.Lead{Status: leadgate.StatusUnsubscribed}, leadgate.StatusUnsubscribed, t1, true, nil},
		{"erased cannot confirm", leadgate.Lead{Status: leadgate.StatusErased}, leadgate.StatusErased, time.Time{}, false, leadgate.ErrConfirmationGone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.lead.Version = 3
			got, changed, err := c.lead.Confirm(t1)
			if !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if changed != c.wantChanged || got.Status != c.wantStatus || !got.ConfirmedAt.Equal(c.wantAt) {
				t.Fatalf("got changed=%v status=%s confirmed_at=%v, want %v %s %v", changed, got.Status, got.ConfirmedAt, c.wantChanged, c.wantStatus, c.wantAt)
			}
			wantVersion := int64(3)
			if changed {
				wantVersion = 4
			}
			if got.Version != wantVersion {
				t.Errorf("version = %d, want %d", got.Version, wantVersion)
			}
		})
	}
}

func TestMagnetObjectKeyRule(t *testing.T) {
	for _, c := range []struct{ id, file, want string }{
		{"playbook", "The Playbook.PDF", "magnets/playbook.pdf"},
		{"checklist", "list", "magnets/checklist"},
		{"odd", "x.<script>", "magnets/odd"},
	} {
		if got := leadgate.MagnetObjectKey(c.id, c.file); got != c.want {
			t.Errorf("MagnetObjectKey(%q, %q) = %q, want %q", c.id, c.file, got, c.want)
		}
	}
	m := leadgate.Magnet{ID: "playbook", Title: "Playbook", ObjectKey: "other/playbook.pdf", FileName: "playbook.pdf", ContentType: "application/pdf"}
	err := leadgate.AsError(m.Validate())
	if err.Code != leadgate.EINVALID || len(err.Fields) != 1 || err.Fields[0].Field != "object_key" {
		t.Fatalf("a key outside magnets/: %v, want one object_key field error", err)
	}
	m.ObjectKey = leadgate.MagnetObjectKey(m.ID, m.FileName)
	if err := m.Validate(); err != nil {
		t.Fatalf("the derived key is refused: %v", err)
	}
}

func TestSentinelsMatchWithCause(t *testing.T) {
	wrapped := fmt.Errorf("get page: %w", leadgate.ErrPageNotFound.WithCause("read", errors.New("boom")))
	if !errors.Is(wrapped, leadgate.ErrPageNotFound) {
		t.Fatal("a sentinel with a cause no longer matches")
	}
	if errors.Is(wrapped, leadgate.ErrMagnetNotFound) {
		t.Fatal("page not found matches magnet not found")
	}
	if got := leadgate.ErrorMessage(wrapped); got != leadgate.ErrPageNotFound.Message {
		t.Fatalf("message = %q", got)
	}
}

func TestEnglishHasEveryNotice(t *testing.T) {
	ids := []leadgate.NoticeID{
		leadgate.NoticeSomethingWrong, leadgate.NoticePageNotFound, leadgate.NoticePageUnavailable,
		leadgate.NoticeOpenPageInBrowser, leadgate.NoticeFormRateLimited, leadgate.NoticeFormTooLarge,
		leadgate.NoticeFormNotUnderstood, leadgate.NoticeFormForbidden, leadgate.NoticeFormUnavailable,
		leadgate.NoticeLinkFailed, leadgate.NoticeLinkNotFound, leadgate.NoticeLinkGone, leadgate.NoticeOpenLinkInBrowser,
		leadgate.NoticeThanksConfirm, leadgate.NoticeThanksInbox, leadgate.NoticeThanksReady, leadgate.NoticeDownloadAsk, leadgate.NoticeConfirmAsk,
		leadgate.NoticeConfirmed, leadgate.NoticeAlreadyConfirmed, leadgate.NoticeUnsubscribeAsk, leadgate.NoticeUnsubscribed,
		leadgate.NoticeOfferEnded,
	}
	labels := []leadgate.NoticeID{
		leadgate.LabelOptional, leadgate.LabelSubmit, leadgate.LabelCheckForm, leadgate.LabelHoneypot, leadgate.LabelDownload,
		leadgate.LabelPrivacy, leadgate.LabelChoose, leadgate.LabelRequired, leadgate.LabelInvalid, leadgate.LabelCaptcha,
		leadgate.LabelCaptchaOff, leadgate.LabelBackToForm, leadgate.LabelNewLink,
		leadgate.WaitSeconds, leadgate.WaitMinute, leadgate.WaitMinutes, leadgate.WaitHour, leadgate.WaitHours,
		leadgate.MailSubjectDelivery, leadgate.MailSubjectConfirm, leadgate.MailSubjectReminder, leadgate.MailSubjectNurture,
		leadgate.MailHeadingConfirm, leadgate.MailHeadingReminder, leadgate.MailGreeting, leadgate.MailGreetingNoName,
		leadgate.MailIntroFile, leadgate.MailIntroBundle, leadgate.MailIntroLink, leadgate.MailIntroCoupon, leadgate.MailIntroTrial,
		leadgate.MailButtonFile, leadgate.MailButtonBundle, leadgate.MailButtonLink, leadgate.MailButtonCoupon, leadgate.MailButtonTrial,
		leadgate.MailLinkDays, leadgate.MailConfirmAsk, leadgate.MailConfirmButton, leadgate.MailConfirmIgnore,
		leadgate.MailReminder, leadgate.MailReminderLink, leadgate.MailReminderOnly, leadgate.MailNurture,
		leadgate.MailFooterPage, leadgate.MailFooter, leadgate.MailUnsubscribe, leadgate.MailPostalAddress,
	}
	for _, id := range labels {
		if leadgate.English.Label(id) == "" {
			t.Errorf("English lacks label %s", id)
		}
	}
	if len(leadgate.English) != len(ids)+len(labels) {
		t.Errorf("English has %d notices, the test knows %d: keep them in step", len(leadgate.English), len(ids))
	}
	for _, id := range ids {
		n, ok := leadgate.English[id]
		if !ok || n.Title == "" || n.Message == "" {
			t.Errorf("English lacks %s", id)
		}
	}
}

func TestErrorNotices(t *testing.T) {
	en := leadgate.English
	cases := []struct {
		name string
		got  leadgate.Notice
		want string
	}{
		{"unknown page", en.FormError(leadgate.ErrPageNotFound), "Page not found"},
		{"rate limited", en.FormError(leadgate.Errorf(leadgate.ERATELIMITED, "slow down")), "Please wait"},
		{"store down", en.FormError(leadgate.Unavailable("capture", errors.New("timeout"))), "Please try again"},
		{"internal", en.FormError(errors.New("disk full")), "Something went wrong"},
		{"unknown link", en.LinkError(leadgate.ErrGrantNotFound), "Link not found"},
		{"expired link", en.LinkError(leadgate.ErrGrantExpired), "This link no longer works"},
		{"page down", en.PageError(errors.New("boom")), "Please try again"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got.Title != c.want {
				t.Errorf("title = %q, want %q", c.got.Title, c.want)
			}
			if strings.Contains(c.got.Message, "disk full") || strings.Contains(c.got.Message, "timeout") {
				t.Errorf("message shows the cause: %q", c.got.Message)
			}
		})
	}
	if got := en.LinkError(leadgate.ErrGrantExpired).Message; !strings.HasPrefix(got, "This download link has expired. ") {
		t.Errorf("a gone link does not say why: %q", got)
	}
}

func TestRoutePathsMatchTheirPatterns(t *testing.T) {
	cases := []struct{ pattern, path string }{
		{leadgate.PagePattern, leadgate.PagePath("a-page")},
		{leadgate.ThanksPattern, leadgate.ThanksPath("a-page")},
		{leadgate.CapturePattern, leadgate.CapturePath("a-page")},
		{leadgate.FormTokenPattern, leadgate.FormTokenPath("a-page")},
		{leadgate.DownloadPattern, leadgate.DownloadPath("tok")},
		{leadgate.ConfirmPattern, leadgate.ConfirmPath("tok")},
		{leadgate.UnsubscribePattern, leadgate.UnsubscribePath("tok")},
	}
	for _, c := range cases {
		mux := http.NewServeMux()
		mux.HandleFunc(c.pattern, func(http.ResponseWriter, *http.Request) {})
		if _, got := mux.Handler(&http.Request{Method: "GET", URL: mustURL(t, c.path)}); got != c.pattern {
			t.Errorf("%s is served by %q, want %q", c.path, got, c.pattern)
		}
	}
	if got := leadgate.AdminPath("leads", "a b/c@example.com"); got != "/v1/admin/leads/a%20b%2Fc@example.com" {
		t.Errorf("AdminPath = %q", got)
	}
}

func mustURL(t *testing.T, path string) *url.URL {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestNameShapesMatchTheirPatterns checks the byte-by-byte name checks against the
// patterns they stand for, on every short string over a small alphabet.
func TestNameShapesMatchTheirPatterns(t *testing.T) {
	cases := []struct {
		name    string
		check   func(string) bool
		pattern *regexp.Regexp
	}{
		{"slug", leadgate.ValidSlug, regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)},
		{"field name", leadgate.ValidFieldName, regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)},
		{"step id", leadgate.ValidStepID, regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)},
		{"extension", leadgate.PlainExtension, regexp.MustCompile(`^\.[a-z0-9]{1,10}$`)},
	}
	alphabet := []string{"a", "Z", "0", "-", "_", ".", "é"}
	var inputs []string
	var grow func(prefix string, depth int)
	grow = func(prefix string, depth int) {
		inputs = append(inputs, prefix)
		if depth == 0 {
			return
		}
		for _, c := range alphabet {
			grow(prefix+c, depth-1)
		}
	}
	grow("", 4)
	for _, n := range []int{10, 11, 31, 32, 33, 39, 40, 41, 63, 64, 65} {
		inputs = append(inputs, strings.Repeat("a", n), "."+strings.Repeat("a", n), strings.Repeat("a", n-1)+"-")
	}
	for _, c := range cases {
		for _, in := range inputs {
			if got, want := c.check(in), c.pattern.MatchString(in); got != want {
				t.Errorf("%s %q: %v, the pattern says %v", c.name, in, got, want)
			}
		}
	}
}

// The rate-limit notice says how long to wait, from the limit's Retry-After, in the
// page's language.
func TestRateLimitNoticeSaysHowLong(t *testing.T) {
	limited := func(d time.Duration) error {
		return &leadgate.Error{Code: leadgate.ERATELIMITED, Message: "too many", RetryAfter: d}
	}
	cases := []struct {
		locale string
		wait   time.Duration
		want   string
	}{
		{"en", 20 * time.Second, "Please try again in less than a minute."},
		{"en", 70 * time.Second, "Please try again in about a minute."},
		{"en", 4*time.Minute + 10*time.Second, "Please try again in about 4 minutes."},
		{"en", 19*time.Minute + 56*time.Second, "Please try again in about 20 minutes."},
		{"en", 58 * time.Minute, "Please try again in about an hour."},
		{"en", 0, "Please try again in about an hour."},
		{"en", 3 * time.Hour, "Please try again in about 3 hours."},
		{"de", 20 * time.Minute, "Bitte versuchen Sie es in etwa 20 Minuten noch einmal."},
		{"de", time.Hour, "Bitte versuchen Sie es in etwa einer Stunde noch einmal."},
		{"fr", 20 * time.Minute, "Veuillez réessayer dans environ 20 minutes."},
		{"es", time.Hour, "Vuelva a intentarlo dentro de una hora aproximadamente."},
	}
	for _, c := range cases {
		got := leadgate.CatalogueFor(c.locale).FormError(limited(c.wait)).Message
		if !strings.HasSuffix(got, c.want) {
			t.Errorf("%s %v: %q, want it to end %q", c.locale, c.wait, got, c.want)
		}
	}
}
