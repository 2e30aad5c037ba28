package httpapi

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// LeadsStore is the part of the store the admin API's lead routes work on.
type LeadsStore interface {
	PageLeads(ctx context.Context, page string, since time.Time, cursor string, limit int) (leadgate.PageLeads, error)
	LeadByEmail(ctx context.Context, email string) (leadgate.Lead, error)
	Submissions(ctx context.Context, email string) ([]leadgate.Submission, error)
	Grant(ctx context.Context, id string) (leadgate.Grant, error)
	EraseLead(ctx context.Context, e leadgate.Erasure) (leadgate.Erased, error)
}

// EraseHook removes what a deployment keeps of an address outside the store (the
// local outbox's messages) and returns how many things it removed.
type EraseHook func(ctx context.Context, email string) (int, error)

// WithEraseHook makes every erasure call hook after the store's erasure, and also
// when the store has no such lead, so that a retry finishes an erasure whose hook
// failed.
func (a *AdminAPI) WithEraseHook(hook EraseHook) *AdminAPI {
	a.onErase = hook
	return a
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
}

func leadRow(pl leadgate.PageLead) LeadRow {
	l := pl.Lead
	return LeadRow{SubmissionID: pl.Submission.ID, LeadID: l.ID, Email: l.Email, Name: l.Name, Company: l.Company,
		JobTitle: l.JobTitle, Phone: l.Phone, Custom: l.Custom, Status: l.Status, Stage: l.CurrentStage(), Score: l.Score, Consent: l.Consent,
		FirstTouch: l.FirstTouch, LastTouch: l.LastTouch, SubmittedAt: pl.Submission.At}
}

// LeadsPage is the answer of GET /v1/admin/pages/{slug}/leads.
type LeadsPage struct {
	Leads []LeadRow `json:"leads"`
	// Next is the cursor of the following page; "" after the last.
	Next string `json:"next"`
}

// exportQuery reads since (a UTC day, 2006-01-02, or an RFC 3339 time), cursor and
// limit (1 to leadgate.MaxPageLeadsLimit) from the query.
func exportQuery(r *http.Request) (since time.Time, cursor string, limit int, err error) {
	q := r.URL.Query()
	var fields []leadgate.FieldError
	if s := q.Get("since"); s != "" {
		if since, err = time.Parse(time.DateOnly, s); err != nil {
			if since, err = time.Parse(time.RFC3339, s); err != nil {
				fields = append(fields, leadgate.FieldError{Field: "since", Code: "invalid", Message: "a day such as 2026-01-02, or an RFC 3339 time"})
			}
		}
	}
	if s := q.Get("limit"); s != "" {
		n, convErr := strconv.Atoi(s)
		if convErr != nil || n < 1 || n > leadgate.MaxPageLeadsLimit {
			fields = append(fields, leadgate.FieldError{Field: "limit", Code: "invalid", Message: "a number from 1 to " + strconv.Itoa(leadgate.MaxPageLeadsLimit)})
		}
		limit = n
	}
	cursor = q.Get("cursor")
	if cursor != "" {
		if _, _, cerr := leadgate.ParseLeadsCursor(cursor); cerr != nil {
			fields = append(fields, leadgate.AsError(cerr).Fields...)
		}
	}
	if len(fields) > 0 {
		return time.Time{}, "", 0, leadgate.Invalid(fields...)
	}
	return since.UTC(), cursor, limit, nil
}

func (a *AdminAPI) pageLeads(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	since, cursor, limit, err := exportQuery(r)
	if err == nil {
		_, err = a.store.Page(r.Context(), slug)
	}
	var page leadgate.PageLeads
	if err == nil {
		page, err = a.store.PageLeads(r.Context(), slug, since, cursor, limit)
	}
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	answer := LeadsPage{Leads: make([]LeadRow, 0, len(page.Leads)), Next: page.Next}
	for _, pl := range page.Leads {
		answer.Leads = append(answer.Leads, leadRow(pl))
	}
	writeJSON(w, http.StatusOK, answer)
}

// exportPageSize is how many rows the CSV export reads a time.
const exportPageSize = 500

// standardColumns are the CSV export's columns before the page's own fields.
var standardColumns = []string{
	"submitted_at", "submission_id", "lead_id", "email", "name", "company", "job_title", "phone", "status", "stage", "score",
	"consent_given", "consent_text_version", "consent_at",
	"first_touch_at", "first_touch_source", "first_touch_medium", "first_touch_campaign", "first_touch_referrer",
	"last_touch_at", "last_touch_source", "last_touch_medium", "last_touch_campaign", "last_touch_referrer",
}

// pageLeadsCSV streams the page's whole export as CSV, a page of rows at a time:
// a header row, then one row per submission, newest first. The page's own fields
// (other than the standard ones) get a column each. Once the first row is out the
// status is sent: a later failure ends the body early, and is logged.
func (a *AdminAPI) pageLeadsCSV(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	since, _, _, err := exportQuery(r)
	var p leadgate.Page
	if err == nil {
		p, err = a.store.Page(r.Context(), slug)
	}
	var first leadgate.PageLeads
	if err == nil {
		first, err = a.store.PageLeads(r.Context(), slug, since, "", exportPageSize)
	}
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	var custom []string
	for _, f := range p.Fields {
		switch f.Name {
		case leadgate.FieldNameEmail, leadgate.FieldNameName, leadgate.FieldNameCompany, leadgate.FieldNameJobTitle, leadgate.FieldNamePhone:
		default:
			custom = append(custom, f.Name)
		}
	}
	name := slug + "-leads"
	if !since.IsZero() {
		name += "-since-" + since.Format(time.DateOnly)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	header := append(append([]string{}, standardColumns...), custom...)
	_ = cw.Write(header)
	page := first
	for {
		for _, pl := range page.Leads {
			_ = cw.Write(csvRow(pl, custom))
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			a.log.WarnContext(r.Context(), "lead export cut short: the client went away", "page", slug)
			return
		}
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		if page.Next == "" {
			return
		}
		page, err = a.store.PageLeads(r.Context(), slug, since, page.Next, exportPageSize)
		if err != nil {
			logError(a.log, r, err)
			a.log.ErrorContext(r.Context(), "lead export cut short", "page", slug, "code", leadgate.ErrorCode(err))
			return
		}
	}
}

func csvRow(pl leadgate.PageLead, custom []string) []string {
	l := pl.Lead
	t := func(at time.Time) string {
		if at.IsZero() {
			return ""
		}
		return at.UTC().Format(time.RFC3339)
	}
	row := []string{
		t(pl.Submission.At), pl.Submission.ID, l.ID, l.Email, l.Name, l.Company, l.JobTitle, l.Phone, string(l.Status), string(l.CurrentStage()), strconv.Itoa(l.Score),
		strconv.FormatBool(l.Consent.Given), l.Consent.TextVersion, t(l.Consent.At),
		t(l.FirstTouch.At), l.FirstTouch.UTMSource, l.FirstTouch.UTMMedium, l.FirstTouch.UTMCampaign, l.FirstTouch.Referrer,
		t(l.LastTouch.At), l.LastTouch.UTMSource, l.LastTouch.UTMMedium, l.LastTouch.UTMCampaign, l.LastTouch.Referrer,
	}
	for _, name := range custom {
		row = append(row, l.Custom[name])
	}
	for i, cell := range row {
		row[i] = FormulaSafe(cell)
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

// LeadExport is the answer of GET /v1/admin/leads/{email}: what is stored of one
// person (a data subject access request).
type LeadExport struct {
	Lead        leadgate.Lead         `json:"lead"`
	Submissions []leadgate.Submission `json:"submissions"`
	Grants      []GrantStatus         `json:"grants"`
}

// GrantStatus is one download link of a lead, without its token.
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

// pathEmail normalises the {email} of the path: 422 for one that is not an address.
func pathEmail(r *http.Request) (string, error) {
	email, fe := leadgate.NormaliseEmail(r.PathValue("email"))
	if fe != nil {
		return "", leadgate.Invalid(*fe)
	}
	return email, nil
}

// lead reads the lead of the path's address with its submissions.
func (a *AdminAPI) lead(r *http.Request) (leadgate.Lead, []leadgate.Submission, error) {
	if a.key == nil {
		return leadgate.Lead{}, nil, leadgate.Internal("lead routes", errNoKey)
	}
	email, err := pathEmail(r)
	if err != nil {
		return leadgate.Lead{}, nil, err
	}
	l, err := a.store.LeadByEmail(r.Context(), email)
	if err != nil {
		return leadgate.Lead{}, nil, err
	}
	subs, err := a.store.Submissions(r.Context(), email)
	return l, subs, err
}

var errNoKey = errors.New("the admin API was built without the signing key")

func (a *AdminAPI) getLead(w http.ResponseWriter, r *http.Request) {
	l, subs, err := a.lead(r)
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	answer := LeadExport{Lead: l, Submissions: subs, Grants: []GrantStatus{}}
	if answer.Submissions == nil {
		answer.Submissions = []leadgate.Submission{}
	}
	for _, sub := range subs {
		g, err := a.store.Grant(r.Context(), leadgate.GrantID(a.key.GrantToken(sub.ID)))
		switch leadgate.ErrorCode(err) {
		case "":
			answer.Grants = append(answer.Grants, GrantStatus{Page: g.Page, SubmissionID: g.SubmissionID, MagnetID: g.MagnetID,
				CreatedAt: g.CreatedAt, ExpiresAt: g.ExpiresAt, Revoked: g.Revoked, Erased: g.Erased, Downloads: g.Downloads,
				FirstDownloadAt: g.FirstDownloadAt, LastDownloadAt: g.LastDownloadAt})
		case leadgate.ENOTFOUND: // no link yet (double opt-in, unconfirmed)
		default:
			writeError(w, r, a.log, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, answer)
}

// Erasure returns what erasing the lead takes: its address, and the ids of the
// links made for it, derived with the deployment's key as the follow-up service
// derives them.
func Erasure(key *signing.Key, l leadgate.Lead, subs []leadgate.Submission) leadgate.Erasure {
	e := leadgate.Erasure{Email: l.Email, UnsubscribeID: leadgate.GrantID(key.UnsubscribeToken(l.ID))}
	for _, sub := range subs {
		e.GrantIDs = append(e.GrantIDs, leadgate.GrantID(key.GrantToken(sub.ID)))
		e.ConfirmationIDs = append(e.ConfirmationIDs, leadgate.GrantID(key.ConfirmToken(sub.ID)))
	}
	return e
}

// eraseLead erases the lead of the path (GDPR article 17): 204, or 404 when no lead
// has the address (erased before). Only the lead's id is logged.
func (a *AdminAPI) eraseLead(w http.ResponseWriter, r *http.Request) {
	l, subs, err := a.lead(r)
	if leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		email, _ := pathEmail(r)
		if herr := a.runEraseHook(r, email); herr != nil {
			err = herr
		}
	}
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	erased, err := a.store.EraseLead(r.Context(), Erasure(a.key, l, subs))
	if err != nil {
		writeError(w, r, a.log, err)
		return
	}
	if err := a.runEraseHook(r, l.Email); err != nil {
		writeError(w, r, a.log, err)
		return
	}
	a.log.InfoContext(r.Context(), "lead erased", "lead_id", erased.LeadID, "submissions", erased.Submissions,
		"items", erased.Items, "grants", erased.Grants, "confirmations", erased.Confirmations, "unsubscribe_links", erased.UnsubscribeLinks)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

func (a *AdminAPI) runEraseHook(r *http.Request, email string) error {
	if a.onErase == nil || email == "" {
		return nil
	}
	n, err := a.onErase(r.Context(), email)
	if err != nil {
		return leadgate.Internal("erase hook", err)
	}
	if n > 0 {
		a.log.InfoContext(r.Context(), "erased outside the store", "removed", n)
	}
	return nil
}
