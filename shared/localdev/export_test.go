package localdev

import (
	"context"

	"leadgate/shared/funnel"
)

// HandleByLead hands a batch of changes on as the embedded store's follower does.
var HandleByLead = handleByLead

// StageCounts counts a page's leads by stage as the console's funnel page does.
func (s *Server) StageCounts(ctx context.Context, page string) (funnel.StageCounts, error) {
	return s.stages.StageCounts(ctx, page)
}
