package leadgate

import (
	"context"
	"io"
	"strconv"
	"strings"
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
	// carry Content-Type contentType and exactly size bytes (its Content-Length,
	// which a browser sets by itself); a link whose key, type, size, expiry or
	// signature does not match is refused (403).
	UploadURL(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (string, error)
	// Stat returns what the store knows of the object at key: ErrObjectNotFound
	// when there is none. It lets a service check an upload it did not see.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
}

// ObjectInfo is what Stat tells of a stored object.
type ObjectInfo struct {
	Size         int64
	LastModified time.Time // whole seconds, as S3 gives it
}

// MaxMagnetBytes is the largest magnet file: the console and the admin API mint
// upload links for no larger one (the link's signed size holds S3 to it), and the
// local bucket takes no larger upload.
const MaxMagnetBytes = 100 << 20

// UploadTTL is how long the admin API's upload links work: time to send a large
// file over a slow line, not long enough to be worth stealing.
const UploadTTL = 15 * time.Minute

// FormatBytes writes a file size for people: "812 bytes", "1.5 MiB", "100 MiB".
func FormatBytes(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	v, unit := float64(n)/1024, "KiB"
	for _, u := range []string{"MiB", "GiB"} {
		if v < 1024 {
			break
		}
		v, unit = v/1024, u
	}
	return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0") + " " + unit
}
