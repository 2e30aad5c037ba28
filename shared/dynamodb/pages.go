package dynamodb

import (
	"context"

	"leadgate/shared/leadgate"
)

// A page is the item ("PAGE#<slug>", "PAGE"), a magnet ("MAGNET#<id>", "MAGNET");
// both are listed from GSI1, under listPages and listMagnets by slug or id.

// PutPage creates or replaces a page.
func (s *Store) PutPage(ctx context.Context, p leadgate.Page) error {
	op := "put page " + p.Slug
	item, err := marshalItem(p, prefixPage+p.Slug, skPage, typePage)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	item[attrGSI1PK] = str(listPages)
	item[attrGSI1SK] = str(p.Slug)
	return s.put(ctx, op, item)
}

// Page returns the page with that slug.
func (s *Store) Page(ctx context.Context, slug string) (leadgate.Page, error) {
	var p leadgate.Page
	err := s.get(ctx, "get page "+slug, key(prefixPage+slug, skPage), leadgate.ErrPageNotFound, &p)
	return p, err
}

// DeletePage deletes the page's item only: its leads, submissions and counters
// live in items of their own and stay.
func (s *Store) DeletePage(ctx context.Context, slug string) error {
	existed, err := s.deleteItem(ctx, "delete page "+slug, key(prefixPage+slug, skPage))
	if err != nil {
		return err
	}
	if !existed {
		return leadgate.ErrPageNotFound
	}
	return nil
}

// PutMagnet creates or replaces a magnet.
func (s *Store) PutMagnet(ctx context.Context, m leadgate.Magnet) error {
	op := "put magnet " + m.ID
	item, err := marshalItem(m, prefixMagnet+m.ID, skMagnet, typeMagnet)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	item[attrGSI1PK] = str(listMagnets)
	item[attrGSI1SK] = str(m.ID)
	return s.put(ctx, op, item)
}

// Magnet returns the magnet with that id.
func (s *Store) Magnet(ctx context.Context, id string) (leadgate.Magnet, error) {
	var m leadgate.Magnet
	err := s.get(ctx, "get magnet "+id, key(prefixMagnet+id, skMagnet), leadgate.ErrMagnetNotFound, &m)
	return m, err
}

// Pages returns every page, by slug: one paginated Query of GSI1. A GSI is read
// eventually consistent: a page put a moment ago may be missing for a moment.
func (s *Store) Pages(ctx context.Context) ([]leadgate.Page, error) {
	return listGSI1[leadgate.Page](ctx, s, "list pages", listPages)
}

// Magnets returns every magnet, by id: one paginated Query of GSI1.
func (s *Store) Magnets(ctx context.Context) ([]leadgate.Magnet, error) {
	return listGSI1[leadgate.Magnet](ctx, s, "list magnets", listMagnets)
}

// listGSI1 reads every item of one GSI1 partition, in sort key order.
func listGSI1[T any](ctx context.Context, s *Store, op, pk string) ([]T, error) {
	return queryAll[T](ctx, s, op, s.queryOf(indexGSI1, gsi1Partition, values{":pk": str(pk)}))
}

// gsi1Partition queries one partition of GSI1.
var gsi1Partition = keyQuery("#gsi1pk = :pk", "")
