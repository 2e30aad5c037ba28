package bolt

import (
	"context"
	"encoding/binary"
	"time"

	bbolt "go.etcd.io/bbolt"

	"leadgate/shared/leadgate"
)

// bucketCoupons holds each coupon magnet's pool under keys that start with
// "<magnet id>\x00": "free\x00<code>" for a free code, "code\x00<code>" for every
// code ever added (free or claimed), "claim\x00<holder>" → the holder's claim, and
// "stock" → added and claimed, two big-endian uint64s. One write transaction makes
// a claim, so two claims never take the same code.
var bucketCoupons = []byte("coupons")

func init() { allBuckets = append(allBuckets, bucketCoupons) }

func couponKey(magnetID, part, name string) []byte {
	return []byte(magnetID + "\x00" + part + "\x00" + name)
}

func stockKey(magnetID string) []byte { return []byte(magnetID + "\x00stock") }

func readStock(b *bbolt.Bucket, magnetID string) leadgate.CouponStock {
	raw := b.Get(stockKey(magnetID))
	if len(raw) != 16 {
		return leadgate.CouponStock{}
	}
	return leadgate.CouponStock{Added: int(binary.BigEndian.Uint64(raw)), Claimed: int(binary.BigEndian.Uint64(raw[8:]))}
}

func writeStock(b *bbolt.Bucket, magnetID string, st leadgate.CouponStock) error {
	raw := make([]byte, 16)
	binary.BigEndian.PutUint64(raw, uint64(st.Added))
	binary.BigEndian.PutUint64(raw[8:], uint64(st.Claimed))
	return b.Put(stockKey(magnetID), raw)
}

// UseGrantFile counts one download of a bundle's file on its grant.
func (s *Store) UseGrantFile(_ context.Context, id string, file int, t time.Time) (leadgate.Grant, error) {
	var g leadgate.Grant
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketGrants)
		raw, err := grantFor(tx, id)
		if err != nil {
			return err
		}
		if raw == nil {
			return leadgate.ErrGrantNotFound
		}
		if err := decodeGrant([]byte(id), raw, &g); err != nil {
			return err
		}
		if err := g.Usable(t); err != nil {
			return err
		}
		if file < 0 || file >= len(g.FileDownloads) {
			return leadgate.ErrNoSuchFile
		}
		g.FileDownloads[file]++
		g.LastDownloadAt = t
		return putGrant(b, g)
	})
	if err != nil {
		return g, storeError("use grant file", err)
	}
	return g, nil
}

// AddCoupons adds the codes the pool does not hold yet, in one transaction.
func (s *Store) AddCoupons(_ context.Context, magnetID string, codes []string) (int, error) {
	added := 0
	err := s.update(func(tx *bbolt.Tx) error {
		added = 0
		b := tx.Bucket(bucketCoupons)
		st := readStock(b, magnetID)
		for _, c := range codes {
			if b.Get(couponKey(magnetID, "code", c)) != nil {
				continue
			}
			if err := b.Put(couponKey(magnetID, "code", c), []byte{1}); err != nil {
				return err
			}
			if err := b.Put(couponKey(magnetID, "free", c), []byte{1}); err != nil {
				return err
			}
			added++
		}
		st.Added += added
		return writeStock(b, magnetID, st)
	})
	return added, storeError("add coupons", err)
}

// ClaimCoupon gives the holder its code, or takes the first free one.
func (s *Store) ClaimCoupon(_ context.Context, magnetID, holder string, at time.Time) (leadgate.CouponClaim, error) {
	var claim leadgate.CouponClaim
	err := s.update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketCoupons)
		st := readStock(b, magnetID)
		if raw := b.Get(couponKey(magnetID, "claim", holder)); raw != nil {
			if err := decode(raw, &claim); err != nil {
				return err
			}
			claim.Repeat, claim.Left = true, st.Left()
			return nil
		}
		prefix := couponKey(magnetID, "free", "")
		k, _ := b.Cursor().Seek(prefix)
		if k == nil || len(k) < len(prefix) || string(k[:len(prefix)]) != string(prefix) {
			return leadgate.ErrOfferEnded
		}
		claim = leadgate.CouponClaim{Code: string(k[len(prefix):]), At: at}
		if err := b.Delete(k); err != nil {
			return err
		}
		if err := putJSON(b, couponKey(magnetID, "claim", holder), claim); err != nil {
			return err
		}
		st.Claimed++
		claim.Left = st.Left()
		return writeStock(b, magnetID, st)
	})
	if err != nil {
		return leadgate.CouponClaim{}, storeError("claim coupon", err)
	}
	return claim, nil
}

// CouponStock reads the pool's counts.
func (s *Store) CouponStock(_ context.Context, magnetID string) (leadgate.CouponStock, error) {
	var st leadgate.CouponStock
	err := s.db.View(func(tx *bbolt.Tx) error {
		st = readStock(tx.Bucket(bucketCoupons), magnetID)
		return nil
	})
	return st, storeError("coupon stock", err)
}
