package bolt

import (
	"context"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// bucketConsoleCeremonies keeps the begun passkey ceremonies: ceremony ID → state.
var bucketConsoleCeremonies = []byte("console_ceremonies")

// DeletePasskey removes the address's passkey in one write transaction.
func (s *Store) DeletePasskey(_ context.Context, email, id string) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketConsolePasskeys)
		raw := b.Get([]byte(id))
		if raw == nil {
			return leadgate.ErrPasskeyUnknown
		}
		var p leadgate.Passkey
		if err := decode(raw, &p); err != nil {
			return err
		}
		if p.Email != email {
			return leadgate.ErrPasskeyUnknown
		}
		return b.Delete([]byte(id))
	})
	return storeError("delete passkey", err)
}

// PutPasskeyCeremony stores a begun ceremony.
func (s *Store) PutPasskeyCeremony(_ context.Context, c leadgate.PasskeyCeremony) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketConsoleCeremonies)
		if err := prune(b, c.CreatedAt, leadgate.PasskeyCeremony.PurgeAt); err != nil {
			return err
		}
		if b.Get([]byte(c.ID)) != nil {
			return leadgate.ErrPasskeyCeremonyExists
		}
		return putJSON(b, []byte(c.ID), c)
	})
	return storeError("put passkey ceremony", err)
}

// TakePasskeyCeremony reads and deletes the ceremony in one write transaction.
func (s *Store) TakePasskeyCeremony(_ context.Context, id string, now time.Time) (leadgate.PasskeyCeremony, error) {
	var (
		c     leadgate.PasskeyCeremony
		found bool
	)
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketConsoleCeremonies)
		var err error
		// An expired ceremony is deleted by current, and the delete committed.
		if found, err = current(b, id, now, &c, leadgate.PasskeyCeremony.PurgeAt); err != nil || !found {
			return err
		}
		return b.Delete([]byte(id))
	})
	switch {
	case err != nil:
		return leadgate.PasskeyCeremony{}, storeError("take passkey ceremony", err)
	case !found:
		return leadgate.PasskeyCeremony{}, leadgate.ErrPasskeyCeremonyUnknown
	}
	return c, nil
}
