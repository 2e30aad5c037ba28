package bolt

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// The console's sign-in records, one bucket each, keyed by their IDs (hashes of the
// tokens, and credential IDs). A console has a handful of users, so a user's sessions
// and passkeys are found by a scan rather than an index of their own. A record past
// its PurgeAt is treated as absent by the operations given the time, and deleted;
// writing a new record of a kind prunes the others of its kind that are past theirs,
// by the new record's time. Sign-in requests are counted in memory, as captures are
// (rates.go).
var (
	bucketConsoleLinks    = []byte("console_links")    // sign-in link ID → link
	bucketConsoleSessions = []byte("console_sessions") // session ID → session
	bucketConsolePasskeys = []byte("console_passkeys") // credential ID → passkey
)

// PutSignInLink stores a new sign-in link.
func (s *Store) PutSignInLink(_ context.Context, l leadgate.SignInLink) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketConsoleLinks)
		if err := prune(b, l.CreatedAt, leadgate.SignInLink.PurgeAt); err != nil {
			return err
		}
		if b.Get([]byte(l.ID)) != nil {
			return leadgate.ErrSignInLinkExists
		}
		return putJSON(b, []byte(l.ID), l)
	})
	return storeError("put sign-in link", err)
}

// UseSignInLink checks the link and marks it used in one write transaction.
func (s *Store) UseSignInLink(_ context.Context, id string, now time.Time) (leadgate.SignInLink, error) {
	return editCurrent(s, "use sign-in link", bucketConsoleLinks, id, now, leadgate.SignInLink.PurgeAt, leadgate.ErrSignInLinkUnknown,
		func(l *leadgate.SignInLink) (bool, error) {
			if err := l.Usable(now); err != nil {
				return false, err
			}
			l.UsedAt = now
			return true, nil
		})
}

// PutSession stores a new session.
func (s *Store) PutSession(_ context.Context, ses leadgate.Session) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketConsoleSessions)
		if err := prune(b, ses.CreatedAt, leadgate.Session.PurgeAt); err != nil {
			return err
		}
		if b.Get([]byte(ses.ID)) != nil {
			return leadgate.ErrSessionExists
		}
		return putJSON(b, []byte(ses.ID), ses)
	})
	return storeError("put session", err)
}

// Session returns a session as stored.
func (s *Store) Session(_ context.Context, id string) (leadgate.Session, error) {
	var ses leadgate.Session
	err := s.getJSON("get session", bucketConsoleSessions, []byte(id), &ses)
	if errors.Is(err, errMissing) {
		return ses, leadgate.ErrSessionUnknown
	}
	return ses, err
}

// TouchSession checks the session and moves its idle expiry in one write
// transaction.
func (s *Store) TouchSession(_ context.Context, id string, now time.Time) (leadgate.Session, error) {
	return editCurrent(s, "touch session", bucketConsoleSessions, id, now, leadgate.Session.PurgeAt, leadgate.ErrSessionUnknown,
		func(ses *leadgate.Session) (bool, error) {
			if err := ses.Valid(now); err != nil {
				return false, err
			}
			*ses = ses.Touched(now)
			return true, nil
		})
}

// RevokeSession marks a session revoked.
func (s *Store) RevokeSession(_ context.Context, id string, now time.Time) error {
	_, err := editCurrent(s, "revoke session", bucketConsoleSessions, id, now, leadgate.Session.PurgeAt, leadgate.ErrSessionUnknown,
		func(ses *leadgate.Session) (bool, error) {
			if ses.Revoked {
				return false, nil
			}
			ses.Revoked, ses.RevokedAt = true, now
			return true, nil
		})
	return err
}

// RevokeSessions marks every session of the address revoked, in one write
// transaction.
func (s *Store) RevokeSessions(_ context.Context, email string, now time.Time) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketConsoleSessions)
		var revoked []leadgate.Session
		err := b.ForEach(func(_, v []byte) error {
			var ses leadgate.Session
			if err := decode(v, &ses); err != nil {
				return err
			}
			if ses.Email == email && !ses.Revoked && now.Before(ses.PurgeAt()) {
				ses.Revoked, ses.RevokedAt = true, now
				revoked = append(revoked, ses)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, ses := range revoked {
			if err := putJSON(b, []byte(ses.ID), ses); err != nil {
				return err
			}
		}
		return nil
	})
	return storeError("revoke sessions", err)
}

// PutPasskey stores a newly registered passkey.
func (s *Store) PutPasskey(_ context.Context, p leadgate.Passkey) error {
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketConsolePasskeys)
		if err := prune(b, p.CreatedAt, leadgate.Passkey.PurgeAt); err != nil {
			return err
		}
		if b.Get([]byte(p.ID)) != nil {
			return leadgate.ErrPasskeyExists
		}
		return putJSON(b, []byte(p.ID), p)
	})
	return storeError("put passkey", err)
}

// Passkeys returns the address's passkeys, oldest first.
func (s *Store) Passkeys(_ context.Context, email string) ([]leadgate.Passkey, error) {
	keys := []leadgate.Passkey{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketConsolePasskeys).ForEach(func(_, v []byte) error {
			var p leadgate.Passkey
			if err := decode(v, &p); err != nil {
				return err
			}
			if p.Email == email {
				keys = append(keys, p)
			}
			return nil
		})
	})
	if err != nil {
		return nil, leadgate.Internal("list passkeys", err)
	}
	slices.SortFunc(keys, func(a, b leadgate.Passkey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return keys, nil
}

// PasskeyByCredentialID returns a passkey.
func (s *Store) PasskeyByCredentialID(_ context.Context, id string) (leadgate.Passkey, error) {
	var p leadgate.Passkey
	err := s.getJSON("get passkey", bucketConsolePasskeys, []byte(id), &p)
	if errors.Is(err, errMissing) {
		return p, leadgate.ErrPasskeyUnknown
	}
	return p, err
}

// UpdatePasskeySignCount checks the counter and records the sign-in in one write
// transaction.
func (s *Store) UpdatePasskeySignCount(_ context.Context, id string, count uint32, now time.Time) error {
	_, err := editCurrent(s, "update passkey sign count", bucketConsolePasskeys, id, now, leadgate.Passkey.PurgeAt, leadgate.ErrPasskeyUnknown,
		func(p *leadgate.Passkey) (bool, error) {
			if !p.SignCountAccepted(count) {
				return false, leadgate.ErrPasskeySignCount
			}
			*p = p.Used(count, now)
			return true, nil
		})
	return err
}

// CountSignInRequest counts a request in memory, as captures are counted.
func (s *Store) CountSignInRequest(_ context.Context, l leadgate.RateLimit, now time.Time) error {
	if l.Window <= 0 {
		return leadgate.Internal("count sign-in request "+l.Key, errors.New("window must be positive"))
	}
	s.rates.mu.Lock()
	defer s.rates.mu.Unlock()
	limits := []leadgate.RateLimit{l}
	if err := s.rates.check(limits, now); err != nil {
		return leadgate.SignInRateLimited(l, now)
	}
	s.rates.count(limits, now)
	return nil
}

// editCurrent reads the record under id in one write transaction, lets edit check
// and change it, and writes it back when edit says so. A record that is not there,
// or past its purge time (then deleted, and the delete committed), is unknown.
func editCurrent[T any](s *Store, op string, bucket []byte, id string, now time.Time, purgeAt func(T) time.Time, unknown error, edit func(*T) (bool, error)) (T, error) {
	var (
		v       T
		missing bool
	)
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucket)
		found, err := current(b, id, now, &v, purgeAt)
		if err != nil || !found {
			missing = !found
			return err
		}
		changed, err := edit(&v)
		if err != nil || !changed {
			return err
		}
		return putJSON(b, []byte(id), v)
	})
	var zero T
	switch {
	case err != nil:
		return zero, storeError(op, err)
	case missing:
		return zero, unknown
	}
	return v, nil
}

// current reads the record under id into v, reporting whether it is there: one past
// its purge time at now is deleted and reported absent (the caller commits the
// delete).
func current[T any](b *bbolt.Bucket, id string, now time.Time, v *T, purgeAt func(T) time.Time) (bool, error) {
	raw := b.Get([]byte(id))
	if raw == nil {
		return false, nil
	}
	if err := decode(raw, v); err != nil {
		return false, err
	}
	if now.Before(purgeAt(*v)) {
		return true, nil
	}
	return false, b.Delete([]byte(id))
}

// prune deletes the records of b that are past their purge time at now.
func prune[T any](b *bbolt.Bucket, now time.Time, purgeAt func(T) time.Time) error {
	var gone [][]byte
	err := b.ForEach(func(k, raw []byte) error {
		var v T
		if err := decode(raw, &v); err != nil {
			return err
		}
		if !now.Before(purgeAt(v)) {
			gone = append(gone, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range gone {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
