package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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
// A capture writes its changes to the feed, not the lead's index record nor its
// grant, nor a new address's lead, submission and dedupe marker: each B+tree costs
// a commit three more pages or so, a tenth of a capture's time. Its submission's
// change carries them, encoded (pendingWrites; a new lead's images are the changes'
// own), and catchUp writes them from the changes after the feed position (the index
// bucket's sequence: the last change covered), a batch a commit: before the index
// is read, before a grant that is missing is taken for absent, before a new
// address's items are read or written (deferredLeads), before any other write of a
// lead (putLead, erasure), before the feed is pruned (which never deletes a change
// past the position), on open, and every catchUpEvery while the store is open. So a
// lead's index record is written in the order of the lead's writes, and a grant
// only if absent. A file from before the index gets it built on open.
var bucketLeadIndex = []byte("leadindex")

// indexBatch is the most changes one catch-up commit indexes.
const indexBatch = 2000

// maxExamined bounds the records one Leads call looks at, so that a filter that
// matches little answers in bounded time with Next set.
const maxExamined = 20000

// leadRecord is a lead's entry in the index: the fields the table filters on,
// encoded as recordFields separated by NUL (pages by recordListSep), so that a
// walk reads them without a decoder. The fields hold no NUL or separator: those
// are replaced by spaces, which only the search could notice.
type leadRecord struct {
	Email   string
	Search  string // name and company in lower case, one per line
	Status  leadgate.Status
	Stage   leadgate.Stage
	Consent bool
	Source  string
	Pages   []string
}

const (
	recordFields  = 7
	recordSep     = 0
	recordListSep = 0x1f
)

var recordClean = strings.NewReplacer("\x00", " ", "\x1f", " ")

func recordOf(l leadgate.Lead) leadRecord {
	return leadRecord{Email: l.Email, Search: strings.ToLower(l.Name + "\n" + l.Company),
		Status: l.Status, Stage: l.Stage, Consent: l.Consent.Given, Source: l.FirstTouch.UTMSource, Pages: l.Pages}
}

func (r leadRecord) encode() []byte {
	consent := ""
	if r.Consent {
		consent = "1"
	}
	fields := []string{r.Email, r.Search, string(r.Status), string(r.Stage), consent, r.Source}
	for i, f := range fields {
		fields[i] = recordClean.Replace(f)
	}
	pages := make([]string, len(r.Pages))
	for i, p := range r.Pages {
		pages[i] = recordClean.Replace(p)
	}
	return []byte(strings.Join(append(fields, strings.Join(pages, string(rune(recordListSep)))), string(rune(recordSep))))
}

func decodeRecord(v []byte) (leadRecord, error) {
	parts := strings.Split(string(v), string(rune(recordSep)))
	if len(parts) != recordFields {
		return leadRecord{}, errors.New("bad lead index record")
	}
	r := leadRecord{Email: parts[0], Search: parts[1], Status: leadgate.Status(parts[2]), Stage: leadgate.Stage(parts[3]),
		Consent: parts[4] == "1", Source: parts[5]}
	if parts[6] != "" {
		r.Pages = strings.Split(parts[6], string(rune(recordListSep)))
	}
	return r, nil
}

// recordFilter is a query's filters as the walk checks them on encoded records,
// without decoding or allocating.
type recordFilter struct {
	q      leadgate.LeadQuery
	search []byte
}

func (f recordFilter) matches(v []byte) bool {
	var field [recordFields][]byte
	for i := range recordFields - 1 {
		j := bytes.IndexByte(v, recordSep)
		if j < 0 {
			return false
		}
		field[i], v = v[:j], v[j+1:]
	}
	field[recordFields-1] = v
	q := f.q
	switch {
	case q.Stage == leadgate.StageCold && len(field[3]) > 0 && string(field[3]) != string(leadgate.StageCold):
		return false
	case q.Stage != leadgate.StageAny && q.Stage != leadgate.StageCold && string(field[3]) != string(q.Stage):
		return false
	case q.Source != "" && string(field[5]) != q.Source:
		return false
	case q.Consent == leadgate.ConsentGiven && len(field[4]) == 0, q.Consent == leadgate.ConsentNotGiven && len(field[4]) > 0:
		return false
	case len(q.Statuses) > 0 && !slices.Contains(q.Statuses, leadgate.Status(field[2])):
		return false
	case q.Page != "" && !hasListItem(field[6], q.Page):
		return false
	case len(f.search) > 0 && !bytes.Contains(field[0], f.search) && !bytes.Contains(field[1], f.search):
		return false
	}
	return true
}

func hasListItem(list []byte, item string) bool {
	for len(list) > 0 {
		j := bytes.IndexByte(list, recordListSep)
		if j < 0 {
			return string(list) == item
		}
		if string(list[:j]) == item {
			return true
		}
		list = list[j+1:]
	}
	return false
}

// indexKey is the index key of the lead created at created with id id.
func indexKey(created time.Time, id string) []byte {
	k := make([]byte, 0, 8+len(id))
	k = binary.BigEndian.AppendUint64(k, uint64(created.UnixNano()))
	return append(k, id...)
}

// indexLead writes the lead's index record.
func indexLead(tx *bbolt.Tx, l leadgate.Lead) error {
	return putRecord(tx.Bucket(bucketLeadIndex), indexKey(l.CreatedAt, l.ID), recordOf(l))
}

// putRecord writes an index record under k, keeping the pages the record there had:
// a lead stored before leads kept their pages has them only there.
func putRecord(b *bbolt.Bucket, k []byte, rec leadRecord) error {
	rec.Pages = slices.Clone(rec.Pages)
	if old := b.Get(k); old != nil {
		if prev, err := decodeRecord(old); err == nil {
			for _, p := range prev.Pages {
				if !slices.Contains(rec.Pages, p) {
					rec.Pages = append(rec.Pages, p)
				}
			}
		}
	}
	return b.Put(k, rec.encode())
}

// putLead writes the lead and its index record, once the records waiting in the
// feed are written: a capture's record of the lead must not come after it.
func putLead(tx *bbolt.Tx, l leadgate.Lead) error {
	if err := applyFeed(tx); err != nil {
		return err
	}
	if err := putJSON(tx.Bucket(bucketLeads), []byte(l.Email), l); err != nil {
		return err
	}
	return indexLead(tx, l)
}

// CatchUp makes the writes the captures left to the feed (the lead index's records
// and the grants) now, rather than when they are next needed: a benchmark of
// captures counts their cost with it.
func (s *Store) CatchUp() error {
	if err := s.catchUp(); err != nil {
		return leadgate.Internal("write from the feed", err)
	}
	return nil
}

// catchUp writes the index records and grants of the changes after the feed
// position, and moves the position to the feed's end.
func (s *Store) catchUp() error {
	for {
		behind, pos := false, uint64(0)
		err := s.db.View(func(tx *bbolt.Tx) error {
			behind, pos = feedBehind(tx), tx.Bucket(bucketLeadIndex).Sequence()
			return nil
		})
		if err != nil {
			return err
		}
		if !behind {
			s.deferred.forget(pos)
			return nil
		}
		if err := s.update(applyFeedBatch); err != nil {
			return err
		}
	}
}

// catchUpFor is catchUp for a read of one address's items: only if a capture left
// that address's new lead to the feed.
func (s *Store) catchUpFor(email string) error {
	if !s.deferred.listed(email) {
		return nil
	}
	return s.catchUp()
}

// deferredLeads lists the addresses whose new lead a capture left to the feed, with
// the sequence number of the change that holds its writes (pendingWrites). A capture
// of a listed address, or a read of its items, catches up first; an address whose
// number is at or below the feed position is written already. The list is the
// process's own: Open catches up before the store is used.
type deferredLeads struct {
	mu  sync.Mutex
	seq map[string]uint64
}

// add lists email as written from the change seq.
func (d *deferredLeads) add(email string, seq uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.seq == nil {
		d.seq = map[string]uint64{}
	}
	d.seq[email] = seq
}

// after reports whether email's writes are in a change past the feed position pos.
func (d *deferredLeads) after(email string, pos uint64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seq[email] > pos
}

// catchUpIn is catchUpFor inside a write transaction: it catches up in tx if
// email's writes are in a change past the position.
func (d *deferredLeads) catchUpIn(tx *bbolt.Tx, email string) error {
	if !d.after(email, tx.Bucket(bucketLeadIndex).Sequence()) {
		return nil
	}
	return applyFeed(tx)
}

// listed reports whether email is listed, written since or not.
func (d *deferredLeads) listed(email string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.seq[email]
	return ok
}

// forget drops the addresses written by the feed position pos.
func (d *deferredLeads) forget(pos uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for email, seq := range d.seq {
		if seq <= pos {
			delete(d.seq, email)
		}
	}
}

// feedBehind reports whether the feed holds changes past the position.
func feedBehind(tx *bbolt.Tx) bool {
	return tx.Bucket(bucketLeadIndex).Sequence() < tx.Bucket(bucketChanges).Sequence()
}

// applyFeed is catchUp inside a write transaction that needs it done, whatever the
// number of changes.
func applyFeed(tx *bbolt.Tx) error {
	for feedBehind(tx) {
		if err := applyFeedBatch(tx); err != nil {
			return err
		}
	}
	return nil
}

// pendingWrites are the writes a capture leaves to the feed, encoded as stored
// (pending.go). IndexKey comes first: the catch-up finds the member by its start
// (pendingStart).
type pendingWrites struct {
	IndexKey    []byte          `json:"index_key"`
	IndexRecord []byte          `json:"index_record"`
	GrantID     string          `json:"grant_id,omitempty"`
	Grant       json.RawMessage `json:"grant,omitempty"` // as putGrant stores it
	// SubmissionKey is set for a new address: its lead (the image of the change
	// before), its submission (this change's image) and its dedupe marker on Page
	// are written from the feed too.
	SubmissionKey []byte `json:"submission_key,omitempty"`
	Page          string `json:"page,omitempty"`
}

// applyFeedBatch makes the pending writes of up to indexBatch changes after the
// position, and moves the position past them: to the feed's last sequence number
// once none is left.
func applyFeedBatch(tx *bbolt.Tx) error {
	// The index's keys start with the lead's creation time: the feed's order is
	// nearly theirs. The grants' are digests, in no order.
	idx := growingBucket(tx, bucketLeadIndex)
	changes, leads, grants := tx.Bucket(bucketChanges), tx.Bucket(bucketLeads), tx.Bucket(bucketGrants)
	pos := idx.Sequence()
	c := changes.Cursor()
	k, v := c.Seek(seqKey(pos + 1))
	// A batch ends after a change of its own, never between a new lead's change and
	// its submission's, which is written with it: the feed is pruned up to the
	// position.
	for n, newLead := 0, false; k != nil && (n < indexBatch || newLead); k, v = c.Next() {
		n, newLead = n+1, changeKindIs(v, leadgate.LeadCreated)
		pos = binary.BigEndian.Uint64(k)
		// Only the member matches (pendingStart): the first match is it. Index
		// scans a change many times faster than LastIndex.
		i := bytes.Index(v, pendingStart)
		if i < 0 {
			continue
		}
		p, err := decodePending(v[i+len(pendingMember) : len(v)-1])
		if err != nil {
			return fmt.Errorf("change %d: %w", pos, err)
		}
		if p.SubmissionKey != nil {
			if err := writeNewLead(leads, changes.Get(seqKey(pos-1)), v[:i], p); err != nil {
				return fmt.Errorf("change %d: %w", pos, err)
			}
		}
		if p.GrantID != "" && grants.Get([]byte(p.GrantID)) == nil {
			if err := grants.Put([]byte(p.GrantID), p.Grant); err != nil {
				return err
			}
		}
		rec, err := decodeRecord(p.IndexRecord)
		if err != nil {
			return fmt.Errorf("change %d: %w", pos, err)
		}
		if leads.Get([]byte(rec.Email)) == nil {
			continue // erased since
		}
		if err := putRecord(idx, p.IndexKey, rec); err != nil {
			return err
		}
	}
	if k == nil {
		pos = changes.Sequence()
	}
	return idx.SetSequence(pos)
}

// writeNewLead writes a new address's lead, submission and dedupe marker from the
// feed: the lead's image from its change, leadChange, and the submission's from
// subChange, its change up to the pending writes p. A lead written since is newer,
// and kept.
func writeNewLead(leads *bbolt.Bucket, leadChange, subChange []byte, p pendingWrites) error {
	nul := bytes.IndexByte(p.SubmissionKey, 0)
	lead, leadOK := imageAfter(leadChange, leadMember)
	sub, subOK := imageAfter(subChange, submissionMember)
	if nul < 0 || !leadOK || !subOK || !changeKindIs(leadChange, leadgate.LeadCreated) {
		return errors.New("a new lead's writes are not in the feed")
	}
	email := p.SubmissionKey[:nul]
	if leads.Get(email) == nil {
		if err := leads.Put(email, lead[:len(lead)-1]); err != nil { // less the change's closing brace
			return err
		}
	}
	if err := leads.Put(p.SubmissionKey, sub); err != nil {
		return err
	}
	prefix := p.SubmissionKey[:nul+1]
	return leads.Put(dedupeKey(prefix, p.Page), p.SubmissionKey[len(prefix):])
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
		return idx.Put(indexKey(cur.CreatedAt, cur.ID), recordOf(*cur).encode())
	}
	c := tx.Bucket(bucketLeads).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		switch kindOf(k) {
		case itemLead:
			if err := flush(); err != nil {
				return err
			}
			cur = new(leadgate.Lead)
			if err := decode(v, cur); err != nil {
				return err
			}
		case itemSubmission:
			if cur == nil || !bytes.HasPrefix(k, addressPrefix(cur.Email)) {
				continue
			}
			var sub struct {
				Page string `json:"page"`
			}
			if err := decode(v, &sub); err != nil {
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
	if err := s.catchUp(); err != nil {
		return leadgate.LeadList{}, leadgate.Internal("index leads", err)
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
	filter := recordFilter{q: q, search: []byte(strings.ToLower(q.Search))}
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
			if !filter.matches(v) {
				continue
			}
			var l leadgate.Lead
			raw := leads.Get(v[:bytes.IndexByte(v, recordSep)])
			if raw == nil {
				continue
			}
			if err := decode(raw, &l); err != nil {
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
	if err := s.catchUp(); err != nil {
		return leadgate.Lead{}, leadgate.Internal("index leads", err)
	}
	var l leadgate.Lead
	err := s.db.View(func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketLeadIndex).Get(indexKey(created, id))
		if raw == nil {
			return leadgate.ErrLeadNotFound
		}
		rec, err := decodeRecord(raw)
		if err != nil {
			return err
		}
		data := tx.Bucket(bucketLeads).Get([]byte(rec.Email))
		if data == nil {
			return leadgate.ErrLeadNotFound
		}
		return decode(data, &l)
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
			if err := decodeSend(k, v, &send); err != nil {
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
