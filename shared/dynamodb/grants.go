package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/leadgate"
)

// A grant is a download link: the item ("GRANT#<id>", "GRANT") of a partition of
// its own, the ID a hash of the link's token, beside the marks of its counted
// downloads ("DOWNLOAD#<n>").

// grantKey is the key of the grant with that ID.
func grantKey(id string) map[string]types.AttributeValue {
	return key(prefixGrant+id, skGrant)
}

// PutGrant creates a grant, if none with its ID exists.
func (s *Store) PutGrant(ctx context.Context, g leadgate.Grant) error {
	const op = "put grant"
	w, err := s.newGrantPut(g)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	return s.writeOr(ctx, op, w, leadgate.ErrGrantExists)
}

// newGrantPut is the put of a new grant, on its own or in a capture's transaction.
func (s *Store) newGrantPut(g leadgate.Grant) (types.TransactWriteItem, error) {
	item, err := grantItem(g)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return s.putOf(item, &itemAbsent, nil), nil
}

// Grant returns the grant with that ID.
func (s *Store) Grant(ctx context.Context, id string) (leadgate.Grant, error) {
	const op = "get grant"
	item, err := s.getItem(ctx, op, grantKey(id), leadgate.ErrGrantNotFound)
	if err != nil {
		return leadgate.Grant{}, err
	}
	g, err := unmarshalGrant(item)
	if err != nil {
		return leadgate.Grant{}, leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
	}
	return g, nil
}

// The writes of a grant: a download counted on it, where its condition holds what
// leadgate.Grant.Usable checks (stored times are fixed width, so they compare as
// strings the way they do as times); its revocation.
var (
	useGrant = updating("ADD #downloads :one SET #first_download_at = if_not_exists(#first_download_at, :at), #last_download_at = :at",
		"attribute_exists(#pk) AND NOT (#revoked = :true) AND NOT (#erased = :true) AND #link_expires_at > :at")
	revokeGrant = updating("SET #revoked = :true", "attribute_exists(#pk)")
	// markerOf holds while the dedupe marker still names the given submission.
	markerOf = condition("#submission_sk = :sk")
)

// UseGrant checks the grant and counts one download in one UpdateItem: its condition
// holds what leadgate.Grant.Usable checks, so a refused download changes nothing, and
// the grant's old image comes back with the failure to say why.
func (s *Store) UseGrant(ctx context.Context, id string, t time.Time) (leadgate.Grant, error) {
	const op = "use grant"
	w := s.updateOf(grantKey(id), useGrant, values{":one": one, ":at": str(keyTime(t)), ":true": boolTrue})
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
	// The condition refused what Usable accepts: the stored expiry is not what the
	// domain value says (clock skew between writers, an edited item).
	return g, leadgate.ErrGrantGone
}

// RevokeGrant marks a grant revoked, if it exists, then deletes the dedupe marker of
// its submission if the marker still names it, so that the form sent again (what the
// revoked link's page says to do) is a new submission with a new link. Revocation is
// rare: a second write is worth it, and no capture pays for it.
func (s *Store) RevokeGrant(ctx context.Context, id string) error {
	const op = "revoke grant"
	attrs, refused, err := s.write(ctx, op, s.updateOf(grantKey(id), revokeGrant, values{":true": boolTrue}), types.ReturnValueAllNew)
	switch {
	case refused:
		return leadgate.ErrGrantNotFound
	case err != nil:
		return err
	}
	g, err := unmarshalGrant(attrs)
	if err != nil {
		return leadgate.Internal(op, fmt.Errorf("unmarshal: %w", err))
	}
	if g.Email == "" { // erased: no marker left
		return nil
	}
	marker := key(prefixLead+g.Email, prefixDedupe+g.Page)
	return s.writeOr(ctx, op+": forget its repeat", s.deleteOf(marker, &markerOf, values{":sk": str(submissionSK(g.CreatedAt, g.SubmissionID))}), nil)
}

// CountDownload counts a download as countOnce counts a lead, in plain writes at
// one write unit each (a transaction of them would double both): the (grant, n)
// mark put where absent, then the counter of the page's day and the download's
// source. A redelivered download is refused by the mark, and counts nothing. The
// lead's first download time is set by the download's rescoring, in the write of
// its score (ScoreDownload), rather than in a write of its own here.
func (s *Store) CountDownload(ctx context.Context, d leadgate.Download) error {
	op := "count download on page " + d.Page
	mark := markItem(prefixGrant+d.GrantID, prefixDownload+strconv.Itoa(d.N), typeDownloadMark, d.At.Add(downloadMarkRetention))
	mark[attrAt] = str(keyTime(d.At))
	return s.countOnce(ctx, op, mark, d.Page, leadgate.Day(d.At), d.Source, d.Variant, attrDownloads)
}

// grantItem returns a grant's item, with the TTL of a link (withLinkTTL).
func grantItem(g leadgate.Grant) (map[string]types.AttributeValue, error) {
	item, err := marshalItem(g, prefixGrant+g.ID, skGrant, typeGrant)
	if err != nil {
		return nil, fmt.Errorf("marshal grant: %w", err)
	}
	return withLinkTTL(item, g.ExpiresAt.Add(grantRetention)), nil
}

// unmarshalGrant decodes a grant's item, or its image in a stream record.
func unmarshalGrant(item map[string]types.AttributeValue) (leadgate.Grant, error) {
	item, err := withLinkExpiry(item)
	if err != nil {
		return leadgate.Grant{}, err
	}
	var g leadgate.Grant
	if err := unmarshalItem(item, &g); err != nil {
		return leadgate.Grant{}, err
	}
	if g.ID == "" || g.Page == "" {
		return leadgate.Grant{}, errors.New("id or page missing")
	}
	return g, nil
}
