package admin

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// LeadsQuery selects a page of a page's leads: the submissions made at or after
// Since, Limit at a time (0: leadgate.DefaultPageLeadsLimit), after Cursor (the
// Next of the page before; "" for the first).
type LeadsQuery struct {
	Since  time.Time
	Cursor string
	Limit  int
}

// ParseLeadsQuery reads a query's since (a UTC day, 2006-01-02, or an RFC 3339
// time), cursor and limit (1 to leadgate.MaxPageLeadsLimit; "" for the default),
// naming each bad one.
func ParseLeadsQuery(since, cursor, limit string) (LeadsQuery, error) {
	q := LeadsQuery{Cursor: cursor}
	var fields []leadgate.FieldError
	if since != "" {
		t, err := time.Parse(time.DateOnly, since)
		if err != nil {
			t, err = time.Parse(time.RFC3339, since)
		}
		if err != nil {
			fields = append(fields, leadgate.FieldError{Field: "since", Code: "invalid", Message: "a day such as 2026-01-02, or an RFC 3339 time"})
		}
		q.Since = t.UTC()
	}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 {
			n = -1 // refused below, with the range
		}
		q.Limit = n
	}
	if err := q.Validate(); err != nil {
		fields = append(fields, leadgate.AsError(err).Fields...)
	}
	if len(fields) > 0 {
		return LeadsQuery{}, leadgate.Invalid(fields...)
	}
	return q, nil
}

// Validate checks the limit and that the cursor is one the service handed out.
func (q LeadsQuery) Validate() error {
	var fields []leadgate.FieldError
	if q.Limit < 0 || q.Limit > leadgate.MaxPageLeadsLimit {
		fields = append(fields, leadgate.FieldError{Field: "limit", Code: "invalid", Message: "a number from 1 to " + strconv.Itoa(leadgate.MaxPageLeadsLimit)})
	}
	if q.Cursor != "" {
		if _, _, err := leadgate.ParseLeadsCursor(q.Cursor); err != nil {
			fields = append(fields, leadgate.AsError(err).Fields...)
		}
	}
	if len(fields) > 0 {
		return leadgate.Invalid(fields...)
	}
	return nil
}

// LeadRow is one row of a page's export: the lead as it is now, and the time of
// the submission the row stands for.
type LeadRow struct {
	SubmissionID string               `json:"submission_id"`
	LeadID       string               `json:"lead_id"`
	Email        string               `json:"email"`
	Name         string               `json:"name,omitempty"`
	Company      string               `json:"company,omitempty"`
	JobTitle     string               `json:"job_title,omitempty"`
	Phone        string               `json:"phone,omitempty"`
	Custom       map[string]string    `json:"custom,omitempty"`
	Status       leadgate.Status      `json:"status"`
	Stage        leadgate.Stage       `json:"stage"`
	Score        int                  `json:"score"`
	Consent      leadgate.Consent     `json:"consent"`
	FirstTouch   leadgate.Attribution `json:"first_touch"`
	LastTouch    leadgate.Attribution `json:"last_touch"`
	SubmittedAt  time.Time            `json:"submitted_at"`
	// Variant is the arm of the page's A/B test the submission was made on.
	Variant string `json:"variant,omitempty"`
}

func leadRow(pl leadgate.PageLead) LeadRow {
	l := pl.Lead
	return LeadRow{SubmissionID: pl.Submission.ID, LeadID: l.ID, Email: l.Email, Name: l.Name, Company: l.Company,
		JobTitle: l.JobTitle, Phone: l.Phone, Custom: l.Custom, Status: l.Status, Stage: l.CurrentStage(), Score: l.Score, Consent: l.Consent,
		FirstTouch: l.FirstTouch, LastTouch: l.LastTouch, SubmittedAt: pl.Submission.At, Variant: pl.Submission.Variant}
}

// LeadsPage is one page of a page's leads, newest submission first.
type LeadsPage struct {
	Leads []LeadRow `json:"leads"`
	// Next is the cursor of the following page; "" after the last.
	Next string `json:"next"`
}

// PageLeads returns one page of the leads of page slug; ENOTFOUND for an unknown
// page.
func (s *Service) PageLeads(ctx context.Context, slug string, q LeadsQuery) (LeadsPage, error) {
	if err := q.Validate(); err != nil {
		return LeadsPage{}, err
	}
	if _, err := s.store.Page(ctx, slug); err != nil {
		return LeadsPage{}, err
	}
	page, err := s.store.PageLeads(ctx, slug, q.Since, q.Cursor, q.Limit)
	if err != nil {
		return LeadsPage{}, err
	}
	answer := LeadsPage{Leads: make([]LeadRow, 0, len(page.Leads)), Next: page.Next}
	for _, pl := range page.Leads {
		answer.Leads = append(answer.Leads, leadRow(pl))
	}
	return answer, nil
}

// exportPageSize is how many rows the CSV export reads at a time.
const exportPageSize = 500

// standardColumns are the CSV export's columns before the page's own fields.
var standardColumns = []string{
	"submitted_at", "submission_id", "lead_id", "email", "name", "company", "job_title", "phone", "status", "stage", "score",
	"consent_given", "consent_text_version", "consent_at",
	"first_touch_at", "first_touch_source", "first_touch_medium", "first_touch_campaign", "first_touch_referrer",
	"last_touch_at", "last_touch_source", "last_touch_medium", "last_touch_campaign", "last_touch_referrer",
}

// Export is a page's whole export as CSV, checked and with its first rows read, so
// that a caller knows it will succeed before it starts to answer.
type Export struct {
	s      *Service
	slug   string
	since  time.Time
	custom []string
	first  leadgate.PageLeads
	// FileName names the file: <slug>-leads[-since-<day>].csv.
	FileName string
}

// ErrExportWrite marks an export that stopped because its writer failed (the
// client went away), not the store.
var ErrExportWrite = errors.New("the export could not be written")

// ExportLeads prepares the CSV export of page slug's submissions made at or after
// since: ENOTFOUND for an unknown page.
func (s *Service) ExportLeads(ctx context.Context, slug string, since time.Time) (*Export, error) {
	p, err := s.store.Page(ctx, slug)
	if err != nil {
		return nil, err
	}
	first, err := s.store.PageLeads(ctx, slug, since, "", exportPageSize)
	if err != nil {
		return nil, err
	}
	e := &Export{s: s, slug: slug, since: since, first: first, FileName: slug + "-leads"}
	if !since.IsZero() {
		e.FileName += "-since-" + since.UTC().Format(time.DateOnly)
	}
	e.FileName += ".csv"
	e.custom = customFields(p)
	return e, nil
}

// customFields names the page's fields a lead keeps in Custom, in form order.
func customFields(p leadgate.Page) []string {
	var custom []string
	for _, f := range p.Fields {
		switch f.Name {
		case leadgate.FieldNameEmail, leadgate.FieldNameName, leadgate.FieldNameCompany, leadgate.FieldNameJobTitle, leadgate.FieldNamePhone:
		default:
			custom = append(custom, f.Name)
		}
	}
	return custom
}

// Write writes the export to w, a page of rows at a time: a header row, then one
// row per submission, newest first, every cell formula-safe; the page's own fields
// (other than the standard ones) get a column each. After each page w is flushed
// if it can be. A failure of w is ErrExportWrite; one of the store comes as is.
func (e *Export) Write(ctx context.Context, w io.Writer) error {
	page, started := e.first, false
	return writeCSVPages(w, append(append([]string{}, standardColumns...), e.custom...), func() ([][]string, bool, error) {
		if started {
			if page.Next == "" {
				return nil, false, nil
			}
			var err error
			if page, err = e.s.store.PageLeads(ctx, e.slug, e.since, page.Next, exportPageSize); err != nil {
				return nil, false, err
			}
		}
		started = true
		rows := make([][]string, 0, len(page.Leads))
		for _, pl := range page.Leads {
			rows = append(rows, csvRow(pl, e.custom))
		}
		return rows, true, nil
	})
}

func csvRow(pl leadgate.PageLead, custom []string) []string {
	l := pl.Lead
	t := csvTime
	row := []string{
		t(pl.Submission.At), pl.Submission.ID, l.ID, l.Email, l.Name, l.Company, l.JobTitle, l.Phone, string(l.Status), string(l.CurrentStage()), strconv.Itoa(l.Score),
		strconv.FormatBool(l.Consent.Given), l.Consent.TextVersion, t(l.Consent.At),
		t(l.FirstTouch.At), l.FirstTouch.UTMSource, l.FirstTouch.UTMMedium, l.FirstTouch.UTMCampaign, l.FirstTouch.Referrer,
		t(l.LastTouch.At), l.LastTouch.UTMSource, l.LastTouch.UTMMedium, l.LastTouch.UTMCampaign, l.LastTouch.Referrer,
	}
	for _, name := range custom {
		row = append(row, l.Custom[name])
	}
	return row
}

// FormulaSafe neutralises a CSV cell that a spreadsheet would take for a formula:
// one starting with =, +, -, @, a tab or a carriage return gets a leading ', as
// OWASP's CSV injection guidance says. Every cell of an export goes through it,
// since leads type what they like into forms.
func FormulaSafe(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// LeadExport is what is stored of one person (a data subject access request).
type LeadExport struct {
	Lead        leadgate.Lead         `json:"lead"`
	Submissions []leadgate.Submission `json:"submissions"`
	Grants      []GrantStatus         `json:"grants"`
}

// GrantStatus is one download link, without its token.
type GrantStatus struct {
	Page            string    `json:"page"`
	SubmissionID    string    `json:"submission_id"`
	MagnetID        string    `json:"magnet_id"`
	CreatedAt       time.Time `json:"created_at"`
	ExpiresAt       time.Time `json:"expires_at"`
	Revoked         bool      `json:"revoked"`
	Erased          bool      `json:"erased"`
	Downloads       int       `json:"downloads"`
	FirstDownloadAt time.Time `json:"first_download_at,omitzero"`
	LastDownloadAt  time.Time `json:"last_download_at,omitzero"`
}

func grantStatus(g leadgate.Grant) GrantStatus {
	return GrantStatus{Page: g.Page, SubmissionID: g.SubmissionID, MagnetID: g.MagnetID,
		CreatedAt: g.CreatedAt, ExpiresAt: g.ExpiresAt, Revoked: g.Revoked, Erased: g.Erased, Downloads: g.Downloads,
		FirstDownloadAt: g.FirstDownloadAt, LastDownloadAt: g.LastDownloadAt}
}

// normalise reads an address as a captured one is (trimmed, lower case); EINVALID
// naming email for one that is not an address.
func normalise(email string) (string, error) {
	e, fe := leadgate.NormaliseEmail(email)
	if fe != nil {
		return "", leadgate.Invalid(*fe)
	}
	return e, nil
}

// lead reads the lead of a normalised address with its submissions.
func (s *Service) lead(ctx context.Context, email string) (leadgate.Lead, []leadgate.Submission, error) {
	l, err := s.store.LeadByEmail(ctx, email)
	if err != nil {
		return leadgate.Lead{}, nil, err
	}
	subs, err := s.store.Submissions(ctx, email)
	return l, subs, err
}

// Lead exports everything stored of the address: the lead, its submissions and its
// download links; ENOTFOUND when no lead has it.
func (s *Service) Lead(ctx context.Context, email string) (LeadExport, error) {
	if s.key == nil {
		return LeadExport{}, leadgate.Internal("lead export", errNoKey)
	}
	email, err := normalise(email)
	if err != nil {
		return LeadExport{}, err
	}
	l, subs, err := s.lead(ctx, email)
	if err != nil {
		return LeadExport{}, err
	}
	answer := LeadExport{Lead: l, Submissions: subs, Grants: []GrantStatus{}}
	if answer.Submissions == nil {
		answer.Submissions = []leadgate.Submission{}
	}
	for _, sub := range subs {
		g, err := s.store.Grant(ctx, leadgate.GrantID(s.key.GrantToken(sub.ID)))
		switch leadgate.ErrorCode(err) {
		case "":
			answer.Grants = append(answer.Grants, grantStatus(g))
		case leadgate.ENOTFOUND: // no link yet (double opt-in, unconfirmed)
		default:
			return LeadExport{}, err
		}
	}
	return answer, nil
}

// Erased says what an erasure removed: from the store, and Elsewhere the number of
// things the erase hook removed.
type Erased struct {
	leadgate.Erased
	Elsewhere int `json:"elsewhere"`
}

// EraseLead erases the lead of the address (GDPR article 17): the store's erasure,
// then the erase hook. ENOTFOUND when no lead has the address (erased before); the
// hook runs then too, so a retry finishes an erasure whose hook failed.
func (s *Service) EraseLead(ctx context.Context, email string) (Erased, error) {
	if s.key == nil {
		return Erased{}, leadgate.Internal("lead erasure", errNoKey)
	}
	email, err := normalise(email)
	if err != nil {
		return Erased{}, err
	}
	l, subs, err := s.lead(ctx, email)
	if leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		if _, herr := s.runEraseHook(ctx, email); herr != nil {
			return Erased{}, herr
		}
	}
	if err != nil {
		return Erased{}, err
	}
	// The lead's webhook deliveries first: once the lead is gone, a retried
	// erasure ends at ENOTFOUND above, and they would stay.
	hooked := 0
	if s.hooks != nil {
		if hooked, err = s.hooks.EraseLead(ctx, l.Email, l.ID, s.stamp()); err != nil {
			return Erased{}, err
		}
	}
	erased, err := s.store.EraseLead(ctx, erasure(s.key, l, subs))
	if err != nil {
		return Erased{}, err
	}
	erased.WebhookDeliveries = hooked
	n, err := s.runEraseHook(ctx, l.Email)
	if err != nil {
		return Erased{}, err
	}
	return Erased{Erased: erased, Elsewhere: n}, nil
}

func (s *Service) runEraseHook(ctx context.Context, email string) (int, error) {
	if s.onErase == nil || email == "" {
		return 0, nil
	}
	n, err := s.onErase(ctx, email)
	if err != nil {
		return 0, leadgate.Internal("erase hook", err)
	}
	return n, nil
}

// erasure returns what erasing the lead takes: its address, and the ids of the
// links made for it, derived with the deployment's key as the follow-up service
// derives them.
func erasure(key *signing.Key, l leadgate.Lead, subs []leadgate.Submission) leadgate.Erasure {
	e := leadgate.Erasure{Email: l.Email, UnsubscribeID: leadgate.GrantID(key.UnsubscribeToken(l.ID))}
	for _, sub := range subs {
		e.GrantIDs = append(e.GrantIDs, leadgate.GrantID(key.GrantToken(sub.ID)))
		e.ConfirmationIDs = append(e.ConfirmationIDs, leadgate.GrantID(key.ConfirmToken(sub.ID)))
	}
	return e
}
