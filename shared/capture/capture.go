// Package capture carries out a landing-page form submission: spam checks, validation
// against the page's fields, rate limits and dedupe, and the one store write that
// records the lead.
package capture

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// Store is what the service needs of a lead store.
type Store interface {
	Page(ctx context.Context, slug string) (leadgate.Page, error)
	Magnet(ctx context.Context, id string) (leadgate.Magnet, error)
	Capture(ctx context.Context, c leadgate.Capture) (leadgate.CaptureResult, error)
}

// Config tunes the spam checks, dedupe and rate limits.
type Config struct {
	// MinFillTime: a form posted sooner than this after it was rendered came from a bot.
	MinFillTime time.Duration
	// FormTokenMaxAge: an older form asks the person to submit again.
	FormTokenMaxAge time.Duration
	// FormTokenUses: a form token carries at most this many captures (repeats
	// included); later posts with it get the fake success a bot gets. 0: no limit.
	FormTokenUses int
	// DedupeWindow: the same address on the same page within it is one submission.
	DedupeWindow time.Duration
	// At most RatePerIP captures per client IP in each RateWindow; 0 turns the limit
	// off. An address has no capture limit: its emails have (followup.Config's
	// PerAddress), so that no stranger can lock an address out of a form.
	RatePerIP  int
	RateWindow time.Duration
	// DownloadLinkTTL, when set, replaces every page's download link lifetime: for
	// trying expiry locally.
	DownloadLinkTTL time.Duration
}

// DefaultConfig is what a deployment gets unless it says otherwise.
func DefaultConfig() Config {
	return Config{
		MinFillTime:     3 * time.Second,
		FormTokenMaxAge: 24 * time.Hour,
		FormTokenUses:   3,
		DedupeWindow:    24 * time.Hour,
		RatePerIP:       30,
		RateWindow:      time.Hour,
	}
}

// Service captures leads.
type Service struct {
	store Store
	key   *signing.Key
	cfg   Config
	now   func() time.Time
}

// New returns a capture service; now is the clock (time.Now in production).
func New(store Store, key *signing.Key, cfg Config, now func() time.Time) *Service {
	return &Service{store: store, key: key, cfg: cfg, now: now}
}

// Request is one form post as the HTTP edge parsed it.
type Request struct {
	Slug   string
	Values map[string]string // every posted field, one value each
	// Repeated names fields posted more than once (not allowed but for consent).
	Repeated  []string
	IP        string
	UserAgent string
	// Page is the page as the edge read it for this post (Service.Page), so that it
	// is read once; nil: the service reads it.
	Page *leadgate.Page
}

// Next tells the visitor what happens after the form.
type Next struct {
	Step    string `json:"step"` // "download" (single opt-in) or "confirm_email" (double)
	Message string `json:"message"`
}

// Result is the answer to a capture.
type Result struct {
	Page         leadgate.Page
	LeadID       string
	SubmissionID string
	Repeat       bool // the same address on the same page within the dedupe window
	LeadCreated  bool
	Next         Next
	Ignored      []string // posted fields the page does not accept, not stored
	// DownloadToken is the token of the lead's download link, on single opt-in
	// pages; "" on double opt-in pages, where the link comes after confirmation.
	DownloadToken string
	// MagnetMissing says the page gates a magnet that does not exist: the lead was
	// captured without a download link, and the page needs fixing.
	MagnetMissing bool
	// Spam says the post was taken for a bot's: it was answered like a success and
	// nothing was stored. The edge answers exactly as for a real capture.
	Spam string
}

// Page returns the published page with that slug; ENOTFOUND for a draft.
func (s *Service) Page(ctx context.Context, slug string) (leadgate.Page, error) {
	if !leadgate.ValidSlug(slug) {
		return leadgate.Page{}, leadgate.ErrPageNotFound
	}
	p, err := s.store.Page(ctx, slug)
	// A draft is no page to visitors: its hosted page, form token and capture
	// route answer as for an unknown slug.
	if leadgate.ErrorCode(err) == leadgate.ENOTFOUND || (err == nil && p.Draft) {
		return leadgate.Page{}, leadgate.ErrPageNotFound
	}
	return p, err
}

// FormToken signs the render time of the page's form, now.
func (s *Service) FormToken(slug string) string { return s.key.FormToken(slug, s.now()) }

// ArmFormToken signs the render time of the page's form shown as arm of its A/B
// test, now: the capture records the arm the token carries.
func (s *Service) ArmFormToken(slug, arm string) string {
	return s.key.ArmFormToken(slug, arm, s.now())
}

// ArmOf returns the arm of the page's test that a form token was signed for: ""
// for none, a token that is not the page's, or an arm the page no longer has.
func (s *Service) ArmOf(page leadgate.Page, token string) string {
	_, arm, err := s.key.VerifyArmFormToken(token, page.Slug)
	if err != nil || !page.HasArm(arm) {
		return ""
	}
	return arm
}

// Now is the service's clock: the time a form rendered now is signed with.
func (s *Service) Now() time.Time { return s.now() }

// MinFillTime is the shortest time a person takes to fill a form.
func (s *Service) MinFillTime() time.Duration { return s.cfg.MinFillTime }

// Capture validates and records one submission on the page with that slug.
func (s *Service) Capture(ctx context.Context, req Request) (Result, error) {
	page, err := s.requestPage(ctx, req)
	if err != nil {
		return Result{}, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	magnet, err := s.magnet(ctx, page)
	if err != nil {
		return Result{}, err
	}
	// A bot's answer: a success that stored nothing, with a decoy link that its
	// route answers like a real one without handing out the file.
	fake := func(reason string) Result {
		res := Result{Page: page, LeadID: newID(), SubmissionID: newID(), LeadCreated: true, Next: next(page), Spam: reason}
		if magnet != nil {
			res.DownloadToken = s.key.DecoyGrantToken()
		}
		return res
	}
	renderedAt, arm, reason, err := s.spamCheck(page, req, now)
	if err != nil {
		return Result{}, err
	} else if reason != "" {
		return fake(reason), nil
	}

	// The form is checked as its arm showed it (a variant may ask fewer fields),
	// and the submission records the arm: one the page no longer has is none.
	if !page.HasArm(arm) {
		arm = ""
	}
	sub, ignored, err := buildSubmission(page.WithArm(arm), req, now)
	if err != nil {
		return Result{}, err
	}
	sub.Variant = arm
	c := leadgate.Capture{Submission: sub, Page: page, NewLeadID: newID(), DedupeWindow: s.cfg.DedupeWindow, ScoreNew: true}
	if s.cfg.RatePerIP > 0 && req.IP != "" {
		c.RateLimits = append(c.RateLimits, leadgate.RateLimit{Key: "ip:" + s.key.Digest("ip", req.IP), Limit: s.cfg.RatePerIP, Window: s.cfg.RateWindow})
	}
	tokenLimit := ""
	if s.cfg.FormTokenUses > 0 && !renderedAt.IsZero() {
		// Counted in the capture's own write, over the token's whole life, so one
		// token cannot carry a bot's thousands of addresses.
		tokenLimit = "form:" + s.key.Digest("form", req.Values[leadgate.FieldNameFormToken])
		c.RateLimits = append(c.RateLimits, leadgate.RateLimit{Key: tokenLimit, Limit: s.cfg.FormTokenUses, Window: s.cfg.FormTokenMaxAge, Start: renderedAt})
	}
	// A reused form token is answered as a bot is, whichever count refused it.
	tokenReused := func(err error) bool {
		var reached leadgate.LimitReached
		return tokenLimit != "" && errors.As(err, &reached) && reached.Key == tokenLimit
	}
	token := ""
	if magnet != nil {
		token = s.key.GrantToken(sub.ID)
		g := leadgate.NewGrant(token, sub, page, *magnet)
		if err := s.claimCoupon(ctx, *magnet, c.RateLimits, &g); tokenReused(err) {
			return fake("form token reused"), nil
		} else if err != nil {
			return Result{}, err
		}
		if s.cfg.DownloadLinkTTL > 0 {
			g.ExpiresAt = sub.At.Add(s.cfg.DownloadLinkTTL)
		}
		c.Grant = &g
		// A repeat is handed its first submission's link: never one that expired,
		// whose page says to submit the form again. (A revoked link's store forgets
		// its repeat.)
		c.DedupeWindow = min(c.DedupeWindow, g.ExpiresAt.Sub(sub.At))
	}
	res, err := s.store.Capture(ctx, c)
	if tokenReused(err) {
		return fake("form token reused"), nil
	}
	if err != nil {
		return Result{}, err
	}
	out := Result{
		Page: page, LeadID: res.Lead.ID, SubmissionID: res.Submission.ID,
		Repeat: res.Repeat, LeadCreated: res.LeadCreated, Next: next(page), Ignored: ignored,
		MagnetMissing: page.OptIn == leadgate.OptInSingle && magnet == nil,
	}
	if magnet != nil {
		// A repeat is offered the link its first submission earned.
		out.DownloadToken = token
		if res.Submission.ID != sub.ID {
			out.DownloadToken = s.key.GrantToken(res.Submission.ID)
		}
	}
	return out, nil
}

// requestPage returns the page the request names: the one the edge read for it, or
// the store's.
func (s *Service) requestPage(ctx context.Context, req Request) (leadgate.Page, error) {
	if req.Page != nil && req.Page.Slug == req.Slug {
		return *req.Page, nil
	}
	return s.Page(ctx, req.Slug)
}

// magnet returns the magnet a single opt-in page hands out at once, or nil: on double
// opt-in pages the link comes after confirmation, and a missing magnet must not cost
// the lead.
func (s *Service) magnet(ctx context.Context, page leadgate.Page) (*leadgate.Magnet, error) {
	if page.OptIn != leadgate.OptInSingle {
		return nil, nil
	}
	m, err := s.store.Magnet(ctx, page.MagnetID)
	switch {
	case err == nil:
		return &m, nil
	case leadgate.ErrorCode(err) == leadgate.ENOTFOUND:
		return nil, nil
	default:
		return nil, err
	}
}

// spamCheck returns the form's render time and the arm its token carries, and why
// a post looks like a bot's ("" for a person), or an error for a form token that is
// missing, forged or stale, which a person fixes by reloading.
func (s *Service) spamCheck(page leadgate.Page, req Request, now time.Time) (renderedAt time.Time, arm, reason string, err error) {
	if strings.TrimSpace(req.Values[leadgate.FieldNameHoneypot]) != "" {
		return time.Time{}, "", "honeypot", nil
	}
	token, ok := req.Values[leadgate.FieldNameFormToken]
	if !ok || token == "" {
		if page.UntimedFormsAllowed {
			return time.Time{}, "", "", nil
		}
		return time.Time{}, "", "", leadgate.Invalid(leadgate.FieldError{Field: leadgate.FieldNameFormToken, Code: "required",
			Message: "this form is missing its token: reload the page and submit again"})
	}
	renderedAt, arm, err = s.key.VerifyArmFormToken(token, page.Slug)
	if err != nil {
		return time.Time{}, "", "", leadgate.Invalid(leadgate.FieldError{Field: leadgate.FieldNameFormToken, Code: "invalid",
			Message: "this form is no longer valid: reload the page and submit again"})
	}
	age := now.Sub(renderedAt)
	if age > s.cfg.FormTokenMaxAge {
		return time.Time{}, "", "", leadgate.Invalid(leadgate.FieldError{Field: leadgate.FieldNameFormToken, Code: "expired",
			Message: "this form has expired: reload the page and submit again"})
	}
	if age < s.cfg.MinFillTime {
		return time.Time{}, "", "too fast", nil
	}
	return renderedAt, arm, "", nil
}

// Limits of hidden attribution values: URLs may be long, the rest are short codes.
const (
	maxAttributionURL   = 2000
	maxAttributionValue = 500
	maxUserAgent        = 512
)

// AttributionLimit is the longest value, in characters, the hidden attribution field
// name may carry, so that a hosted page fills in nothing a capture would refuse.
func AttributionLimit(name string) int {
	if name == "referrer" || name == "landing_url" {
		return maxAttributionURL
	}
	return maxAttributionValue
}

// safeFieldName reports whether an unknown field's name may be echoed back in
// ignored_fields: 1 to 64 ASCII letters, digits and _ . - [ ] (checked by hand: a
// regexp would be compiled at every cold start).
func safeFieldName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.-[]", c) >= 0) {
			return false
		}
	}
	return true
}

func buildSubmission(page leadgate.Page, req Request, now time.Time) (leadgate.Submission, []string, error) {
	var errs []leadgate.FieldError
	var ignored []string
	for _, name := range req.Repeated {
		if name != leadgate.FieldNameConsent {
			errs = append(errs, leadgate.FieldError{Field: name, Code: "repeated", Message: "sent more than once"})
		}
	}
	values := make(map[string]string, len(req.Values))
	attr := leadgate.Attribution{Page: page.Slug, At: now}
	for name, raw := range req.Values {
		v := strings.TrimSpace(raw)
		switch {
		case name == leadgate.FieldNameHoneypot || name == leadgate.FieldNameFormToken || name == leadgate.FieldNameConsent:
		case slices.Contains(leadgate.AttributionFields, name):
			if !page.AcceptsHidden(name) {
				ignored = append(ignored, name)
				continue
			}
			if fe := leadgate.CheckText(name, v, AttributionLimit(name), false); fe != nil {
				errs = append(errs, *fe)
				continue
			}
			attr.Set(name, v)
		default:
			f, ok := page.Field(name)
			if !ok {
				if safeFieldName(name) && len(ignored) < 20 {
					ignored = append(ignored, name)
				}
				continue
			}
			if fe := checkField(f, v); fe != nil {
				errs = append(errs, *fe)
				continue
			}
			if v != "" {
				values[name] = v
			}
		}
	}
	for _, f := range page.Fields {
		if f.Type == leadgate.FieldHidden { // the page's constant, whatever was posted
			values[f.Name] = f.Value
		}
		if f.Required && values[f.Name] == "" && !hasError(errs, f.Name) {
			errs = append(errs, leadgate.FieldError{Field: f.Name, Code: "required", Message: "this field is required"})
		}
	}
	consent, fe := consentGiven(req.Values[leadgate.FieldNameConsent])
	if fe != nil {
		errs = append(errs, *fe)
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b leadgate.FieldError) int { return fieldOrder(page, a.Field) - fieldOrder(page, b.Field) })
		return leadgate.Submission{}, nil, leadgate.Invalid(errs...)
	}
	email, _ := leadgate.NormaliseEmail(values[leadgate.FieldNameEmail])
	slices.Sort(ignored)
	ua := req.UserAgent
	if fe := leadgate.CheckText("user_agent", ua, maxUserAgent, false); fe != nil {
		ua = ""
	}
	sub := leadgate.Submission{
		ID:          newID(),
		Email:       email,
		Page:        page.Slug,
		MagnetID:    page.MagnetID,
		At:          now,
		Values:      values,
		Attribution: attr,
		Consent:     leadgate.Consent{Page: page.Slug, At: now, IP: req.IP, UserAgent: ua},
	}
	if page.AsksConsent() {
		sub.Consent.Given = consent
		sub.Consent.TextVersion = page.ConsentVersion
	}
	return sub, ignored, nil
}

func checkField(f leadgate.Field, v string) *leadgate.FieldError {
	if fe := leadgate.CheckText(f.Name, v, f.Limit(), f.Type == leadgate.FieldTextarea); fe != nil {
		return fe
	}
	if f.Name == leadgate.FieldNameName {
		if fe := leadgate.CheckPlainName(f.Name, v); fe != nil {
			return fe
		}
	}
	if v == "" {
		return nil
	}
	switch f.Type {
	case leadgate.FieldEmail:
		if _, fe := leadgate.NormaliseEmail(v); fe != nil {
			fe.Field = f.Name
			return fe
		}
	case leadgate.FieldTel:
		digits := 0
		for _, r := range v {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case strings.ContainsRune("+-(). /", r):
			default:
				return &leadgate.FieldError{Field: f.Name, Code: "invalid", Message: "enter a phone number with digits, spaces and + - ( ) only"}
			}
		}
		if digits < 5 {
			return &leadgate.FieldError{Field: f.Name, Code: "invalid", Message: "enter a full phone number"}
		}
	default:
		return f.CheckChoice(v)
	}
	return nil
}

// consentGiven reads the checkbox: browsers send "on" when ticked and nothing when
// not; JSON clients send a boolean.
func consentGiven(v string) (bool, *leadgate.FieldError) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "yes", "1":
		return true, nil
	case "", "off", "false", "no", "0":
		return false, nil
	}
	return false, &leadgate.FieldError{Field: leadgate.FieldNameConsent, Code: "invalid", Message: "consent is true or false"}
}

func hasError(errs []leadgate.FieldError, field string) bool {
	return slices.ContainsFunc(errs, func(e leadgate.FieldError) bool { return e.Field == field })
}

// fieldOrder sorts errors in the order of the form, so a person reads them top down.
func fieldOrder(page leadgate.Page, name string) int {
	for i, f := range page.Fields {
		if f.Name == name {
			return i
		}
	}
	if i := slices.Index(leadgate.AttributionFields, name); i >= 0 {
		return 1000 + i
	}
	return 2000
}

func next(page leadgate.Page) Next {
	if page.OptIn == leadgate.OptInDouble {
		return Next{Step: "confirm_email", Message: "Check your inbox: confirm your address and the download is yours."}
	}
	return Next{Step: "download", Message: "Thank you! Your download is ready."}
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }
