package localdev

import (
	"context"
	"slices"

	"leadgate/shared/funnel"
	"leadgate/shared/leadgate"
)

// HandleByLead hands a batch of changes on as the embedded store's follower does.
var HandleByLead = handleByLead

// StageCounts counts a page's leads by stage as the console's funnel page does:
// from the store's stage counters.
func (s *Server) StageCounts(ctx context.Context, page string) (funnel.StageCounts, error) {
	o, err := s.Store.Overview(ctx)
	if err != nil {
		return funnel.StageCounts{}, err
	}
	return funnel.StagesOf(o.PageStages(page)), nil
}

// ReadStages counts a page's leads by stage by reading every lead ("": every lead
// with a page, once).
func (s *Server) ReadStages(ctx context.Context, page string) (funnel.StageCounts, error) {
	leads, err := allLeads(ctx, s.Store)
	if err != nil {
		return funnel.StageCounts{}, err
	}
	var c leadgate.StageCounts
	for _, l := range leads {
		if len(l.Pages) == 0 || page != "" && !slices.Contains(l.Pages, page) {
			continue
		}
		switch l.CurrentStage() {
		case leadgate.StageSQL:
			c.SQL++
		case leadgate.StageMQL:
			c.MQL++
		default:
			c.Cold++
		}
	}
	return funnel.StagesOf(c), nil
}
