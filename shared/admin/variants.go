package admin

import (
	"context"
	"time"

	"leadgate/shared/funnel"
	"leadgate/shared/leadgate"
)

// PageStats is a page's funnel and, while it runs an A/B test, the test's arms
// with the significance of their difference; the tests that ended are its
// history.
type PageStats struct {
	funnel.Report
	Variants       *leadgate.VariantReport `json:"variants,omitempty"`
	VariantHistory []leadgate.VariantTest  `json:"variant_history,omitempty"`
}

// VariantStats returns the running test of page slug, from its start to today (nil
// when the page runs none), and the tests that ended; ENOTFOUND for an unknown
// page.
func (s *Service) VariantStats(ctx context.Context, slug string) (*leadgate.VariantReport, []leadgate.VariantTest, error) {
	p, err := s.store.Page(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	if !p.HasVariants() {
		return nil, p.VariantHistory, nil
	}
	counts, err := s.armCounts(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	rep := p.NewVariantReport(counts)
	return &rep, p.VariantHistory, nil
}

// armCounts sums the counters of the page's running test per arm, from the day it
// started to today.
func (s *Service) armCounts(ctx context.Context, p leadgate.Page) ([]leadgate.ArmCounts, error) {
	if !p.HasVariants() {
		return nil, nil
	}
	today := leadgate.Day(s.now())
	from := today
	if !p.VariantsSince.IsZero() {
		from = min(leadgate.Day(p.VariantsSince), today)
	}
	rows, err := s.store.PageStats(ctx, p.Slug, from, today)
	if err != nil {
		return nil, err
	}
	return p.ArmTotals(rows), nil
}

// PromoteVariant makes arm the page: the variant's overrides become the page's
// own, the test ends, and its arms' counts and the winner join the page's
// history; the counters stay. Promoting the control ends the test keeping the
// page as it is. ENOTFOUND for an unknown page or variant; EINVALID when the page
// runs no test.
func (s *Service) PromoteVariant(ctx context.Context, slug, arm string) (leadgate.Page, error) {
	p, err := s.store.Page(ctx, slug)
	if err != nil {
		return leadgate.Page{}, err
	}
	if !p.HasVariants() {
		return leadgate.Page{}, leadgate.Invalid(leadgate.FieldError{Field: "variant", Code: "invalid", Message: "the page runs no A/B test"})
	}
	counts, err := s.armCounts(ctx, p)
	if err != nil {
		return leadgate.Page{}, err
	}
	now := s.stamp()
	won, err := p.Promote(arm, counts, now)
	if err != nil {
		return leadgate.Page{}, err
	}
	if err := won.Validate(); err != nil {
		return leadgate.Page{}, err
	}
	won.UpdatedAt = now
	if err := s.store.PutPage(ctx, won); err != nil {
		return leadgate.Page{}, err
	}
	return won, nil
}

// keepTests gives the page about to be saved the record of its tests, which is
// the service's, not a client's: the stored history; the start of the running
// test (now for a test that starts); and a test that the save ends (its variants
// gone) joins the history without a winner.
func (s *Service) keepTests(ctx context.Context, p *leadgate.Page, old leadgate.Page) error {
	p.VariantHistory, p.VariantsSince = old.VariantHistory, time.Time{}
	if p.HasVariants() {
		p.VariantsSince = old.VariantsSince
		if !old.HasVariants() || old.VariantsSince.IsZero() {
			p.VariantsSince = s.stamp()
		}
		return nil
	}
	if !old.HasVariants() {
		return nil
	}
	counts, err := s.armCounts(ctx, old)
	if err != nil {
		return err
	}
	old.EndTest("", counts, s.stamp())
	p.VariantHistory = old.VariantHistory
	return nil
}

// Stats returns the funnel of page slug over the UTC days from to to, both
// included (leadgate.ParseDayRange: by default the 30 days that end today), with
// its running A/B test and the tests that ended; ENOTFOUND for an unknown page.
func (s *Service) Stats(ctx context.Context, slug, from, to string) (PageStats, error) {
	from, to, err := leadgate.ParseDayRange(from, to, s.now())
	if err != nil {
		return PageStats{}, err
	}
	rep, err := funnel.Build(ctx, s.store, slug, from, to)
	if err != nil {
		return PageStats{}, err
	}
	st := PageStats{Report: rep}
	st.Variants, st.VariantHistory, err = s.VariantStats(ctx, slug)
	return st, err
}
