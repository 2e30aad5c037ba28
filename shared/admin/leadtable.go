package admin

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/leadgate"
)

// Leads returns a page of the console's lead table: the leads q selects, newest
// first; EINVALID naming each bad field of q.
func (s *Service) Leads(ctx context.Context, q leadgate.LeadQuery) (leadgate.LeadList, error) {
	if err := q.Validate(); err != nil {
		return leadgate.LeadList{}, err
	}
	return s.store.Leads(ctx, q)
}

// leadTableColumns are the columns of the lead table's CSV export.
var leadTableColumns = []string{
	"created_at", "lead_id", "email", "name", "company", "pages", "stage", "score", "consent_given", "status",
	"first_touch_source", "first_touch_medium", "first_touch_campaign",
}

// LeadTableExport is the CSV export of every lead a query selects, checked and
// with its first page read, so that a caller knows it will succeed before it
// starts to answer.
type LeadTableExport struct {
	s     *Service
	q     leadgate.LeadQuery
	first leadgate.LeadList
	// custom are the custom fields' columns: those of the query's page, or of
	// every page, in form order, each once.
	custom []string
	// FileName names the file: leads-<day>.csv, the day of the export (UTC).
	FileName string
}

// ExportLeadTable prepares the CSV export of the leads q selects, whatever its
// cursor and limit: every one of them, newest first. EINVALID for a bad query.
func (s *Service) ExportLeadTable(ctx context.Context, q leadgate.LeadQuery) (*LeadTableExport, error) {
	q.Cursor, q.Limit = "", leadgate.MaxLeadListLimit
	first, err := s.Leads(ctx, q)
	if err != nil {
		return nil, err
	}
	e := &LeadTableExport{s: s, q: q, first: first, FileName: "leads-" + s.now().UTC().Format(time.DateOnly) + ".csv"}
	pages, err := s.store.Pages(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		if q.Page != "" && p.Slug != q.Page {
			continue
		}
		for _, name := range customFields(p) {
			if !slices.Contains(e.custom, name) {
				e.custom = append(e.custom, name)
			}
		}
	}
	return e, nil
}

// Write writes the export to w: a header row, then one row per lead, following
// the store's cursor to the end. A failure of w is ErrExportWrite.
func (e *LeadTableExport) Write(ctx context.Context, w io.Writer) error {
	list, started := e.first, false
	return writeCSVPages(w, append(slices.Clone(leadTableColumns), e.custom...), func() ([][]string, bool, error) {
		if started {
			if list.Next == "" {
				return nil, false, nil
			}
			q := e.q
			q.Cursor = list.Next
			var err error
			if list, err = e.s.store.Leads(ctx, q); err != nil {
				return nil, false, err
			}
		}
		started = true
		rows := make([][]string, 0, len(list.Leads))
		for _, l := range list.Leads {
			row := leadTableRow(l)
			for _, name := range e.custom {
				row = append(row, l.Custom[name])
			}
			rows = append(rows, row)
		}
		return rows, true, nil
	})
}

func leadTableRow(l leadgate.Lead) []string {
	return []string{
		csvTime(l.CreatedAt), l.ID, l.Email, l.Name, l.Company, strings.Join(l.Pages, " "), string(l.CurrentStage()), strconv.Itoa(l.Score),
		strconv.FormatBool(l.Consent.Given), string(l.Status), l.FirstTouch.UTMSource, l.FirstTouch.UTMMedium, l.FirstTouch.UTMCampaign,
	}
}

func csvTime(at time.Time) string {
	if at.IsZero() {
		return ""
	}
	return at.UTC().Format(time.RFC3339)
}

// writeCSVPages is the one CSV writer of the exports: the header, then the rows of
// each page next returns until it says there are no more, every cell
// formula-safe; after each page w is flushed if it can be. A failure of w is
// ErrExportWrite; one of next comes as is.
func writeCSVPages(w io.Writer, header []string, next func() (rows [][]string, more bool, err error)) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(header)
	for {
		rows, more, err := next()
		if err != nil {
			return err
		}
		for _, row := range rows {
			for i, cell := range row {
				row[i] = FormulaSafe(cell)
			}
			_ = cw.Write(row)
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("%w: %w", ErrExportWrite, err)
		}
		if f, ok := w.(interface{ Flush() }); ok {
			f.Flush()
		}
		if !more {
			return nil
		}
	}
}
