// Package pipeline is what happens after a change: the one ordered list of the
// reactions to a change of the store (a new lead, a submission, a confirmation, a
// download), used by the stream function on AWS and by the local run alike.
//
// To add a reaction (webhooks, say), add one line to Reactions, where its place in
// the order is decided. Changes are delivered at least once, so every reaction must
// be idempotent.
package pipeline

import (
	"context"
	"time"

	"leadgate/shared/funnel"
	"leadgate/shared/leadgate"
	"leadgate/shared/scoring"
)

// Reaction reacts to one change. An error hands the change back to be delivered
// again.
type Reaction interface {
	HandleChange(ctx context.Context, ch leadgate.Change) error
}

// ReactionFunc is a function used as a Reaction.
type ReactionFunc func(ctx context.Context, ch leadgate.Change) error

// HandleChange calls f.
func (f ReactionFunc) HandleChange(ctx context.Context, ch leadgate.Change) error { return f(ctx, ch) }

// Store is what the reactions need of the store.
type Store interface {
	funnel.CountStore
	scoring.Store
}

// Reactions returns the reactions to a change, in the order they run: followUp is
// the follow-up email service; now stamps stage changes; after are the reactions
// that tell others (the webhooks, the new-lead alerts), run last.
func Reactions(store Store, followUp Reaction, now func() time.Time, after ...Reaction) []Reaction {
	return append([]Reaction{
		funnel.NewCounter(store),
		followUp,
		// After the counter and the follow-up: a download's rescoring records the
		// lead's first download, and the score, in one write; the reactions
		// after see both.
		scoring.New(store, now),
		// Last: webhooks and alerts send the lead as the reactions before left
		// it, and a slow receiver holds up nothing else.
	}, after...)
}

// Pipeline hands each change to its reactions in order.
type Pipeline struct {
	reactions []Reaction
}

// New returns the pipeline of Reactions.
func New(store Store, followUp Reaction, now func() time.Time, after ...Reaction) *Pipeline {
	return Of(Reactions(store, followUp, now, after...)...)
}

// Of returns a pipeline of the given reactions, in that order.
func Of(reactions ...Reaction) *Pipeline {
	return &Pipeline{reactions: reactions}
}

// HandleChange hands the change to each reaction in order and stops at the first
// error, which it returns as is (its code decides whether a retry can help). The
// redelivered change runs every reaction again; those that finished before do
// nothing the second time.
func (p *Pipeline) HandleChange(ctx context.Context, ch leadgate.Change) error {
	for _, r := range p.reactions {
		if err := r.HandleChange(ctx, ch); err != nil {
			return err
		}
	}
	return nil
}
