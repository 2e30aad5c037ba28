// Package configcache keeps page and magnet configuration in memory for a short
// time, so that a warm Lambda container reads each from the table about once a
// minute instead of on every request. Every other method passes through.
package configcache

import (
	"context"
	"sync"
	"time"

	"leadgate/shared/leadgate"
)

// Store caches Page and Magnet of the store it wraps, answers that they are not
// found included (an unknown slug requested in a loop costs one read per TTL).
type Store struct {
	leadgate.Store
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	pages   map[string]entry[leadgate.Page]
	magnets map[string]entry[leadgate.Magnet]
}

type entry[T any] struct {
	value   T
	err     error
	expires time.Time
}

var _ leadgate.Store = (*Store)(nil)

// New wraps store; ttl is how long an answer is reused.
func New(store leadgate.Store, ttl time.Duration, now func() time.Time) *Store {
	return &Store{Store: store, ttl: ttl, now: now,
		pages: map[string]entry[leadgate.Page]{}, magnets: map[string]entry[leadgate.Magnet]{}}
}

// Page returns the page, from memory when read less than the TTL ago.
func (s *Store) Page(ctx context.Context, slug string) (leadgate.Page, error) {
	return cached(s, s.pages, slug, func() (leadgate.Page, error) { return s.Store.Page(ctx, slug) })
}

// Magnet returns the magnet, from memory when read less than the TTL ago.
func (s *Store) Magnet(ctx context.Context, id string) (leadgate.Magnet, error) {
	return cached(s, s.magnets, id, func() (leadgate.Magnet, error) { return s.Store.Magnet(ctx, id) })
}

// PutPage writes through and forgets the cached page.
func (s *Store) PutPage(ctx context.Context, p leadgate.Page) error {
	s.forget(func() { delete(s.pages, p.Slug) })
	return s.Store.PutPage(ctx, p)
}

// DeletePage deletes through and forgets the cached page.
func (s *Store) DeletePage(ctx context.Context, slug string) error {
	s.forget(func() { delete(s.pages, slug) })
	return s.Store.DeletePage(ctx, slug)
}

// PutMagnet writes through and forgets the cached magnet.
func (s *Store) PutMagnet(ctx context.Context, m leadgate.Magnet) error {
	s.forget(func() { delete(s.magnets, m.ID) })
	return s.Store.PutMagnet(ctx, m)
}

func (s *Store) forget(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// cached answers from m, or reads, remembering answers that will hold (the value or
// not found) but never a failure, which the next request retries.
func cached[T any](s *Store, m map[string]entry[T], key string, read func() (T, error)) (T, error) {
	now := s.now()
	s.mu.Lock()
	e, ok := m[key]
	s.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.value, e.err
	}
	v, err := read()
	if err == nil || leadgate.ErrorCode(err) == leadgate.ENOTFOUND {
		s.mu.Lock()
		if len(m) > 10000 {
			clear(m) // bounded: a flood of unknown slugs cannot grow it for ever
		}
		m[key] = entry[T]{value: v, err: err, expires: now.Add(s.ttl)}
		s.mu.Unlock()
	}
	return v, err
}
