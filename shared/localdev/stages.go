package localdev

import (
	"context"
	"slices"
	"sync"

	"leadgate/shared/admin"
	"leadgate/shared/funnel"
	"leadgate/shared/leadgate"
)

// stageIndex counts a page's leads by stage for the console's funnel page without
// reading every lead of the page per request, as funnel.CountStages does through the page's lead
// index (on the embedded store a scan of every submission per page of the index:
// seconds at ten thousand leads). It keeps each lead's stage and the pages it
// submitted on, read from the store on first use, and brings them up to date from
// the change feed before each count: every write of a lead or a submission adds a
// change carrying its new image, so the counts are those of the store as the count
// starts. An erasure deletes the lead's changes instead: the admin service's erase
// hook tells the index (forgetting), and a gap where the index stopped reading the
// feed (pruned, or erased) makes it read the store again.
type stageIndex struct {
	store stageStore
	mu    sync.Mutex
	built bool
	pos   uint64                // the last change applied
	leads map[string]*leadStage // by address
}

type leadStage struct {
	stage leadgate.Stage
	pages []string // of its submissions, once each
}

// stageStore is what the index reads: the embedded store offers it.
type stageStore interface {
	Changes(after uint64, limit int) ([]leadgate.Change, error)
	RecentChanges(limit int) ([]leadgate.Change, error)
	leadgate.LeadLister
	Submissions(ctx context.Context, email string) ([]leadgate.Submission, error)
}

// newStageIndex returns the index of the store's stages, nil if it has no feed to
// keep one with (DynamoDB: the console shows no counts by stage).
func newStageIndex(store leadgate.Store) *stageIndex {
	ss, ok := store.(stageStore)
	if !ok {
		return nil
	}
	return &stageIndex{store: ss}
}

// StageCounts counts the page's leads by stage now; page "" counts every lead with
// a submission on any page, once.
func (ix *stageIndex) StageCounts(ctx context.Context, page string) (funnel.StageCounts, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var sc funnel.StageCounts
	if !ix.built {
		if err := ix.read(ctx); err != nil {
			return sc, err
		}
	}
	if err := ix.catchUp(ctx); err != nil {
		return sc, err
	}
	for _, l := range ix.leads {
		if len(l.pages) == 0 || (page != "" && !slices.Contains(l.pages, page)) {
			continue
		}
		switch l.stage {
		case leadgate.StageSQL:
			sc.SQL++
		case leadgate.StageMQL:
			sc.MQL++
		default:
			sc.Cold++
		}
	}
	return sc, nil
}

// read reads every lead and its submissions' pages from the store, and the feed's
// position just before.
func (ix *stageIndex) read(ctx context.Context) error {
	ix.built, ix.pos, ix.leads = false, 0, map[string]*leadStage{}
	last, err := ix.store.RecentChanges(1)
	if err != nil {
		return err
	}
	if len(last) > 0 {
		ix.pos = last[0].Seq
	}
	leads, err := allLeads(ctx, ix.store)
	if err != nil {
		return err
	}
	for _, l := range leads {
		subs, err := ix.store.Submissions(ctx, l.Email)
		if err != nil {
			return err
		}
		ls := ix.lead(l.Email)
		ls.stage = l.CurrentStage()
		for _, sub := range subs {
			ls.addPage(sub.Page)
		}
	}
	ix.built = true
	return nil
}

// catchUp applies the changes after the index's position: those written since the
// read replace what it read, lead by lead.
func (ix *stageIndex) catchUp(ctx context.Context) error {
	for {
		changes, err := ix.store.Changes(ix.pos, 1000)
		if err != nil || len(changes) == 0 {
			return err
		}
		if changes[0].Seq != ix.pos+1 {
			// Changes were pruned or erased where the index stopped: what they
			// said is in the store.
			if err := ix.read(ctx); err != nil {
				return err
			}
			continue
		}
		for _, ch := range changes {
			switch {
			case (ch.Kind == leadgate.LeadCreated || ch.Kind == leadgate.LeadUpdated) && ch.Lead != nil:
				ix.lead(ch.Lead.Email).stage = ch.Lead.CurrentStage()
			case ch.Kind == leadgate.SubmissionCreated && ch.Submission != nil:
				ix.lead(ch.Submission.Email).addPage(ch.Submission.Page)
			}
		}
		ix.pos = changes[len(changes)-1].Seq
	}
}

func (ix *stageIndex) lead(email string) *leadStage {
	l := ix.leads[email]
	if l == nil {
		l = &leadStage{stage: leadgate.StageCold}
		ix.leads[email] = l
	}
	return l
}

func (l *leadStage) addPage(page string) {
	if !slices.Contains(l.pages, page) {
		l.pages = append(l.pages, page)
	}
}

// forgetting returns an erase hook that drops the address from the index, then
// calls then, if any.
func (ix *stageIndex) forgetting(then admin.EraseHook) admin.EraseHook {
	if ix == nil {
		return then
	}
	return func(ctx context.Context, email string) (int, error) {
		ix.mu.Lock()
		delete(ix.leads, email)
		ix.mu.Unlock()
		if then == nil {
			return 0, nil
		}
		return then(ctx, email)
	}
}
