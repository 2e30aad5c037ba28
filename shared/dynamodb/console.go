package dynamodb

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// The console's sign-in records. A sign-in link ("CONSOLE#LINK#<id>", "LINK") and a
// session ("CONSOLE#SESSION#<id>", "SESSION") each have a partition of their own,
// keyed by a hash of their token, so that a link's use and a session's touch are one
// conditional UpdateItem. A console user's partition ("CONSOLE#USER#<email>") holds
// their passkeys ("PASSKEY#<credential hash>") and an entry per session
// ("SESSION#<id>"), which "sign out everywhere" queries; a passkey's credential ID
// entry ("CONSOLE#PASSKEY#<credential hash>", "PASSKEY") names its user, for a
// sign-in finds the passkey by credential ID. No index is needed. Every item's TTL is
// its record's PurgeAt; conditions on the domain's times (stored fixed width) make a
// record past it answer as unknown, as if TTL had removed it already. Sign-in
// requests are counted on rate counters ("RATE#<key>"), as captures are.

func signInLinkKey(id string) map[string]types.AttributeValue {
	return key(prefixSignInLink+id, skSignInLink)
}

func sessionKey(id string) map[string]types.AttributeValue {
	return key(prefixSession+id, skSession)
}

func sessionRefKey(email, id string) map[string]types.AttributeValue {
	return key(prefixConsoleUser+email, prefixSessionRef+id)
}

func passkeyKey(email, id string) map[string]types.AttributeValue {
	return key(prefixConsoleUser+email, passkeySK(id))
}

func passkeySK(id string) string { return prefixPasskey + credentialHash(id) }

func passkeyRefKey(id string) map[string]types.AttributeValue {
	return key(prefixPasskeyRef+credentialHash(id), skPasskeyRef)
}

// credentialHash names a passkey's credential ID in keys: a credential ID may be
// 1,023 bytes, more than a sort key holds.
func credentialHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// The writes of the console's records. A sign-in link is used once, before it
// expires. A session is touched while neither revoked nor expired, and revoked while
// not past its purge time (min(idle, absolute expiry) + SessionRetention): both
// expiries later than :purged = now - SessionRetention. A passkey's counter only
// grows (or stays 0 where the authenticator keeps none), while the passkey is not past
// its purge time (its last use or registration + PasskeyRetention).
var (
	useSignInLink = updating("SET #used_at = :now",
		"attribute_exists(#pk) AND attribute_not_exists(#used_at) AND #link_expires_at > :now")
	touchSession = updating("SET #last_seen_at = :now, #idle_expires_at = :idle, #expires_at = :ttl",
		"attribute_exists(#pk) AND NOT (#revoked = :true) AND #idle_expires_at > :now AND #absolute_expires_at > :now")
	revokeSession = updating("SET #revoked = :true, #revoked_at = :now, #expires_at = :ttl",
		"attribute_exists(#pk) AND NOT (#revoked = :true) AND #idle_expires_at > :purged AND #absolute_expires_at > :purged")
	passkeySignCountGrows = updating("SET #sign_count = :count, #last_used_at = :now, #expires_at = :ttl",
		"attribute_exists(#pk) AND #sign_count < :count AND (#created_at > :purged OR #last_used_at > :purged)")
	passkeySignCountNone = updating("SET #last_used_at = :now, #expires_at = :ttl",
		"attribute_exists(#pk) AND #sign_count = :count AND (#created_at > :purged OR #last_used_at > :purged)")
	passkeyRefTTL = updating("SET #expires_at = :ttl", "attribute_exists(#pk)")
	// sessionRefs lists the session entries of a user's partition, by sort key only.
	sessionRefs = keyQuery("#pk = :pk AND begins_with(#sk, :prefix)", "#sk")
)

// PutSignInLink puts a sign-in link if none with its ID exists.
func (s *Store) PutSignInLink(ctx context.Context, l leadgate.SignInLink) error {
	const op = "put sign-in link"
	item, err := marshalItem(l, prefixSignInLink+l.ID, skSignInLink, typeSignInLink)
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("marshal: %w", err))
	}
	return s.putNew(ctx, op, withLinkTTL(item, l.PurgeAt()), leadgate.ErrSignInLinkExists)
}

// UseSignInLink marks the link used in one conditional UpdateItem; a refused use
// changes nothing, and the link's image comes back with the failure to say why.
func (s *Store) UseSignInLink(ctx context.Context, id string, now time.Time) (leadgate.SignInLink, error) {
	const op = "use sign-in link"
	w := s.updateOf(signInLinkKey(id), useSignInLink, values{":now": str(keyTime(now))})
	item, refused, err := s.write(ctx, op, w, types.ReturnValueAllNew)
	switch {
	case err != nil:
		return leadgate.SignInLink{}, err
	case refused && len(item) == 0:
		return leadgate.SignInLink{}, leadgate.ErrSignInLinkUnknown
	}
	l, err := unmarshalSignInLink(item)
	if err != nil {
		return leadgate.SignInLink{}, leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
	}
	if !refused {
		return l, nil
	}
	if !now.Before(l.PurgeAt()) {
		return leadgate.SignInLink{}, leadgate.ErrSignInLinkUnknown
	}
	if err := l.Usable(now); err != nil {
		return leadgate.SignInLink{}, err
	}
	return leadgate.SignInLink{}, changedMeanwhile(op, errors.New("refused a usable link"))
}

func unmarshalSignInLink(item map[string]types.AttributeValue) (leadgate.SignInLink, error) {
	item, err := withLinkExpiry(item)
	if err != nil {
		return leadgate.SignInLink{}, err
	}
	var l leadgate.SignInLink
	if err := unmarshalItem(item, &l); err != nil {
		return leadgate.SignInLink{}, err
	}
	if l.ID == "" || l.Email == "" {
		return leadgate.SignInLink{}, errors.New("id or email missing")
	}
	return l, nil
}

// PutSession puts a session, if none with its ID exists, and its entry in its
// user's partition in one TransactWriteItems, so that "sign out everywhere" finds
// every session. The entry's TTL is the latest the session's can be.
func (s *Store) PutSession(ctx context.Context, ses leadgate.Session) error {
	const op = "put session"
	item, err := marshalItem(ses, prefixSession+ses.ID, skSession, typeConsoleSession)
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("marshal: %w", err))
	}
	item[AttrExpiresAt] = epochSeconds(ses.PurgeAt())
	ref := sessionRefKey(ses.Email, ses.ID)
	ref[attrItemType] = str(typeSessionRef)
	ref[AttrExpiresAt] = epochSeconds(ses.AbsoluteExpiresAt.Add(leadgate.SessionRetention))
	return s.transact(ctx, op, op,
		func() ([]types.TransactWriteItem, error) {
			return []types.TransactWriteItem{s.putOf(item, &itemAbsent, nil), s.putOf(ref, nil, nil)}, nil
		},
		func(tx cancellation) (verdict, error) {
			if tx.failed(0) {
				return answered, leadgate.ErrSessionExists
			}
			return unhandled, nil
		})
}

// Session returns the session with that ID, as stored.
func (s *Store) Session(ctx context.Context, id string) (leadgate.Session, error) {
	var ses leadgate.Session
	err := s.get(ctx, "get session", sessionKey(id), leadgate.ErrSessionUnknown, &ses)
	return ses, err
}

// TouchSession checks the session and moves its idle expiry in one conditional
// UpdateItem. Its TTL moves to the latest the touched session can need; the session's
// absolute expiry may make that later than its PurgeAt, which only keeps it longer.
func (s *Store) TouchSession(ctx context.Context, id string, now time.Time) (leadgate.Session, error) {
	const op = "touch session"
	touched := leadgate.Session{}.Touched(now)
	w := s.updateOf(sessionKey(id), touchSession, values{
		":now": str(keyTime(now)), ":idle": str(keyTime(touched.IdleExpiresAt)), ":true": boolTrue,
		":ttl": epochSeconds(touched.IdleExpiresAt.Add(leadgate.SessionRetention)),
	})
	item, refused, err := s.write(ctx, op, w, types.ReturnValueAllNew)
	switch {
	case err != nil:
		return leadgate.Session{}, err
	case refused && len(item) == 0:
		return leadgate.Session{}, leadgate.ErrSessionUnknown
	}
	var ses leadgate.Session
	if err := unmarshalItem(item, &ses); err != nil {
		return leadgate.Session{}, leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
	}
	if !refused {
		return ses, nil
	}
	if !now.Before(ses.PurgeAt()) {
		return leadgate.Session{}, leadgate.ErrSessionUnknown
	}
	if err := ses.Valid(now); err != nil {
		return leadgate.Session{}, err
	}
	return leadgate.Session{}, changedMeanwhile(op, errors.New("refused a valid session"))
}

// RevokeSession marks the session revoked in one conditional UpdateItem.
func (s *Store) RevokeSession(ctx context.Context, id string, now time.Time) error {
	const op = "revoke session"
	item, refused, err := s.write(ctx, op, s.revokeSessionOf(id, now), "")
	switch {
	case err != nil || !refused:
		return err
	case len(item) == 0:
		return leadgate.ErrSessionUnknown
	}
	var ses leadgate.Session
	if err := unmarshalItem(item, &ses); err != nil {
		return leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
	}
	switch {
	case !now.Before(ses.PurgeAt()):
		return leadgate.ErrSessionUnknown
	case ses.Revoked:
		return nil
	}
	return changedMeanwhile(op, errors.New("refused to revoke a session"))
}

func (s *Store) revokeSessionOf(id string, now time.Time) types.TransactWriteItem {
	return s.updateOf(sessionKey(id), revokeSession, values{
		":true": boolTrue, ":now": str(keyTime(now)),
		":purged": str(keyTime(now.Add(-leadgate.SessionRetention))),
		":ttl":    epochSeconds(now.Add(leadgate.SessionRetention)),
	})
}

// RevokeSessions queries the entries of the user's sessions and revokes each
// session, one UpdateItem each; a session revoked already, or gone, is passed over.
func (s *Store) RevokeSessions(ctx context.Context, email string, now time.Time) error {
	const op = "revoke sessions"
	in := s.queryOf("", sessionRefs, values{":pk": str(prefixConsoleUser + email), ":prefix": str(prefixSessionRef)})
	var ids []string
	err := s.queryPages(ctx, op, in, func(item map[string]types.AttributeValue) error {
		sk, ok := item[attrSK].(*types.AttributeValueMemberS)
		if !ok || len(sk.Value) <= len(prefixSessionRef) {
			return leadgate.Internal(op, errors.New("session entry without a session ID"))
		}
		ids = append(ids, sk.Value[len(prefixSessionRef):])
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, _, err := s.write(ctx, op, s.revokeSessionOf(id, now), ""); err != nil {
			return err
		}
	}
	return nil
}

// Positions of the items in a passkey's transactions.
const (
	txPasskey    = iota // the passkey, in its user's partition
	txPasskeyRef        // its credential ID entry
)

// PutPasskey puts the passkey and its credential ID entry in one TransactWriteItems,
// if neither exists.
func (s *Store) PutPasskey(ctx context.Context, p leadgate.Passkey) error {
	const op = "put passkey"
	item, err := marshalItem(p, prefixConsoleUser+p.Email, passkeySK(p.ID), typePasskey)
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("marshal: %w", err))
	}
	ttl := epochSeconds(p.PurgeAt())
	item[AttrExpiresAt] = ttl
	ref := passkeyRefKey(p.ID)
	ref[attrItemType] = str(typePasskeyRef)
	ref[attrEmail] = str(p.Email)
	ref[AttrExpiresAt] = ttl
	return s.transact(ctx, op, op,
		func() ([]types.TransactWriteItem, error) {
			return []types.TransactWriteItem{s.putOf(item, &itemAbsent, nil), s.putOf(ref, &itemAbsent, nil)}, nil
		},
		func(tx cancellation) (verdict, error) {
			if tx.failed(txPasskey) || tx.failed(txPasskeyRef) {
				return answered, leadgate.ErrPasskeyExists
			}
			return unhandled, nil
		})
}

// Passkeys queries the passkeys in the user's partition.
func (s *Store) Passkeys(ctx context.Context, email string) ([]leadgate.Passkey, error) {
	in := s.queryOf("", partitionPrefix, values{":pk": str(prefixConsoleUser + email), ":prefix": str(prefixPasskey)})
	keys, err := queryAll[leadgate.Passkey](ctx, s, "query passkeys", in)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(keys, func(a, b leadgate.Passkey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return keys, nil
}

// PasskeyByCredentialID reads the credential ID's entry, then the passkey it names.
func (s *Store) PasskeyByCredentialID(ctx context.Context, id string) (leadgate.Passkey, error) {
	const op = "get passkey"
	email, err := s.passkeyOwner(ctx, op, id)
	if err != nil {
		return leadgate.Passkey{}, err
	}
	var p leadgate.Passkey
	err = s.get(ctx, op, passkeyKey(email, id), leadgate.ErrPasskeyUnknown, &p)
	return p, err
}

// passkeyOwner returns the address of the passkey with that credential ID.
func (s *Store) passkeyOwner(ctx context.Context, op, id string) (string, error) {
	item, err := s.getItem(ctx, op+": credential entry", passkeyRefKey(id), leadgate.ErrPasskeyUnknown)
	if err != nil {
		return "", err
	}
	email, ok := item[attrEmail].(*types.AttributeValueMemberS)
	if !ok || email.Value == "" {
		return "", leadgate.Internal(op, errors.New("credential entry without an address"))
	}
	return email.Value, nil
}

// UpdatePasskeySignCount reads the credential ID's entry, then writes in one
// TransactWriteItems the passkey's counter and last use (if the counter grows) and
// both items' TTL. A refused counter changes nothing; the passkey's image comes back
// with the failure to say why.
func (s *Store) UpdatePasskeySignCount(ctx context.Context, id string, count uint32, now time.Time) error {
	const op = "update passkey sign count"
	email, err := s.passkeyOwner(ctx, op, id)
	if err != nil {
		return err
	}
	update := passkeySignCountGrows
	if count == 0 {
		update = passkeySignCountNone
	}
	ttl := epochSeconds(now.Add(leadgate.PasskeyRetention))
	return s.transact(ctx, op, op,
		func() ([]types.TransactWriteItem, error) {
			return []types.TransactWriteItem{
				s.updateOf(passkeyKey(email, id), update, values{
					":count": num(int64(count)), ":now": str(keyTime(now)), ":ttl": ttl,
					":purged": str(keyTime(now.Add(-leadgate.PasskeyRetention))),
				}),
				s.updateOf(passkeyRefKey(id), passkeyRefTTL, values{":ttl": ttl}),
			}, nil
		},
		func(tx cancellation) (verdict, error) {
			if tx.failed(txPasskeyRef) {
				return answered, leadgate.ErrPasskeyUnknown
			}
			if !tx.failed(txPasskey) {
				return unhandled, nil
			}
			item, err := s.refusedItem(ctx, op, tx.item(txPasskey), passkeyKey(email, id), leadgate.ErrPasskeyUnknown)
			if err != nil {
				return answered, err
			}
			var p leadgate.Passkey
			if err := unmarshalItem(item, &p); err != nil {
				return answered, leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
			}
			switch {
			case !now.Before(p.PurgeAt()):
				return answered, leadgate.ErrPasskeyUnknown
			case !p.SignCountAccepted(count):
				return answered, leadgate.ErrPasskeySignCount
			}
			return unhandled, nil
		})
}

// CountSignInRequest counts one request on the limit's rate counter in one
// conditional UpdateItem, as a capture counts (capture.go).
func (s *Store) CountSignInRequest(ctx context.Context, l leadgate.RateLimit, now time.Time) error {
	const op = "count sign-in request"
	if l.Limit <= 0 && l.Window > 0 {
		return leadgate.SignInRateLimited(l, now)
	}
	counters, err := countersFor([]leadgate.RateLimit{l}, now)
	if err != nil {
		return err
	}
	return s.writeOr(ctx, op, s.counterUpdate(counters[0]), leadgate.SignInRateLimited(l, now))
}
