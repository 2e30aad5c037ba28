package leadgate

import (
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Grant lets one lead download one magnet through links that carry its token. The
// token is never stored: the grant is kept under GrantID(token), so a copy of the
// table gives no working link.
type Grant struct {
	ID           string `json:"id"`
	LeadID       string `json:"lead_id"`
	Email        string `json:"email,omitempty"` // the lead's key; removed on erasure
	Page         string `json:"page"`
	SubmissionID string `json:"submission_id"`
	MagnetID     string `json:"magnet_id"`
	// The magnet's file as it was when the grant was made, so a click needs no
	// other read.
	ObjectKey       string    `json:"object_key"`
	FileName        string    `json:"file_name"`
	ContentType     string    `json:"content_type"`
	CreatedAt       time.Time `json:"created_at"`
	ExpiresAt       time.Time `json:"expires_at"`
	Revoked         bool      `json:"revoked"`
	Erased          bool      `json:"erased"`
	Downloads       int       `json:"downloads"`
	FirstDownloadAt time.Time `json:"first_download_at,omitzero"`
	LastDownloadAt  time.Time `json:"last_download_at,omitzero"`
	// Source is the submission's source, so that its downloads count under it.
	Source Source `json:"source"`
	// Variant is the submission's arm, so that its downloads count under it.
	Variant string `json:"variant,omitempty"`
	// The magnet's delivery as it was when the grant was made (delivery.go):
	// a bundle's files and each one's downloads, a link's or a trial's target and
	// how a trial carries the address, a coupon's code.
	Delivery      Delivery     `json:"delivery,omitempty"`
	Files         []MagnetFile `json:"files,omitempty"`
	FileDownloads []int        `json:"file_downloads,omitempty"`
	Target        string       `json:"target,omitempty"`
	TrialMode     string       `json:"trial_mode,omitempty"`
	TrialParam    string       `json:"trial_param,omitempty"`
	Code          string       `json:"code,omitempty"`
}

// GrantID is the key a grant is stored under: a hash of its token.
func GrantID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Usable returns nil if a download may go ahead at t, or the EGONE error that says why
// not.
func (g Grant) Usable(t time.Time) error {
	switch {
	case g.Erased:
		return ErrGrantGone
	case g.Revoked:
		return ErrGrantRevoked
	case !t.Before(g.ExpiresAt):
		return ErrGrantExpired
	}
	return nil
}

// NewGrant returns the grant a submission earns for the page's magnet.
func NewGrant(token string, sub Submission, page Page, m Magnet) Grant {
	return Grant{
		ID: GrantID(token), LeadID: sub.LeadID, Email: sub.Email, Page: page.Slug,
		SubmissionID: sub.ID, MagnetID: m.ID, ObjectKey: m.ObjectKey, FileName: m.FileName,
		ContentType: m.ContentType, CreatedAt: sub.At, ExpiresAt: sub.At.Add(page.DownloadLinkTTL()),
		Source: SourceOf(sub.Attribution), Variant: sub.Variant,
	}.withDelivery(m)
}

// Download is one counted click on a grant's link: the Nth download of the grant, at
// a time. Counting it into the page's daily counters is idempotent on (grant, N).
type Download struct {
	GrantID string    `json:"grant_id"`
	N       int       `json:"n"`
	Page    string    `json:"page"`
	Email   string    `json:"email,omitempty"`
	At      time.Time `json:"at"`
	// Source is the grant's: where the lead who downloads came from.
	Source Source `json:"source"`
	// Variant is the grant's arm.
	Variant string `json:"variant,omitempty"`
}
