package localdev

import (
	"context"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"leadgate/shared/bolt"
	"leadgate/shared/leadgate"
)

// The embedded store's follower reads the feed in batches and hands each batch's
// changes on concurrently, the changes of one lead in order, as the stream function
// does with a batch's item partitions on AWS (dynamodb.HandleBatch). The reactions of
// many leads run at once, so their writes share commits (the store batches them),
// and the follower keeps up with the captures instead of making one commit after
// another on the store's single writer.
var followOptions = bolt.FollowOptions{
	// The most changes read and handed on at once, between two saves of the
	// follower's position: about a third as many leads.
	BatchSize: 600,
	// A batch waits this long for more changes: the writes of more leads share each
	// commit, and an email goes out at most this much later.
	Linger: 100 * time.Millisecond,
}

// followConcurrency is the most leads whose changes are handled at once. Each batched
// write waits for others to share its commit (bolt's batchDelay), so a lead's handling
// takes a few such waits, and the follower's speed grows with the leads at once. With
// 256 it keeps up with captures as fast as they come (BenchmarkSoak: the emails of
// 12,000 captures out 1.7 s after the last one, on 2 cores); with 64 the captures go
// faster while they last (0.55 times the minimal server's rate instead of 0.44),
// their emails 17 s behind, and a steady 500 captures a second outruns it.
const followConcurrency = 256

// changeKey groups the changes that must be handled in order: those about one
// address. A change about no address stands alone.
func changeKey(ch leadgate.Change) string {
	email := ""
	switch {
	case ch.Lead != nil:
		email = ch.Lead.Email
	case ch.Submission != nil:
		email = ch.Submission.Email
	case ch.Confirmation != nil:
		email = ch.Confirmation.Email
	case ch.Download != nil:
		email = ch.Download.Email
	}
	if email == "" {
		return "change " + strconv.FormatUint(ch.Seq, 10)
	}
	return "email " + email
}

// handleByLead hands the batch's changes to handle, those of one address in order and
// at most concurrency addresses at a time, and returns how many changes of the batch,
// from the first, were handled, with the error of the first one that failed. When a
// change fails, the later changes of its address are not handed on, so they keep
// their order when the batch is handed again; the other addresses go on.
func handleByLead(ctx context.Context, batch []leadgate.Change, handle func(context.Context, leadgate.Change) error, concurrency int) (int, error) {
	groups := map[string][]int{} // address → indexes into batch, in order
	var order []string
	for i, ch := range batch {
		k := changeKey(ch)
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	var (
		mu       sync.Mutex
		firstBad = len(batch)
		firstErr error
	)
	var g errgroup.Group
	g.SetLimit(max(1, concurrency))
	for _, k := range order {
		g.Go(func() error {
			for _, i := range groups[k] {
				if err := handle(ctx, batch[i]); err != nil {
					mu.Lock()
					if i < firstBad {
						firstBad, firstErr = i, err
					}
					mu.Unlock()
					return nil // the other addresses go on
				}
			}
			return nil
		})
	}
	_ = g.Wait()
	return firstBad, firstErr
}

// followSends is the most follow-up emails the local run sends at once. The outbox
// writes and syncs a file per email, which costs the kernel about half a millisecond
// of CPU here: as many at once as the follower handles leads take both cores from
// the captures, while two at once still send over a thousand a second.
const followSends = 2

// fewAtOnce is a mailer that sends at most cap(slots) emails at once.
type fewAtOnce struct {
	mailer leadgate.Mailer
	slots  chan struct{}
}

func sendingAtMost(n int, m leadgate.Mailer) leadgate.Mailer {
	return &fewAtOnce{mailer: m, slots: make(chan struct{}, n)}
}

// Send waits for a slot and sends. A send that ends waiting sent nothing: its error
// does not wrap ctx's, which would tell the follow-up service that it may have.
func (f *fewAtOnce) Send(ctx context.Context, m leadgate.Message) (string, error) {
	select {
	case f.slots <- struct{}{}:
	case <-ctx.Done():
		return "", leadgate.Errorf(leadgate.EUNAVAILABLE, "the send waited its turn until its time was up; nothing was sent")
	}
	defer func() { <-f.slots }()
	return f.mailer.Send(ctx, m)
}
