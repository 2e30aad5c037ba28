package downloads

import (
	"context"
	"net/url"
	"time"

	"leadgate/shared/leadgate"
)

// TrialTokenTTL is how long a trial's signed token works: the signup app reads
// it as the lead arrives.
const TrialTokenTTL = time.Hour

// FileStore is what a bundle's file downloads need of the store.
type FileStore interface {
	UseGrantFile(ctx context.Context, id string, file int, t time.Time) (leadgate.Grant, error)
}

// target is where a usable grant's click goes, by its magnet's kind: the file's
// short-lived URL, the link, or the trial's signup URL with the address; "" for
// a bundle (a page lists its files) and a coupon (a page shows the code).
func (s *Service) target(ctx context.Context, g leadgate.Grant) (string, error) {
	switch g.DeliveryKind() {
	case leadgate.DeliveryFile:
		return s.objects.DownloadURL(ctx, g.ObjectKey, g.FileName, g.ContentType, URLTTL)
	case leadgate.DeliveryLink:
		return g.Target, nil
	case leadgate.DeliveryTrial:
		return s.trialURL(g)
	}
	return "", nil
}

// trialURL adds the lead's address, or its signed token, to the signup URL.
func (s *Service) trialURL(g leadgate.Grant) (string, error) {
	u, err := url.Parse(g.Target)
	if err != nil {
		return "", leadgate.Internal("trial url", err)
	}
	value := g.Email
	if g.TrialMode == leadgate.TrialSigned {
		if s.key == nil {
			return "", leadgate.Internal("trial url", errNoKey)
		}
		value = s.key.TrialToken(g.MagnetID, g.Email, s.now().Add(TrialTokenTTL))
	}
	param := g.TrialParam
	if param == "" {
		param = leadgate.TrialEmail
	}
	q := u.Query()
	q.Set(param, value)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// DownloadFile checks a bundle's grant behind token, counts a download of its
// file-th file, and returns that file's short-lived URL.
func (s *Service) DownloadFile(ctx context.Context, token string, file int) (string, leadgate.Grant, error) {
	if !wellFormed(token) {
		return "", leadgate.Grant{}, errUnknown
	}
	fs, ok := s.store.(FileStore)
	if !ok {
		return "", leadgate.Grant{}, leadgate.Internal("download file", errNoFiles)
	}
	g, err := fs.UseGrantFile(ctx, leadgate.GrantID(token), file, s.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return "", g, err
	}
	f := g.Files[file]
	url, err := s.objects.DownloadURL(ctx, f.ObjectKey, f.FileName, f.ContentType, URLTTL)
	return url, g, err
}

type errText string

func (e errText) Error() string { return string(e) }

const (
	errNoKey   = errText("the download service has no signing key for trial tokens")
	errNoFiles = errText("the store counts no bundle files")
)
