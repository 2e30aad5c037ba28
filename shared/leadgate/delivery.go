package leadgate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// Delivery is how a magnet reaches the lead who earns it. Every kind is handed out
// through the grant's link (DownloadPath), so each is counted as a download.
type Delivery string

const (
	// DeliveryFile is one file from the bucket: the link answers with a short-lived
	// URL to it. The zero value means a file, so magnets stored before kinds existed
	// stay files.
	DeliveryFile Delivery = "file"
	// DeliveryBundle is several files behind one link, which opens a page that lists
	// them; each file's download is counted on its own.
	DeliveryBundle Delivery = "bundle"
	// DeliveryLink is a URL (a webinar, a registration) revealed only after the
	// capture, reached through the grant's link.
	DeliveryLink Delivery = "link"
	// DeliveryCoupon is one unique code from a pool, claimed at the capture.
	DeliveryCoupon Delivery = "coupon"
	// DeliveryTrial is a signup URL the link redirects to, carrying the lead's
	// address or a signed token of it.
	DeliveryTrial Delivery = "trial"
)

// Deliveries lists every kind, in the order forms offer them.
var Deliveries = []Delivery{DeliveryFile, DeliveryBundle, DeliveryLink, DeliveryCoupon, DeliveryTrial}

// Limits of a magnet's delivery settings.
const (
	// MinBundleFiles is how many files make a bundle worth giving; one with fewer
	// may be stored while its files are uploaded one by one (the console's
	// assembly), and the console says it is not ready.
	MinBundleFiles  = 2
	MaxBundleFiles  = 10
	MaxBundleLabel  = 120
	MaxCouponLength = 64
	// MaxCouponsPerUpload bounds one CSV upload of codes.
	MaxCouponsPerUpload = 50000
)

// MagnetFile is one file of a bundle, described as a file magnet's is.
type MagnetFile struct {
	ObjectKey   string `json:"object_key"`
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size,omitempty"`
	// Label is what the bundle's page calls the file; empty: its file name.
	Label string `json:"label,omitempty"`
}

// Name is what a bundle's page calls the file: its label, or its file name.
func (f MagnetFile) Name() string {
	if f.Label != "" {
		return f.Label
	}
	return f.FileName
}

// BundleFileKey is where the file of that name of bundle magnet id is kept:
// magnets/<id>/<digest of the name><ext>, so that each name has its own object
// (an upload of the same name replaces it) and no other magnet's key is the same.
func BundleFileKey(id, fileName string) string {
	sum := sha256.Sum256([]byte(fileName))
	ext := strings.ToLower(path.Ext(fileName))
	if !plainExtension(ext) {
		ext = ""
	}
	return MagnetKeyPrefix + id + "/" + hex.EncodeToString(sum[:8]) + ext
}

// BundleReady reports whether a bundle has the files it needs to be given.
func (m Magnet) BundleReady() bool { return len(m.Bundle) >= MinBundleFiles }

// Trial token modes: what the signup URL of a trial carries.
const (
	TrialEmail  = "email" // the address, as the query parameter TrialParam names
	TrialSigned = "token" // a signed token of the address (signing.Key.TrialToken)
)

// DeliveryKind returns the magnet's kind: a file when none is set.
func (m Magnet) DeliveryKind() Delivery {
	if m.Delivery == "" {
		return DeliveryFile
	}
	return m.Delivery
}

// HasFile reports whether the magnet's delivery needs its own file.
func (m Magnet) HasFile() bool { return m.DeliveryKind() == DeliveryFile }

// Param returns the query parameter of a trial's signup URL: TrialParam or the
// mode's name.
func (m Magnet) Param() string {
	if m.TrialParam != "" {
		return m.TrialParam
	}
	if m.TrialMode == TrialSigned {
		return TrialSigned
	}
	return TrialEmail
}

// validateDelivery lists what is wrong with the settings of the magnet's kind; a
// kind's settings are refused on another kind, so nothing is kept that does nothing.
func (m Magnet) validateDelivery() []FieldError {
	var errs []FieldError
	add := func(field, code, msg string) { errs = append(errs, FieldError{Field: field, Code: code, Message: msg}) }
	kind := m.DeliveryKind()
	switch kind {
	case DeliveryFile, DeliveryBundle, DeliveryLink, DeliveryCoupon, DeliveryTrial:
	default:
		add("delivery", "invalid", "delivery is file, bundle, link, coupon or trial")
		return errs
	}
	if kind != DeliveryFile && (m.ObjectKey != "" || m.FileName != "") {
		add("object_key", "invalid", "only a file magnet has a file of its own")
	}
	if kind == DeliveryBundle {
		if len(m.Bundle) > MaxBundleFiles {
			add("bundle", "invalid", "a bundle holds at most 10 files")
		}
		seen := map[string]bool{}
		for i, f := range m.Bundle {
			field := "bundle." + strconv.Itoa(i)
			if fe := CheckObjectKey(f.ObjectKey); fe != nil {
				add(field, fe.Code, fe.Message)
			} else if !strings.HasPrefix(f.ObjectKey, MagnetKeyPrefix) {
				add(field, "invalid", "magnet files live under "+MagnetKeyPrefix)
			}
			if seen[f.ObjectKey] {
				add(field, "duplicate", "a file is in the bundle twice")
			}
			seen[f.ObjectKey] = true
			if _, fe := Attachment(f.FileName); fe != nil {
				add(field, fe.Code, fe.Message)
			}
			if fe := checkContentType(f.ContentType); fe != nil {
				add(field, fe.Code, fe.Message)
			}
			if fe := CheckText(field, f.Label, MaxBundleLabel, false); fe != nil {
				add(field, fe.Code, "label: "+fe.Message)
			}
		}
	} else if len(m.Bundle) > 0 {
		add("bundle", "invalid", "only a bundle lists files")
	}
	if kind == DeliveryLink {
		if !validTarget(m.LinkURL) {
			add("link_url", "invalid", "an https URL on a public host (no credentials, no private address, an international name in its xn-- form)")
		}
	} else if m.LinkURL != "" {
		add("link_url", "invalid", "only a link magnet has a link")
	}
	if kind == DeliveryTrial {
		if !validTarget(m.TrialURL) {
			add("trial_url", "invalid", "an https URL on a public host (no credentials, no private address, an international name in its xn-- form)")
		}
		if m.TrialMode != "" && m.TrialMode != TrialEmail && m.TrialMode != TrialSigned {
			add("trial_mode", "invalid", "trial_mode is email or token")
		}
		if m.TrialParam != "" && !validFieldName(m.TrialParam) {
			add("trial_param", "invalid", "1 to 40 lower-case letters, digits and underscores")
		}
	} else if m.TrialURL != "" || m.TrialMode != "" || m.TrialParam != "" {
		add("trial_url", "invalid", "only a trial magnet has a signup URL")
	}
	if kind == DeliveryCoupon {
		if m.CouponAlertBelow < 0 || m.CouponAlertBelow > MaxCouponsPerUpload {
			add("coupon_alert_below", "invalid", "between 0 (no alert) and 50000")
		}
		if m.CouponAlertTo != "" {
			if _, fe := NormaliseEmail(m.CouponAlertTo); fe != nil {
				add("coupon_alert_to", "invalid", "an email address")
			}
		}
	} else if m.CouponAlertBelow != 0 || m.CouponAlertTo != "" {
		add("coupon_alert_below", "invalid", "only a coupon magnet has a pool")
	}
	return errs
}

// validTarget accepts where a link or trial magnet sends a lead: an https URL with a
// host and no credentials. http is refused: the trial's address would travel in the
// clear.
func validTarget(s string) bool {
	if s == "" || len(s) > 2000 || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && publicHost(u.Hostname())
}

// publicHost refuses a host a lead's browser would reach inside its own network or
// machine: an address that is not global unicast, or private, and localhost. A
// name is not resolved: where it leads is its owner's to say, and may change.
//
// The host is read as a browser reads it (the WHATWG URL standard), not as
// netip does: a host whose last label is a number is an IPv4 address in any of
// the forms browsers take (127.1, 2130706433, 0x7f.0.0.1, 0177.0.0.1), refused
// if it is no valid one. A host with other than ASCII characters is refused: a
// browser maps it onto ASCII (IDNA), which may be such an address (１２７.０.０.１);
// an international name is taken in its xn-- form.
func publicHost(host string) bool {
	host = strings.ToLower(host)
	if host == "" || strings.ContainsFunc(host, func(r rune) bool { return r > '~' }) {
		return false
	}
	if strings.Contains(host, ":") { // an IPv6 address, without its brackets
		ip, err := netip.ParseAddr(host)
		return err == nil && publicAddr(ip)
	}
	if endsInNumber(host) {
		ip, ok := parseIPv4(host)
		return ok && publicAddr(ip)
	}
	name := strings.TrimSuffix(host, ".")
	return name != "" && name != "localhost" && !strings.HasSuffix(name, ".localhost")
}

func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate()
}

// endsInNumber reports whether a browser reads host as an IPv4 address: its last
// label (a trailing dot aside) is decimal digits or an IPv4 number (WHATWG URL,
// "ends in a number").
func endsInNumber(host string) bool {
	labels := strings.Split(host, ".")
	if labels[len(labels)-1] == "" {
		if len(labels) == 1 {
			return false
		}
		labels = labels[:len(labels)-1]
	}
	last := labels[len(labels)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := ipv4Number(last)
	return ok
}

// parseIPv4 reads host as a browser's IPv4 parser does (WHATWG URL): one to four
// numbers, each decimal, octal (0 first) or hex (0x first), the last filling the
// bytes the others leave; false for none such.
func parseIPv4(host string) (netip.Addr, bool) {
	labels := strings.Split(host, ".")
	if labels[len(labels)-1] == "" && len(labels) > 1 {
		labels = labels[:len(labels)-1]
	}
	if len(labels) > 4 {
		return netip.Addr{}, false
	}
	var addr uint64
	for i, label := range labels {
		n, ok := ipv4Number(label)
		if !ok {
			return netip.Addr{}, false
		}
		if i < len(labels)-1 {
			if n > 255 {
				return netip.Addr{}, false
			}
			addr |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(5-len(labels))) {
			return netip.Addr{}, false
		}
		addr |= n
	}
	return netip.AddrFrom4([4]byte{byte(addr >> 24), byte(addr >> 16), byte(addr >> 8), byte(addr)}), true
}

// ipv4Number reads one label of an IPv4 address as a browser does: 0x first for
// hex, 0 first for octal, else decimal; "0x" alone is 0. A value beyond 32 bits
// is kept as 1<<32, too large for any place.
func ipv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	radix := uint64(10)
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		radix, s = 16, s[2:]
	case len(s) >= 2 && s[0] == '0':
		radix, s = 8, s[1:]
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		d := uint64(16) // not a digit
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case 'a' <= c && c <= 'f':
			d = uint64(c-'a') + 10
		case 'A' <= c && c <= 'F':
			d = uint64(c-'A') + 10
		}
		if d >= radix {
			return 0, false
		}
		n = min(n*radix+d, 1<<32)
	}
	return n, true
}

// ErrOfferEnded answers a capture on a coupon page whose pool is empty: the lead is
// not taken, since nothing could be given.
var ErrOfferEnded = &Error{Code: EGONE, Message: "this offer has ended: every code has been claimed"}

// CouponClaim is the code a holder got from a magnet's pool.
type CouponClaim struct {
	Code string    `json:"code"`
	At   time.Time `json:"at"`
	// Repeat: the holder had the code already; nothing was taken from the pool.
	Repeat bool `json:"repeat,omitempty"`
	// Left is how many codes the pool still holds after this claim.
	Left int `json:"left"`
}

// CouponStock counts a magnet's pool.
type CouponStock struct {
	Added   int `json:"added"`
	Claimed int `json:"claimed"`
}

// Left is how many codes are still free.
func (s CouponStock) Left() int { return s.Added - s.Claimed }

// DeliveryStore is the part of the store the magnet kinds other than a file need.
type DeliveryStore interface {
	// UseGrantFile counts one download of the file-th file (from 0) of a bundle's
	// grant in FileDownloads and sets LastDownloadAt, checked as UseGrant checks.
	// The grant's own Downloads, and the funnel's, count the opening of its link
	// (UseGrant), not each file. ENOTFOUND for a file the grant does not list
	// (ErrNoSuchFile), counting nothing.
	UseGrantFile(ctx context.Context, id string, file int, t time.Time) (Grant, error)
	// AddCoupons adds codes to a magnet's pool; a code it holds already (free or
	// claimed) is skipped. It returns how many were added.
	AddCoupons(ctx context.Context, magnetID string, codes []string) (int, error)
	// ClaimCoupon gives holder (a digest of an address, never the address) one
	// free code of the pool, atomically: two claims never get the same code. A
	// holder that claimed before gets its code again (Repeat). ErrOfferEnded when
	// no code is free.
	ClaimCoupon(ctx context.Context, magnetID, holder string, at time.Time) (CouponClaim, error)
	// CouponStock counts the pool; an empty one is zero counts.
	CouponStock(ctx context.Context, magnetID string) (CouponStock, error)
}

// ParseCoupons reads a CSV upload of codes: the first column of each line, blank
// lines and a header line "code" left out, each code 1 to 64 printable ASCII
// characters without spaces or commas. Duplicates within the upload are dropped.
// A byte order mark at the start of a line is left out: Excel writes one at the
// start of a CSV file it saves as UTF-8, and the console joins a file to the codes
// pasted before it.
func ParseCoupons(csv string) ([]string, error) {
	var codes []string
	seen := map[string]bool{}
	for i, line := range strings.Split(strings.ReplaceAll(csv, "\r\n", "\n"), "\n") {
		line = strings.TrimPrefix(line, byteOrderMark)
		code, _, _ := strings.Cut(line, ",")
		code = strings.Trim(strings.TrimSpace(code), `"`)
		if code == "" || (i == 0 && strings.EqualFold(code, "code")) {
			continue
		}
		if len(code) > MaxCouponLength || strings.ContainsFunc(code, func(r rune) bool { return r <= ' ' || r > '~' }) {
			return nil, Invalid(FieldError{Field: "codes", Code: "invalid",
				Message: "line " + strconv.Itoa(i+1) + ": a code is 1 to 64 printable characters without spaces"})
		}
		if !seen[code] {
			seen[code] = true
			codes = append(codes, code)
		}
	}
	if len(codes) == 0 {
		return nil, Invalid(FieldError{Field: "codes", Code: "required", Message: "the file holds no codes"})
	}
	if len(codes) > MaxCouponsPerUpload {
		return nil, Invalid(FieldError{Field: "codes", Code: "invalid", Message: "at most 50000 codes per upload"})
	}
	return codes, nil
}

// byteOrderMark is U+FEFF as UTF-8.
const byteOrderMark = "\ufeff"

// withDelivery copies what a click on the grant needs of the magnet's kind, so a
// click reads nothing else; a file grant stays as it always was.
func (g Grant) withDelivery(m Magnet) Grant {
	kind := m.DeliveryKind()
	if kind == DeliveryFile {
		return g
	}
	g.Delivery = kind
	switch kind {
	case DeliveryBundle:
		g.Files = append([]MagnetFile(nil), m.Bundle...)
		g.FileDownloads = make([]int, len(m.Bundle))
	case DeliveryLink:
		g.Target = m.LinkURL
	case DeliveryTrial:
		g.Target, g.TrialMode, g.TrialParam = m.TrialURL, m.TrialMode, m.Param()
	}
	return g
}

// DeliveryKind returns the grant's kind: a file when none is set.
func (g Grant) DeliveryKind() Delivery {
	if g.Delivery == "" {
		return DeliveryFile
	}
	return g.Delivery
}

// ErrNoSuchFile answers a click on a bundle file the grant does not list.
var ErrNoSuchFile = &Error{Code: ENOTFOUND, Message: "no such file in this bundle"}

// CouponClaimer is the part of the store a claim needs.
type CouponClaimer interface {
	ClaimCoupon(ctx context.Context, magnetID, holder string, at time.Time) (CouponClaim, error)
}

// ClaimCouponFor claims holder's code of coupon magnet m at at. The pool's
// low-stock alert is not sent here but by the pipeline (alerts.CouponAlerts), where
// the claims' changes arrive, so that capture needs no right to send email.
func ClaimCouponFor(ctx context.Context, store CouponClaimer, holder string, m Magnet, at time.Time) (CouponClaim, error) {
	return store.ClaimCoupon(ctx, m.ID, holder, at)
}

// CouponsLowKey is the send key of the alert that magnet's pool, of added codes
// in all, runs low: recorded under the alert's address, once per pool size.
func CouponsLowKey(magnetID string, added int) string {
	return "coupons-low#" + magnetID + "#" + strconv.Itoa(added)
}
