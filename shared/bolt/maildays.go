package bolt

import (
	"context"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// bucketMailDays holds the per-day counts of finished sends, every page together:
// day → MailDayCounts. FinishSend counts into them in its own transaction.
var bucketMailDays = []byte("mail_days")

// countFinished adds the finished send to the counts of its day.
func countFinished(tx *bbolt.Tx, send leadgate.Send) error {
	b := tx.Bucket(bucketMailDays)
	day := send.FinishedDay()
	c := leadgate.MailDayCounts{Day: day}
	if raw := b.Get([]byte(day)); raw != nil {
		if err := decode(raw, &c); err != nil {
			return err
		}
	}
	switch send.Status {
	case leadgate.SendSent:
		c.Sent++
	case leadgate.SendFailed:
		c.Failed++
	default:
		return nil
	}
	return putJSON(b, []byte(day), c)
}

// MailStats returns the counts of the days from from to to that have any.
func (s *Store) MailStats(_ context.Context, from, to string) ([]leadgate.MailDayCounts, error) {
	rows := []leadgate.MailDayCounts{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketMailDays).Cursor()
		for k, v := c.Seek([]byte(from)); k != nil && string(k) <= to; k, v = c.Next() {
			var row leadgate.MailDayCounts
			if err := decode(v, &row); err != nil {
				return err
			}
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		return nil, leadgate.Internal("mail stats", err)
	}
	return rows, nil
}
