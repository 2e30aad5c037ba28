package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// The lead index orders the leads by creation time for the console's table, with a
// compact record of what its filters look at, so that a page of the table walks it
// newest first without decoding whole leads:
//
//	time(8) id  → leadRecord (time: big-endian Unix nanoseconds of CreatedAt)
//
// Every write of a lead writes its record in the same transaction (indexLead);
// erasure deletes it. A file from before the index gets it built on open.
var bucketLeadIndex = []byte("leadindex")

// maxExamined bounds the records one Leads call looks at, so that a filter that
// matches little answers in bounded time with Next set.
const maxExamined = 20000

// leadRecord is a lead's entry in the index: the fields the table filters on.
type leadRecord struct {
	Email   string          `json:"e"`
	Search  string          `json:"q,omitempty"` // name and company in lower case
	Status  leadgate.Status `json:"st"`
	Stage   leadgate.Stage  `json:"sg,omitempty"`
	Consent bool            `json:"c,omitempty"`
	Source  string          `json:"src,omitempty"`
	Pages   []string        `json:"p,omitempty"`
}

func recordOf(l leadgate.Lead) leadRecord {
	return leadRecord{Email: l.Email, Search: leadgate.LeadSearchText(leadgate.Lead{Name: l.Name, Company: l.Company}),
		Status: l.Status, Stage: l.Stage, Consent: l.Consent.Given, Source: l.FirstTouch.UTMSource, Pages: l.Pages}
}

// lead is as much of the lead as the record says, for LeadQuery.Matches.
func (r leadRecord) lead() leadgate.Lead {
	return leadgate.Lead{Email: r.Email, Status: r.Status, Stage: r.Stage, Consent: leadgate.Consent{Given: r.Consent},
		FirstTouch: leadgate.Attribution{UTMSource: r.Source}, Pages: r.Pages}
}

func (r leadRecord) matches(q leadgate.LeadQuery, search string) bool {
	if search != "" {
		q.Search = "" // checked here against the record's own text
		if !strings.Contains(r.Email, search) && !strings.Contains(r.Search, search) {
			return false
		}
	}
	return q.Matches(r.lead())
}

// indexKey is the index key of the lead created at created with id id.
func indexKey(created time.Time, id string) []byte {
	k := make([]byte, 0, 8+len(id))
	k = binary.BigEndian.AppendUint64(k, uint64(created.UnixNano()))
	return append(k, id...)
}

// indexLead writes the lead's index record; a lead from before Pages were kept
// keeps the pages its record had.
func indexLead(tx *bbolt.Tx, l leadgate.Lead) error {
	b := tx.Bucket(bucketLeadIndex)
	k := indexKey(l.CreatedAt, l.ID)
	rec := recordOf(l)
	if len(rec.Pages) == 0 {
		if old := b.Get(k); old != nil {
			var prev leadRecord
			if json.Unmarshal(old, &prev) == nil {
				rec.Pages = prev.Pages
			}
		}
	}
	return putJSON(b, k, rec)
}

// putLead writes the lead and its index record.
func putLead(tx *bbolt.Tx, l leadgate.Lead) error {
	if err := putJSON(tx.Bucket(bucketLeads), []byte(l.Email), l); err != nil {
		return err
	}
	return indexLead(tx, l)
}

// buildLeadIndex fills an empty index from the leads bucket, where each lead's key
// comes just before its submissions': the pages of a lead stored before leads kept
// them are read from its submissions.
func buildLeadIndex(tx *bbolt.Tx) error {
	idx := tx.Bucket(bucketLeadIndex)
	if k, _ := idx.Cursor().First(); k != nil {
		return nil
	}
	var cur *leadgate.Lead
	flush := func() error {
		if cur == nil {
			return nil
		}
		return putJSON(idx, indexKey(cur.CreatedAt, cur.ID), recordOf(*cur))
	}
	c := tx.Bucket(bucketLeads).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		switch kindOf(k) {
		case itemLead:
			if err := flush(); err != nil {
				return err
			}
			cur = new(leadgate.Lead)
			if err := json.Unmarshal(v, cur); err != nil {
				return err
			}
		case itemSubmission:
			if cur == nil || !bytes.HasPrefix(k, addressPrefix(cur.Email)) {
				continue
			}
			var sub struct {
				Page string `json:"page"`
			}
			if err := json.Unmarshal(v, &sub); err != nil {
				return err
			}
			if !slices.Contains(cur.Pages, sub.Page) {
				cur.Pages = append(cur.Pages, sub.Page)
			}
		}
	}
	return flush()
}

// Leads returns a page of the leads q selects, newest first: it walks the index
// back from the cursor (or from To), at most maxExamined records, and reads the
// whole lead of each match.
func (s *Store) Leads(_ context.Context, q leadgate.LeadQuery) (leadgate.LeadList, error) {
	if err := q.Validate(); err != nil {
		return leadgate.LeadList{}, err
	}
	limit := leadgate.LeadListLimit(q.Limit)
	var start []byte // the walk begins below it; nil: at the newest
	if !q.To.IsZero() {
		start = indexKey(q.To, "")
	}
	if q.Cursor != "" {
		at, id, _ := leadgate.ParseLeadsCursor(q.Cursor)
		if k := indexKey(at, id); start == nil || bytes.Compare(k, start) < 0 {
			start = k
		}
	}
	var floor []byte
	if !q.From.IsZero() {
		floor = indexKey(q.From, "")
	}
	search := strings.ToLower(q.Search)
	res := leadgate.LeadList{Leads: []leadgate.Lead{}}
	err := s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketLeadIndex).Cursor()
		leads := tx.Bucket(bucketLeads)
		var k, v, last []byte
		if start == nil {
			k, v = c.Last()
		} else if k, _ = c.Seek(start); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil; k, v = c.Prev() {
			if floor != nil && bytes.Compare(k, floor) < 0 {
				return nil
			}
			if res.Examined == maxExamined || len(res.Leads) == limit {
				res.Next = cursorOf(last)
				return nil
			}
			res.Examined++
			last = k
			var rec leadRecord
			if err := json.Unmarshal(v, &rec); err != nil {
				return err
			}
			if !rec.matches(q, search) {
				continue
			}
			var l leadgate.Lead
			raw := leads.Get([]byte(rec.Email))
			if raw == nil {
				continue
			}
			if err := json.Unmarshal(raw, &l); err != nil {
				return err
			}
			res.Leads = append(res.Leads, l)
		}
		return nil
	})
	if err != nil {
		return leadgate.LeadList{}, leadgate.Internal("list leads", err)
	}
	return res, nil
}

// cursorOf is the cursor that continues below the index key k.
func cursorOf(k []byte) string {
	return leadgate.EncodeLeadsCursor(time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC(), string(k[8:]))
}

// LeadByRef returns the lead ref names, through its index record.
func (s *Store) LeadByRef(_ context.Context, ref string) (leadgate.Lead, error) {
	created, id, ok := leadgate.ParseLeadRef(ref)
	if !ok {
		return leadgate.Lead{}, leadgate.ErrLeadNotFound
	}
	var l leadgate.Lead
	err := s.db.View(func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketLeadIndex).Get(indexKey(created, id))
		if raw == nil {
			return leadgate.ErrLeadNotFound
		}
		var rec leadRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		data := tx.Bucket(bucketLeads).Get([]byte(rec.Email))
		if data == nil {
			return leadgate.ErrLeadNotFound
		}
		return json.Unmarshal(data, &l)
	})
	if errors.Is(err, leadgate.ErrLeadNotFound) {
		return leadgate.Lead{}, leadgate.ErrLeadNotFound
	}
	return l, storeError("get lead", err)
}

// Sends returns the address's sends, by send key.
func (s *Store) Sends(_ context.Context, email string) ([]leadgate.Send, error) {
	sends := []leadgate.Send{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		prefix := pairKey(email, "")
		c := tx.Bucket(bucketSends).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var send leadgate.Send
			if err := json.Unmarshal(v, &send); err != nil {
				return err
			}
			sends = append(sends, send)
		}
		return nil
	})
	if err != nil {
		return nil, leadgate.Internal("list sends", err)
	}
	return sends, nil
}
