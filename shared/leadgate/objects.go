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
}
