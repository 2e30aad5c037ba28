// Package localbucket is the object store of the local run: the lead magnets' files
// live in a folder, and download and upload links are signed with HMAC-SHA256 and
// served by the dev server's Handler, which checks them the way S3 checks presigned
// URLs (signature over method, key, expiry and headers; expiry; no way out of the
// folder). It passes the same conformance suite as the S3 store.
package localbucket

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/leadgate"
)

// Prefix is the path the Handler is mounted at, and links point to.
const Prefix = "/dev/bucket/"

// MinSecretLength is the shortest signing secret New accepts.
const MinSecretLength = 32

// Bucket is a leadgate.ObjectStore on a folder.
type Bucket struct {
	dir     string
	key     []byte
	baseURL string
	now     func() time.Time
}

var _ leadgate.ObjectStore = (*Bucket)(nil)

// New returns a bucket keeping its files under dir (created if missing). secret signs
// the links: the local run's own secret, at least 32 bytes, never one kept in the
// repository. baseURL is where the Handler is reachable, such as
// http://127.0.0.1:8080, or "" for links relative to the server that mounts it.
// now is the clock links expire by; nil means time.Now.
func New(dir string, secret []byte, baseURL string, now func() time.Time) (*Bucket, error) {
	if len(secret) < MinSecretLength {
		return nil, fmt.Errorf("localbucket: the signing secret must be at least %d bytes", MinSecretLength)
	}
	u, err := url.Parse(baseURL)
	if baseURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil) {
		return nil, fmt.Errorf("localbucket: base URL %q is not an http(s) URL without query", baseURL)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localbucket: folder %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("localbucket: create folder: %w", err)
	}
	if now == nil {
		now = time.Now
	}
	// A key of its own, so that a link's signature means nothing to the other users
	// of the same secret (form tokens, digests).
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("localbucket/v1"))
	return &Bucket{dir: abs, key: m.Sum(nil), baseURL: strings.TrimRight(baseURL, "/"), now: now}, nil
}

// Dir returns the folder the files are kept in.
func (b *Bucket) Dir() string { return b.dir }

// Put stores size bytes from body at key, atomically: a reader of the key sees the
// old file or the new one, never a part, and a failed Put leaves the old file.
func (b *Bucket) Put(ctx context.Context, key string, body io.Reader, size int64, contentType string) (err error) {
	if err := leadgate.CheckPut(key, size, contentType); err != nil {
		return err
	}
	op := "put object " + key
	root, err := os.OpenRoot(b.dir)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	defer root.Close()
	name := filepath.FromSlash(key)
	if dir := filepath.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o700); err != nil {
			return leadgate.Internal(op, err)
		}
	}
	var suffix [8]byte
	_, _ = rand.Read(suffix[:])
	// A dot-name next to the target, so the rename stays on one file system.
	tmp := filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+".tmp-"+hex.EncodeToString(suffix[:]))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return leadgate.Internal(op, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = root.Remove(tmp)
		}
	}()
	n, err := io.CopyN(f, ctxReader{ctx, body}, size)
	switch {
	case ctx.Err() != nil:
		return leadgate.Unavailable(op, ctx.Err())
	case errors.Is(err, io.EOF):
		return leadgate.Internal(op, fmt.Errorf("the body ended after %d of %d bytes", n, size))
	case err != nil:
		return leadgate.Internal(op, err)
	}
	if err = f.Sync(); err != nil {
		return leadgate.Internal(op, err)
	}
	if err = f.Close(); err != nil {
		return leadgate.Internal(op, err)
	}
	if err = root.Rename(tmp, name); err != nil {
		return leadgate.Internal(op, err)
	}
	return nil
}

// ctxReader stops a copy once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// DownloadURL returns a link to key that the Handler serves until ttl has passed on
// the bucket's clock, with contentType and an attachment Content-Disposition naming
// fileName. The link is signed for GET; the Handler answers HEAD on it too.
func (b *Bucket) DownloadURL(_ context.Context, key, fileName, contentType string, ttl time.Duration) (string, error) {
	disposition, err := leadgate.CheckDownload(key, fileName, contentType, ttl)
	if err != nil {
		return "", err
	}
	expires := strconv.FormatInt(b.now().Add(ttl).Unix(), 10)
	sig := b.sign(http.MethodGet, key, expires, disposition, contentType)
	return b.baseURL + Prefix + escapeKey(key) +
		"?expires=" + expires +
		"&disposition=" + url.QueryEscape(disposition) +
		"&type=" + url.QueryEscape(contentType) +
		"&signature=" + sig, nil
}

func escapeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

var b64 = base64.RawURLEncoding

// UploadURL returns a link that stores the body of a PUT at key until ttl has passed
// on the bucket's clock. The Handler takes a PUT on it whose Content-Type is
// contentType and whose Content-Length is size, as S3 does with a presigned PUT
// that signs both.
func (b *Bucket) UploadURL(_ context.Context, key, contentType string, size int64, ttl time.Duration) (string, error) {
	if err := leadgate.CheckUpload(key, contentType, size, ttl); err != nil {
		return "", err
	}
	expires := strconv.FormatInt(b.now().Add(ttl).Unix(), 10)
	length := strconv.FormatInt(size, 10)
	sig := b.sign(http.MethodPut, key, expires, contentType, length)
	return b.baseURL + Prefix + escapeKey(key) +
		"?expires=" + expires +
		"&type=" + url.QueryEscape(contentType) +
		"&size=" + length +
		"&signature=" + sig, nil
}

// Stat returns the size and modification time of the file at key.
func (b *Bucket) Stat(_ context.Context, key string) (leadgate.ObjectInfo, error) {
	if fe := leadgate.CheckObjectKey(key); fe != nil {
		return leadgate.ObjectInfo{}, leadgate.Invalid(*fe)
	}
	root, err := os.OpenRoot(b.dir)
	if err != nil {
		return leadgate.ObjectInfo{}, leadgate.Internal("stat object "+key, err)
	}
	defer root.Close()
	st, err := root.Stat(filepath.FromSlash(key))
	switch {
	case errors.Is(err, fs.ErrNotExist) || (err == nil && !st.Mode().IsRegular()):
		return leadgate.ObjectInfo{}, leadgate.ErrObjectNotFound
	case err != nil:
		// A path the root refuses (a symlink out of the folder) names no object.
		return leadgate.ObjectInfo{}, leadgate.ErrObjectNotFound.WithCause("stat object "+key, err)
	}
	return leadgate.ObjectInfo{Size: st.Size(), LastModified: st.ModTime().UTC().Truncate(time.Second)}, nil
}

// sign returns the link signature: an HMAC over the method, the key, the expiry and
// the headers (a GET's response headers, a PUT's Content-Type), each length-prefixed
// so that no field can borrow bytes from its neighbour.
func (b *Bucket) sign(method string, fields ...string) string {
	m := hmac.New(sha256.New, b.key)
	for _, field := range append([]string{method}, fields...) {
		m.Write(binary.AppendUvarint(nil, uint64(len(field))))
		m.Write([]byte(field))
	}
	return b64.EncodeToString(m.Sum(nil))
}
