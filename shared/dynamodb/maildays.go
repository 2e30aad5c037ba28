package dynamodb

import (
	"context"
	"errors"
	"time"

	"leadgate/shared/leadgate"
)

// The per-day counts of finished sends, every page together, are the items
// ("MAIL", "DAY#<day>") of one partition: one Query reads a range of days. A
// finished send adds one to its day's sent or failed count in a second UpdateItem
// after the conditional put of its outcome (sends.go), 1 WCU: a transaction of
// the two would double both (4 WCU instead of 2). The put's condition (the claim
// is still the caller's) refuses a repeated finish, so a finish is counted once;
// a count DynamoDB refuses, or a process that dies between the two writes, loses
// that count rather than counting twice. One partition takes every count: it
// serves 1,000 writes a second, far above the sending quota of an SES account.
const (
	pkMailStats       = "MAIL"
	typeMailDayCounts = "mail_day_counts"
	attrSent          = "sent"
	attrFailed        = "failed"
)

// mailDayCounts adds one to the sent or the failed count of a day.
var mailDayCounts = map[string]expr{}

func init() {
	for _, attr := range []string{attrSent, attrFailed} {
		mailDayCounts[attr] = updating("ADD #"+attr+" :one SET #item_type = :type, #day = :day", "")
	}
}

// countFinished counts the finished send into its day. The context may have run
// out while the email went out; the count is short.
func (s *Store) countFinished(ctx context.Context, send leadgate.Send) error {
	attr := attrSent
	switch send.Status {
	case leadgate.SendSent:
	case leadgate.SendFailed:
		attr = attrFailed
	default:
		return nil
	}
	day := send.FinishedDay()
	done, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	w := s.updateOf(key(pkMailStats, prefixDay+day), mailDayCounts[attr], values{":one": one, ":type": str(typeMailDayCounts), ":day": str(day)})
	if _, _, err := s.write(done, "count finished send", w, ""); err != nil {
		// The outcome is recorded: a retry of the caller finds the send done
		// and sends nothing again.
		return errors.Join(errNotCounted, err)
	}
	return nil
}

// MailStats reads the counts of the days from from to to in one paginated Query.
func (s *Store) MailStats(ctx context.Context, from, to string) ([]leadgate.MailDayCounts, error) {
	in := s.queryOf("", partitionRange, values{":pk": str(pkMailStats), ":from": str(prefixDay + from), ":to": str(prefixDay + to)})
	rows, err := queryAll[leadgate.MailDayCounts](ctx, s, "mail stats", in)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// errNotCounted says a finish failed only in its count.
var errNotCounted = errors.New("the send's outcome was recorded, its count was not")
