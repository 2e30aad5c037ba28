package s3url

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"leadgate/shared/leadgate"
)

// PutFunc stores size bytes from body at key: what a store that only mints URLs
// lacks (shared/s3.Store.Put has an S3 client).
type PutFunc func(ctx context.Context, key string, body io.Reader, size int64, contentType string) error

// Store is a leadgate.ObjectStore on one S3 bucket that mints URLs and checks
// uploads with presigned requests alone. A URL it mints lives at most as long as the
// credentials it signs with: a Lambda role's session lasts hours, which is why
// emails link to the download route and a URL is minted per click.
type Store struct {
	presigner *Presigner
	bucket    string
	put       PutFunc
}

var _ leadgate.ObjectStore = (*Store)(nil)

// New returns a store on bucket whose Put fails as an internal error: the function
// only mints URLs.
func New(presigner *Presigner, bucket string) *Store {
	return &Store{presigner: presigner, bucket: bucket}
}

// WithPut returns the store with put as its Put.
func (s *Store) WithPut(put PutFunc) *Store {
	c := *s
	c.put = put
	return &c
}

// Put stores size bytes from body at key, if the store was given a PutFunc.
func (s *Store) Put(ctx context.Context, key string, body io.Reader, size int64, contentType string) error {
	if err := leadgate.CheckPut(key, size, contentType); err != nil {
		return err
	}
	if s.put == nil {
		return leadgate.Internal("put object "+key+" in bucket "+s.bucket, errors.New("the store was built without an S3 client: it only mints URLs"))
	}
	return s.put(ctx, key, body, size, contentType)
}

// DownloadURL presigns a GET of key for ttl whose response carries contentType and an
// attachment Content-Disposition naming fileName. S3 answers a link to a missing
// object with 404 if the signer may list the bucket, and 403 otherwise.
func (s *Store) DownloadURL(ctx context.Context, key, fileName, contentType string, ttl time.Duration) (string, error) {
	disposition, err := leadgate.CheckDownload(key, fileName, contentType, ttl)
	if err != nil {
		return "", err
	}
	u, _, err := s.presigner.Presign(ctx, Request{Method: http.MethodGet, Bucket: s.bucket, Key: key, Expires: ttl,
		Query: url.Values{"response-content-disposition": {disposition}, "response-content-type": {contentType}}})
	if err != nil {
		return "", PresignError("presign get object "+key+" in bucket "+s.bucket, err)
	}
	return u, nil
}

// UploadURL presigns a PUT of key for ttl. Content-Type and Content-Length are
// signed headers: a PUT that sends another type or another number of bytes fails
// its signature check, so a browser can upload no more than the size asked for.
// The URL acts with the signer's permissions, so the signer needs s3:PutObject on
// key, and it dies with the signer's session, whatever ttl says.
func (s *Store) UploadURL(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (string, error) {
	if err := leadgate.CheckUpload(key, contentType, size, ttl); err != nil {
		return "", err
	}
	u, _, err := s.presigner.Presign(ctx, Request{Method: http.MethodPut, Bucket: s.bucket, Key: key, Expires: ttl,
		Header: http.Header{"Content-Type": {contentType}}, ContentLength: size})
	if err != nil {
		return "", PresignError("presign put object "+key+" in bucket "+s.bucket, err)
	}
	return u, nil
}

// Stat sends a presigned HEAD of key with plain net/http. The signer needs
// s3:GetObject on key; without s3:ListBucket on the bucket, S3 answers a missing
// object with 403, which Stat cannot tell from a refused one and reports as an
// internal error naming both.
func (s *Store) Stat(ctx context.Context, key string) (leadgate.ObjectInfo, error) {
	if fe := leadgate.CheckObjectKey(key); fe != nil {
		return leadgate.ObjectInfo{}, leadgate.Invalid(*fe)
	}
	op := "head object " + key + " in bucket " + s.bucket
	u, header, err := s.presigner.Presign(ctx, Request{Method: http.MethodHead, Bucket: s.bucket, Key: key, Expires: time.Minute})
	if err != nil {
		return leadgate.ObjectInfo{}, PresignError("presign "+op, err)
	}
	return Head(ctx, op, u, header)
}

// PresignError maps a failure to presign (the credentials could not be had) to a
// domain error: unavailable if the context ended, internal otherwise.
func PresignError(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return leadgate.Unavailable(op, err)
	}
	return leadgate.Internal(op, err)
}

// statClient sends Head's requests.
var statClient = &http.Client{Timeout: 10 * time.Second}

// Head sends the presigned HEAD of signedURL with its signed headers (op names it in
// errors) and returns the object's size and time of last change.
func Head(ctx context.Context, op, signedURL string, signedHeader http.Header) (leadgate.ObjectInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, signedURL, nil)
	if err != nil {
		return leadgate.ObjectInfo{}, leadgate.Internal(op, err)
	}
	for k, v := range signedHeader {
		if !strings.EqualFold(k, "host") {
			req.Header[k] = v
		}
	}
	res, err := statClient.Do(req)
	if err != nil {
		return leadgate.ObjectInfo{}, leadgate.Unavailable(op, err)
	}
	res.Body.Close()
	switch {
	case res.StatusCode == http.StatusNotFound:
		return leadgate.ObjectInfo{}, leadgate.ErrObjectNotFound
	case res.StatusCode == http.StatusForbidden:
		return leadgate.ObjectInfo{}, leadgate.Internal(op, errors.New("403: access denied, or no such object and no s3:ListBucket to say so"))
	case res.StatusCode == http.StatusServiceUnavailable || res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return leadgate.ObjectInfo{}, leadgate.Unavailable(op, fmt.Errorf("status %d", res.StatusCode))
	case res.StatusCode != http.StatusOK:
		return leadgate.ObjectInfo{}, leadgate.Internal(op, fmt.Errorf("status %d", res.StatusCode))
	}
	modified, err := http.ParseTime(res.Header.Get("Last-Modified"))
	if err != nil || res.ContentLength < 0 {
		return leadgate.ObjectInfo{}, leadgate.Internal(op, fmt.Errorf("no Content-Length or Last-Modified (%q)", res.Header.Get("Last-Modified")))
	}
	return leadgate.ObjectInfo{Size: res.ContentLength, LastModified: modified.UTC()}, nil
}
