package downloads_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"leadgate/shared/downloads"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// grantStore is a downloads.Store of func fields; a nil field fails the test when
// called.
type grantStore struct {
	t        *testing.T
	page     func(slug string) (leadgate.Page, error)
	grant    func(id string) (leadgate.Grant, error)
	useGrant func(id string, at time.Time) (leadgate.Grant, error)
}

func (s *grantStore) Page(_ context.Context, slug string) (leadgate.Page, error) {
	if s.page == nil {
		s.t.Errorf("Page(%q) called", slug)
		return leadgate.Page{}, leadgate.ErrPageNotFound
	}
	return s.page(slug)
}

func (s *grantStore) Grant(_ context.Context, id string) (leadgate.Grant, error) {
	if s.grant == nil {
		s.t.Errorf("Grant(%q) called", id)
		return leadgate.Grant{}, leadgate.ErrGrantNotFound
	}
	return s.grant(id)
}

func (s *grantStore) UseGrant(_ context.Context, id string, at time.Time) (leadgate.Grant, error) {
	if s.useGrant == nil {
		s.t.Errorf("UseGrant(%q, %s) called", id, at)
		return leadgate.Grant{}, leadgate.ErrGrantNotFound
	}
	return s.useGrant(id, at)
}

// objectStore is a leadgate.ObjectStore whose DownloadURL is a func field; nil fails
// the test when called, as do uploads, which downloads never make.
type objectStore struct {
	t           *testing.T
	downloadURL func(key, fileName, contentType string, ttl time.Duration) (string, error)
}

func (o *objectStore) Put(_ context.Context, key string, _ io.Reader, _ int64, _ string) error {
	o.t.Errorf("Put(%q) called", key)
	return nil
}

func (o *objectStore) UploadURL(_ context.Context, key, _ string, _ int64, _ time.Duration) (string, error) {
	o.t.Errorf("UploadURL(%q) called", key)
	return "", nil
}

func (o *objectStore) Stat(_ context.Context, key string) (leadgate.ObjectInfo, error) {
	o.t.Errorf("Stat(%q) called", key)
	return leadgate.ObjectInfo{}, nil
}

func (o *objectStore) DownloadURL(_ context.Context, key, fileName, contentType string, ttl time.Duration) (string, error) {
	if o.downloadURL == nil {
		o.t.Errorf("DownloadURL(%q) called", key)
		return "", nil
	}
	return o.downloadURL(key, fileName, contentType, ttl)
}

// fileURL mints a URL that names what it was asked for.
func fileURL(key, fileName, contentType string, ttl time.Duration) (string, error) {
	return "https://objects.example/" + key + "?name=" + fileName + "&type=" + contentType + "&ttl=" + ttl.String(), nil
}

const token = "Zx3vQm8LrT2nWc5yKp7dHs4fJb9gNa6E" // 32 URL-safe characters

var (
	// now has nanoseconds: the store is handed milliseconds, in UTC.
	now   = time.Date(2026, 3, 2, 10, 15, 30, 123456789, time.FixedZone("CET", 3600))
	grant = leadgate.Grant{
		ID: leadgate.GrantID(token), LeadID: "lead-1", Email: "ada@example.com", Page: "playbook",
		SubmissionID: "sub-1", MagnetID: "playbook", ObjectKey: "magnets/playbook.pdf", FileName: "The Playbook.pdf",
		ContentType: "application/pdf", CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(24 * time.Hour),
	}
	wantURL = "https://objects.example/magnets/playbook.pdf?name=The Playbook.pdf&type=application/pdf&ttl=5m0s"
)

func clock() time.Time { return now }

// malformed are tokens no link carries: they are refused without a read.
var malformed = map[string]string{
	"empty":          "",
	"short":          "short",
	"too long":       token + "a",
	"markup":         "<script>alert(1)</script>aaaaaaa", // 32 characters
	"dot in a token": strings.Repeat("a", 31) + ".",
	"path":           "../../../../etc/passwd" + strings.Repeat("a", 10),
}

func TestDownload(t *testing.T) {
	for name, tok := range malformed {
		t.Run("malformed/"+name, func(t *testing.T) {
			svc := downloads.New(&grantStore{t: t}, &objectStore{t: t}, testKey, clock)
			url, g, err := svc.Download(context.Background(), tok)
			if leadgate.ErrorCode(err) != leadgate.ENOTFOUND || url != "" || g.ID != "" {
				t.Errorf("Download = %q, %+v, %v; want ENOTFOUND and nothing else", url, g, err)
			}
		})
	}

	t.Run("unknown token", func(t *testing.T) {
		store := &grantStore{t: t, useGrant: func(string, time.Time) (leadgate.Grant, error) {
			return leadgate.Grant{}, leadgate.ErrGrantNotFound
		}}
		url, _, err := downloads.New(store, &objectStore{t: t}, testKey, clock).Download(context.Background(), token)
		if leadgate.ErrorCode(err) != leadgate.ENOTFOUND || url != "" {
			t.Errorf("Download = %q, %v; want ENOTFOUND", url, err)
		}
	})

	for name, gone := range map[string]*leadgate.Error{
		"expired": leadgate.ErrGrantExpired, "revoked": leadgate.ErrGrantRevoked, "erased": leadgate.ErrGrantGone,
	} {
		t.Run("gone/"+name, func(t *testing.T) {
			store := &grantStore{t: t, useGrant: func(string, time.Time) (leadgate.Grant, error) { return grant, gone }}
			url, g, err := downloads.New(store, &objectStore{t: t}, testKey, clock).Download(context.Background(), token)
			if !errors.Is(err, gone) || url != "" {
				t.Errorf("Download = %q, %v; want %v and no URL", url, err, gone)
			}
			// The grant names the page whose form gives a new link.
			if g.Page != grant.Page {
				t.Errorf("grant page %q, want %q", g.Page, grant.Page)
			}
		})
	}

	t.Run("counted", func(t *testing.T) {
		var used []string
		store := &grantStore{t: t, useGrant: func(id string, at time.Time) (leadgate.Grant, error) {
			used = append(used, id+" at "+at.Format(time.RFC3339Nano))
			g := grant
			g.Downloads++
			return g, nil
		}}
		url, g, err := downloads.New(store, &objectStore{t: t, downloadURL: fileURL}, testKey, clock).Download(context.Background(), token)
		if err != nil {
			t.Fatal(err)
		}
		if url != wantURL {
			t.Errorf("URL %q, want %q", url, wantURL)
		}
		if g.Downloads != 1 {
			t.Errorf("grant %+v, want the one the store counted", g)
		}
		// The grant is looked up by the token's hash, never the token; the time is the
		// clock's in UTC, to the millisecond, as stores keep it.
		if want := []string{leadgate.GrantID(token) + " at 2026-03-02T09:15:30.123Z"}; !slices.Equal(used, want) {
			t.Errorf("UseGrant calls %q, want %q", used, want)
		}
	})

	t.Run("file URL fails", func(t *testing.T) {
		fail := errors.New("signing failed")
		store := &grantStore{t: t, useGrant: func(string, time.Time) (leadgate.Grant, error) { return grant, nil }}
		objects := &objectStore{t: t, downloadURL: func(string, string, string, time.Duration) (string, error) { return "", fail }}
		if _, _, err := downloads.New(store, objects, testKey, clock).Download(context.Background(), token); !errors.Is(err, fail) {
			t.Errorf("Download: %v, want %v", err, fail)
		}
	})
}

func TestCheck(t *testing.T) {
	for name, tok := range malformed {
		t.Run("malformed/"+name, func(t *testing.T) {
			if _, err := downloads.New(&grantStore{t: t}, &objectStore{t: t}, testKey, clock).Check(context.Background(), tok); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
				t.Errorf("Check: %v; want ENOTFOUND", err)
			}
		})
	}

	t.Run("unknown token", func(t *testing.T) {
		store := &grantStore{t: t, grant: func(string) (leadgate.Grant, error) { return leadgate.Grant{}, leadgate.ErrGrantNotFound }}
		if _, err := downloads.New(store, &objectStore{t: t}, testKey, clock).Check(context.Background(), token); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
			t.Errorf("Check: %v; want ENOTFOUND", err)
		}
	})

	expiredNow := grant
	expiredNow.ExpiresAt = now // a link dies at its expiry, not a moment later
	revoked, erased := grant, grant
	revoked.Revoked, erased.Erased = true, true
	for name, g := range map[string]leadgate.Grant{"expired": expiredNow, "revoked": revoked, "erased": erased} {
		t.Run("gone/"+name, func(t *testing.T) {
			store := &grantStore{t: t, grant: func(string) (leadgate.Grant, error) { return g, nil }}
			got, err := downloads.New(store, &objectStore{t: t}, testKey, clock).Check(context.Background(), token)
			if leadgate.ErrorCode(err) != leadgate.EGONE {
				t.Errorf("Check: %v; want EGONE", err)
			}
			if got.Page != grant.Page {
				t.Errorf("grant page %q, want %q", got.Page, grant.Page)
			}
		})
	}

	t.Run("usable, not counted", func(t *testing.T) {
		var looked []string
		// useGrant is nil: a check that counted would fail the test.
		store := &grantStore{t: t, grant: func(id string) (leadgate.Grant, error) {
			looked = append(looked, id)
			return grant, nil
		}}
		// objects has no downloadURL: the link's page hands out no file.
		g, err := downloads.New(store, &objectStore{t: t}, testKey, clock).Check(context.Background(), token)
		if err != nil {
			t.Fatal(err)
		}
		if g.Downloads != 0 {
			t.Errorf("Check: %d downloads; want none counted", g.Downloads)
		}
		if want := []string{leadgate.GrantID(token)}; !slices.Equal(looked, want) {
			t.Errorf("Grant calls %q, want %q", looked, want)
		}
	})
}

func TestPage(t *testing.T) {
	page := leadgate.Page{Slug: "playbook", Title: "The Playbook", FormURL: "https://example.com/playbook"}
	store := &grantStore{t: t, page: func(slug string) (leadgate.Page, error) {
		if slug != page.Slug {
			return leadgate.Page{}, leadgate.ErrPageNotFound
		}
		return page, nil
	}}
	svc := downloads.New(store, &objectStore{t: t}, testKey, clock)
	t.Run("known", func(t *testing.T) {
		got, err := svc.Page(context.Background(), "playbook")
		if err != nil || got.FormURL != page.FormURL {
			t.Errorf("Page = %+v, %v; want %+v", got, err, page)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		if _, err := svc.Page(context.Background(), "nothing"); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
			t.Errorf("Page: %v, want ENOTFOUND", err)
		}
	})
}

var testKey = func() *signing.Key {
	k, err := signing.NewKey([]byte("downloads-test-secret-of-32-bytes!!"))
	if err != nil {
		panic(err)
	}
	return k
}()

// A bot's fake success carries a decoy link: the store knows no grant, yet the link
// answers as a working one would, and its download is a file URL of the usual kind
// to a magnet key that holds nothing, never the page's file.
func TestDecoy(t *testing.T) {
	decoy := testKey.DecoyGrantToken()
	store := &grantStore{t: t,
		grant:    func(string) (leadgate.Grant, error) { return leadgate.Grant{}, leadgate.ErrGrantNotFound },
		useGrant: func(string, time.Time) (leadgate.Grant, error) { return leadgate.Grant{}, leadgate.ErrGrantNotFound },
	}
	var asked []string
	objects := &objectStore{t: t, downloadURL: func(key, name, contentType string, ttl time.Duration) (string, error) {
		asked = append(asked, key)
		return "https://files.example/" + key, nil
	}}
	svc := downloads.New(store, objects, testKey, clock)
	if _, err := svc.Check(context.Background(), decoy); err != nil {
		t.Fatalf("Check of a decoy: %v, want a working link", err)
	}
	url, g, err := svc.Download(context.Background(), decoy)
	if err != nil || url == "" || g.ID != "" {
		t.Fatalf("Download of a decoy = %q, %+v, %v; want a file URL and no grant", url, g, err)
	}
	if len(asked) != 1 || !strings.HasPrefix(asked[0], leadgate.MagnetKeyPrefix) || asked[0] == grant.ObjectKey {
		t.Fatalf("decoy file keys %q: want one magnet key that is no magnet's", asked)
	}
	// Another key's decoy is an unknown link.
	other, _ := signing.NewKey([]byte("another-secret-of-at-least-32-bytes"))
	if _, _, err := svc.Download(context.Background(), other.DecoyGrantToken()); leadgate.ErrorCode(err) != leadgate.ENOTFOUND {
		t.Fatalf("another key's decoy: %v, want ENOTFOUND", err)
	}
}
