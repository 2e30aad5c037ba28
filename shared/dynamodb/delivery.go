package dynamodb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// A coupon magnet's pool is the partition "COUPON#<magnet id>":
//   - "FREE#<random>#<code>": a free code. A claim queries the first free code
//     after a random point, so concurrent claims mostly pick different codes;
//   - "CODE#<code>": every code ever added, so an upload adds none twice;
//   - "CLAIM#<holder>": the code a holder (a digest of an address) claimed;
//   - "STOCK" and "STOCK#ADD1": how many codes were added, each by one of an
//     upload's workers; "STOCK#00" to "STOCK#15": how many were claimed.
//
// An upload is one TransactWriteItems per 25 codes: a conditional put of each
// code's mark, a put of its free item (4 WCU a code) and the count of the batch's
// codes on its worker's stock item (2 WCU). The count is written with the codes,
// so a failed batch or a process that dies leaves no count apart from its codes;
// each worker has its own item, so the batches in flight do not cancel each
// other. A claim is one TransactWriteItems of three items: the conditional put of
// the holder's claim, the conditional delete of a free code (only one claim gets
// it), the stock's count, 2 WCU each; and a GetItem of the claim, a one-item
// Query and a GetItem of the stock, 1 RCU each: 6 WCU a lead. Being one
// transaction, a claim cannot stop half way (a process that dies, an answer
// lost): a code is the holder's, counted and out of the pool, or still free.
// Every claim writes the stock, so claims in a rush conflict and try again.
const (
	prefixCoupon = "COUPON#"
	skFree       = "FREE#"
	skCode       = "CODE#"
	skClaim      = "CLAIM#"
	skStock      = "STOCK"
	typeCoupon   = "coupon"
	typeClaim    = "coupon_claim"
	typeStock    = "coupon_stock"
	attrCode     = "code"
	attrAdded    = "added"
	attrClaimed  = "claimed"

	// couponsPerTx: each code is two puts of a transaction's 100 items at most,
	// besides the batch's count.
	couponsPerTx = 25
	// addWorkers is how many batches of an upload are in flight at once.
	addWorkers = 2
	// claimAttempts bounds the tries of a claim that others take its code from.
	claimAttempts = 60
	// claimTxAttempts bounds the tries of one claim's transaction that other
	// claims conflict with on the stock item; generous, as a rush makes many.
	claimTxAttempts = 40
	// stockShards is how many items count the claims of a pool.
	stockShards = 16
)

var (
	addStock   = updating("ADD #added :n SET #item_type = :type", "")
	claimStock = updating("ADD #claimed :one SET #item_type = :type", "")
	freeExists = condition("attribute_exists(#pk)")
	firstFree  = keyQuery("#pk = :pk AND #sk BETWEEN :from AND :to", "")
)

// useGrantFile[i] counts a download of a bundle's i-th file under useGrant's
// condition and that the file's count exists.
var useGrantFile = func() []expr {
	out := make([]expr, leadgate.MaxBundleFiles)
	for i := range out {
		f := "#file_downloads[" + strconv.Itoa(i) + "]"
		out[i] = updating("SET "+f+" = "+f+" + :one, #last_download_at = :at",
			"attribute_exists(#pk) AND attribute_exists("+f+") AND NOT (#revoked = :true) AND NOT (#erased = :true) AND #link_expires_at > :at")
	}
	return out
}()

// UseGrantFile counts a download of a bundle's file in one UpdateItem, 1 WCU.
func (s *Store) UseGrantFile(ctx context.Context, id string, file int, t time.Time) (leadgate.Grant, error) {
	const op = "use grant file"
	if file < 0 || file >= len(useGrantFile) {
		return leadgate.Grant{}, leadgate.ErrNoSuchFile
	}
	w := s.updateOf(grantKey(id), useGrantFile[file], values{":one": one, ":at": str(keyTime(t)), ":true": boolTrue})
	item, refused, err := s.write(ctx, op, w, types.ReturnValueAllNew)
	switch {
	case err != nil:
		return leadgate.Grant{}, err
	case refused && len(item) == 0:
		return leadgate.Grant{}, leadgate.ErrGrantNotFound
	}
	g, err := unmarshalGrant(item)
	if err != nil {
		return leadgate.Grant{}, leadgate.Internal(op, fmt.Errorf("unmarshal grant: %w", err))
	}
	if !refused {
		return g, nil
	}
	if err := g.Usable(t); err != nil {
		return g, err
	}
	if file >= len(g.FileDownloads) {
		return g, leadgate.ErrNoSuchFile
	}
	return g, leadgate.ErrGrantGone
}

func couponPK(magnetID string) string { return prefixCoupon + magnetID }

func randomPoint() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// AddCoupons adds codes couponsPerTx at a time, each batch one transaction and
// addWorkers batches at once: the codes of a batch that exist already are dropped
// and the batch sent again.
func (s *Store) AddCoupons(ctx context.Context, magnetID string, codes []string) (int, error) {
	var uniq []string
	seen := map[string]bool{}
	for _, c := range codes {
		if !seen[c] {
			seen[c] = true
			uniq = append(uniq, c)
		}
	}
	var batches [][]string
	for len(uniq) > 0 {
		n := min(couponsPerTx, len(uniq))
		batches = append(batches, uniq[:n])
		uniq = uniq[n:]
	}
	var (
		mu    sync.Mutex
		added int
		errs  []error
		wg    sync.WaitGroup
		next  = make(chan []string)
	)
	for w := range min(addWorkers, len(batches)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range next {
				n, err := s.addCouponBatch(ctx, couponPK(magnetID), addedItem(w), batch)
				for attempt := 1; leadgate.ErrorCode(err) == leadgate.EUNAVAILABLE && attempt < maxAttempts; attempt++ {
					// A batch that was written after all is found whole in the
					// marks and adds nothing the second time, nor counts it.
					if pause(ctx, attempt) != nil {
						break
					}
					n, err = s.addCouponBatch(ctx, couponPK(magnetID), addedItem(w), batch)
				}
				mu.Lock()
				added += n
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, b := range batches {
		next <- b
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return added, errs[0]
	}
	return added, nil
}

// addedItem is the stock item that counts the codes worker w of an upload adds:
// "STOCK" for the first, which pools have counted their codes on from the start;
// the others' items are apart from the claims' shards too, so that an upload does
// not conflict with a rush.
func addedItem(w int) string {
	if w == 0 {
		return skStock
	}
	return skStock + "#ADD" + strconv.Itoa(w)
}

// addCouponBatch adds one batch of codes and counts them on the stock item sk, in
// one transaction: the pool's count never disagrees with its codes.
func (s *Store) addCouponBatch(ctx context.Context, pk, sk string, batch []string) (int, error) {
	const op = "add coupons"
	err := s.transact(ctx, op, op, func() ([]types.TransactWriteItem, error) {
		items := make([]types.TransactWriteItem, 0, 2*len(batch)+1)
		for _, c := range batch {
			mark := key(pk, skCode+c)
			mark[attrItemType] = str(typeCoupon)
			free := key(pk, skFree+randomPoint()+"#"+c)
			free[attrItemType], free[attrCode] = str(typeCoupon), str(c)
			items = append(items, s.putOf(mark, &itemAbsent, nil), s.putOf(free, nil, nil))
		}
		// Last, after the codes, whose positions the refusal reads.
		items = append(items, s.updateOf(key(pk, sk), addStock, values{":n": num(int64(len(batch))), ":type": str(typeStock)}))
		return items, nil
	}, func(tx cancellation) (verdict, error) {
		var keep []string
		for i, c := range batch {
			if !tx.failed(2 * i) {
				keep = append(keep, c)
			}
		}
		if len(keep) == len(batch) {
			return unhandled, nil
		}
		batch = keep
		if len(batch) == 0 {
			return answered, nil
		}
		return retryNow, nil
	})
	if err != nil {
		return 0, err
	}
	return len(batch), nil
}

// ClaimCoupon returns the holder's claim, or takes a free code for it in one
// TransactWriteItems: the put of the holder's claim (none may exist), the delete
// of the free code (it must still be there) and the stock's count. All or none of
// them happen, so no step can be lost between two others, and the claim's own
// condition makes a replay of a transaction that applied but whose answer was
// lost (a timeout, then a retry) a refusal that reads back the holder's claim:
// the code is neither lost, nor given twice, nor counted twice. (The SDK's own
// retries carry the same ClientRequestToken, which DynamoDB answers with the first
// answer; a token of ours, the same for every try, was not needed: the claim's
// condition guards a replay whatever its token.)
func (s *Store) ClaimCoupon(ctx context.Context, magnetID, holder string, at time.Time) (leadgate.CouponClaim, error) {
	const op = "claim coupon"
	pk := couponPK(magnetID)
	if c, err := s.claimOf(ctx, pk, holder); err != errNoItem {
		return c, err
	}
	for attempt := 1; attempt <= claimAttempts; attempt++ {
		free, err := s.freeCode(ctx, pk)
		if err != nil {
			return leadgate.CouponClaim{}, err
		}
		code := free[attrCode].(*types.AttributeValueMemberS).Value
		sk := free[attrSK].(*types.AttributeValueMemberS).Value
		switch res, err := s.claimCode(ctx, pk, sk, holder, code, at); res {
		case claimTaken:
			st, serr := s.CouponStock(ctx, magnetID)
			c := leadgate.CouponClaim{Code: code, At: at}
			if serr == nil {
				c.Left = st.Left()
			}
			// The code is the holder's even if the stock could not be read.
			return c, nil
		case claimHeld:
			// The holder claimed meanwhile: a parallel capture of its own, or this
			// very transaction whose answer was lost.
			c, err := s.claimOf(ctx, pk, holder)
			if err != errNoItem {
				return c, err
			}
			// Refused for a claim that is not there: try again.
		case claimGone:
			continue // another claim took the code first: look for another
		default:
			return leadgate.CouponClaim{}, err
		}
	}
	return leadgate.CouponClaim{}, leadgate.Unavailable(op, fmt.Errorf("every free code was taken by others %d times", claimAttempts))
}

// The outcomes of claimCode.
type claimResult int

const (
	claimFailed claimResult = iota // an error: the transaction may or may not have applied
	claimTaken                     // the code is the holder's now
	claimHeld                      // the holder has a claim already
	claimGone                      // the code is no longer free
)

// claimCode sends the transaction that gives the free code at sk to holder. Claims
// count on a few stock items, so transactions conflict under a rush: they are
// tried again after a random pause that grows.
func (s *Store) claimCode(ctx context.Context, pk, sk, holder, code string, at time.Time) (claimResult, error) {
	const op = "claim coupon"
	claim := key(pk, skClaim+holder)
	claim[attrItemType], claim[attrCode], claim[attrAt] = str(typeClaim), str(code), str(keyTime(at))
	in := &awsddb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			s.putOf(claim, &itemAbsent, nil),
			s.deleteOf(key(pk, sk), &freeExists, nil),
			s.updateOf(key(pk, stockShard(holder, code)), claimStock, values{":one": one, ":type": str(typeStock)}),
		},
		ReturnConsumedCapacity: s.capacityMode(),
	}
	var err error
	for attempt := 1; attempt <= claimTxAttempts; attempt++ {
		var out *awsddb.TransactWriteItemsOutput
		out, err = s.client.TransactWriteItems(ctx, in)
		if err == nil {
			s.report(op, out.ConsumedCapacity)
			return claimTaken, nil
		}
		var (
			canceled *types.TransactionCanceledException
			mismatch *types.IdempotentParameterMismatchException
		)
		switch {
		case errors.As(err, &canceled):
			c := cancellation{reasons: canceled.CancellationReasons}
			switch {
			case c.failed(0):
				return claimHeld, nil
			case c.failed(1):
				return claimGone, nil
			case !retryable(c.reasons):
				return claimFailed, unexpected(op, err, c.reasons)
			}
		case errors.As(err, &mismatch):
			// The SDK's token (kept across its own retries) with other items:
			// cannot be; the claim read back says what happened.
			return claimHeld, nil
		default:
			err = errorFor(op, err)
			if leadgate.ErrorCode(err) != leadgate.EUNAVAILABLE || ctx.Err() != nil {
				return claimFailed, err
			}
		}
		if perr := pause(ctx, min(attempt, 6)); perr != nil {
			return claimFailed, leadgate.Unavailable(op, perr)
		}
	}
	// In doubt: the last try may have applied. Either way nothing is lost: the
	// holder's next claim finds its claim, or the code is still free.
	return claimFailed, leadgate.Unavailable(op, fmt.Errorf("still refused after %d attempts: %w", claimTxAttempts, err))
}

// claimOf reads a holder's claim and the stock; errNoItem when it has none.
func (s *Store) claimOf(ctx context.Context, pk, holder string) (leadgate.CouponClaim, error) {
	item, err := s.getItem(ctx, "read coupon claim", key(pk, skClaim+holder), errNoItem)
	if err != nil {
		return leadgate.CouponClaim{}, err
	}
	c := leadgate.CouponClaim{Repeat: true}
	if v, ok := item[attrCode].(*types.AttributeValueMemberS); ok {
		c.Code = v.Value
	}
	if v, ok := item[attrAt].(*types.AttributeValueMemberS); ok {
		c.At, _ = time.Parse(time.RFC3339Nano, v.Value)
	}
	st, err := s.CouponStock(ctx, pk[len(prefixCoupon):])
	if err != nil {
		return leadgate.CouponClaim{}, err
	}
	c.Left = st.Left()
	return c, nil
}

// freeCode returns a free code's item: the first after a random point, else the
// first of all; ErrOfferEnded when there is none.
func (s *Store) freeCode(ctx context.Context, pk string) (map[string]types.AttributeValue, error) {
	for _, from := range []string{skFree + randomPoint(), skFree} {
		in := s.queryOf("", firstFree, values{":pk": str(pk), ":from": str(from), ":to": str(skFree + "~")})
		in.Limit = aws.Int32(1)
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return nil, errorFor("find free coupon", err)
		}
		if len(out.Items) > 0 {
			return out.Items[0], nil
		}
	}
	return nil, leadgate.ErrOfferEnded
}

// stockShard is the stock item that counts holder's claim of code: claims count on
// stockShards items, so that a rush's transactions conflict less on them.
func stockShard(holder, code string) string {
	h := sha256.Sum256([]byte(holder + "\x00" + code))
	return fmt.Sprintf("%s#%02d", skStock, int(h[0])%stockShards)
}

// CouponStock reads the pool's counts, the stock and its shards, with one Query.
func (s *Store) CouponStock(ctx context.Context, magnetID string) (leadgate.CouponStock, error) {
	const op = "coupon stock"
	var st leadgate.CouponStock
	in := s.queryOf("", firstFree, values{":pk": str(couponPK(magnetID)), ":from": str(skStock), ":to": str(skStock + "#~")})
	err := s.queryPages(ctx, op, in, func(item map[string]types.AttributeValue) error {
		part := stockOf(item)
		st.Added += part.Added
		st.Claimed += part.Claimed
		return nil
	})
	if err != nil {
		return leadgate.CouponStock{}, err
	}
	return st, nil
}

func stockOf(item map[string]types.AttributeValue) leadgate.CouponStock {
	n := func(name string) int {
		if v, ok := item[name].(*types.AttributeValueMemberN); ok {
			i, _ := strconv.Atoi(v.Value)
			return i
		}
		return 0
	}
	return leadgate.CouponStock{Added: n(attrAdded), Claimed: n(attrClaimed)}
}
