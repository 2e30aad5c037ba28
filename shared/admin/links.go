package admin

import (
	"context"
	"net/url"
	"path"
	"strings"

	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// RevokeRequest names a download link to revoke: the link as emailed
// (…/v1/downloads/TOKEN) or its token.
type RevokeRequest struct {
	Link string `json:"link"`
}

// RevokeLink stops a download link for good, whoever holds it: link is the link as
// emailed (…/v1/downloads/TOKEN, any host, query or fragment ignored) or its bare
// token. It answers the link's grant as it is now, without its token: EINVALID
// naming link for something that is neither, ENOTFOUND for no such link. Revoking
// a revoked link again changes nothing.
func (s *Service) RevokeLink(ctx context.Context, link string) (GrantStatus, error) {
	token, ok := linkToken(link)
	if !ok {
		return GrantStatus{}, leadgate.Invalid(leadgate.FieldError{Field: "link", Code: "invalid",
			Message: "a download link (…" + leadgate.DownloadPath("TOKEN") + ") or its token"})
	}
	id := leadgate.GrantID(token)
	if err := s.store.RevokeGrant(ctx, id); err != nil {
		return GrantStatus{}, err
	}
	g, err := s.store.Grant(ctx, id)
	if err != nil {
		return GrantStatus{}, err
	}
	return grantStatus(g), nil
}

// linkToken returns the token of a download link or of a bare token.
func linkToken(link string) (string, bool) {
	token := strings.TrimSpace(link)
	if strings.Contains(token, "/") {
		u, err := url.Parse(token)
		if err != nil {
			return "", false
		}
		dir, last := path.Split(u.Path)
		// The route may sit under a base path (a custom domain's mapping).
		if !strings.HasSuffix(dir, leadgate.DownloadPath("")) {
			return "", false
		}
		token = last
	}
	return token, signing.WellFormedToken(token)
}
