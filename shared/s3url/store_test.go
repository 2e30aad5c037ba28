package s3url_test

import (
	"context"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"leadgate/shared/leadgate"
	"leadgate/shared/s3url"
)

func newStore(t *testing.T) *s3url.Store {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	p, err := s3url.NewPresigner(aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")},
		s3url.PresignerOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return s3url.New(p, "leadgate-magnets")
}

// TestStoreOnlyMintsURLs: without a PutFunc, Put is an internal error (after the
// domain's checks), and the URLs are signed for what the store promises.
func TestStoreOnlyMintsURLs(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.Put(ctx, "magnets/guide.pdf", strings.NewReader("x"), 1, "application/pdf"); leadgate.ErrorCode(err) != leadgate.EINTERNAL {
		t.Errorf("Put: %v, want EINTERNAL", err)
	}
	if err := s.Put(ctx, "", strings.NewReader("x"), 1, "application/pdf"); leadgate.ErrorCode(err) != leadgate.EINVALID {
		t.Errorf("Put without key: %v, want EINVALID", err)
	}
	var put string
	withPut := s.WithPut(func(_ context.Context, key string, _ io.Reader, _ int64, _ string) error {
		put = key
		return nil
	})
	if err := withPut.Put(ctx, "magnets/guide.pdf", strings.NewReader("x"), 1, "application/pdf"); err != nil || put != "magnets/guide.pdf" {
		t.Errorf("Put with a PutFunc: %v, put %q", err, put)
	}
	if err := s.Put(ctx, "magnets/guide.pdf", strings.NewReader("x"), 1, "application/pdf"); leadgate.ErrorCode(err) != leadgate.EINTERNAL {
		t.Errorf("WithPut changed the store it was called on: %v", err)
	}

	get, err := s.DownloadURL(ctx, "magnets/guide.pdf", "guide.pdf", "application/pdf", 5*time.Minute)
	if err != nil || !strings.HasPrefix(get, "https://leadgate-magnets.s3.eu-west-1.amazonaws.com/magnets/guide.pdf?") {
		t.Fatalf("DownloadURL: %q, %v", get, err)
	}
	q := query(t, get)
	if q.Get("X-Amz-Expires") != "300" || q.Get("response-content-type") != "application/pdf" ||
		!strings.Contains(q.Get("response-content-disposition"), "attachment") || q.Get("X-Amz-SignedHeaders") != "host" {
		t.Errorf("DownloadURL query %v", q)
	}
	up, err := s.UploadURL(ctx, "magnets/guide.pdf", "application/pdf", 1234, 10*time.Minute)
	if err != nil {
		t.Fatalf("UploadURL: %v", err)
	}
	if q := query(t, up); q.Get("X-Amz-Expires") != "600" || q.Get("X-Amz-SignedHeaders") != "content-length;content-type;host" {
		t.Errorf("UploadURL query %v", q)
	}
	if _, err := s.Stat(ctx, "../x"); leadgate.ErrorCode(err) != leadgate.EINVALID {
		t.Errorf("Stat of a bad key: %v, want EINVALID", err)
	}
}

func query(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}
