package leadgate

import (
	"context"
	"io"
	"time"
)

// ObjectStore keeps the lead magnets' files and mints short-lived links to them: S3
// with presigned GETs on AWS, a local folder with HMAC-signed links on the local run.
// Each implementation passes objecttest.RunConformanceTests.
type ObjectStore interface {
	// Put stores size bytes from body at key.
	Put(ctx context.Context, key string, body io.Reader, size int64, contentType string) error
	// DownloadURL returns a URL that serves the object at key for ttl and then stops
	// working: the response carries Content-Type contentType and
	// Content-Disposition: attachment with fileName. It does not check that the
	// object exists (minting a link costs no request).
	DownloadURL(ctx context.Context, key, fileName, contentType string, ttl time.Duration) (string, error)
	// UploadURL returns a URL that stores the body of a PUT at key for ttl, for a
	// client to upload a file without passing it through the API. The PUT must
	// carry Content-Type contentType; a link whose key, type, expiry or signature
	// does not match is refused (403).
	UploadURL(ctx context.Context, key, contentType string, ttl time.Duration) (string, error)
}

// UploadTTL is how long the admin API's upload links work: time to send a large
// file over a slow line, not long enough to be worth stealing.
const UploadTTL = 15 * time.Minute
