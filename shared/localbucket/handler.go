package localbucket

import (
	"crypto/hmac"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/leadgate"
)

// The query parameters of a download link and of an upload link, all signed.
var (
	linkParams   = []string{"expires", "disposition", "type", "signature"}
	uploadParams = []string{"expires", "type", "size", "signature"}
)

// MaxUploadBytes is the largest file an upload link takes: the domain's largest
// magnet file.
const MaxUploadBytes = leadgate.MaxMagnetBytes

// onlyParams reports whether q holds each of params once, and nothing else.
func onlyParams(q url.Values, params []string) bool {
	if len(q) != len(params) {
		return false
	}
	for _, p := range params {
		if len(q[p]) != 1 {
			return false
		}
	}
	return true
}

// validLink reports whether q carries the signature sig and has not expired.
func (b *Bucket) validLink(q url.Values, sig string) bool {
	got, err := b64.DecodeString(q.Get("signature"))
	if err != nil || !hmac.Equal(got, mustDecode(sig)) {
		return false
	}
	unix, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	return err == nil && !b.now().After(time.Unix(unix, 0))
}

// Handler serves the files behind DownloadURL's links and stores the PUTs of
// UploadURL's links, to be mounted at Prefix (the request path must still start
// with it). Like S3 it answers 403 for a link whose signature is missing or does not
// match its method, key, expiry and headers, or which has expired; 404 for a missing
// file; 405 for methods other than GET, HEAD and PUT; 413 for an upload over
// MaxUploadBytes.
// Files are opened through an os.Root, so no path or symlink leads out of the folder.
func (b *Bucket) Handler() http.Handler {
	return http.HandlerFunc(b.serve)
}

func (b *Bucket) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodPut {
		b.upload(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD, PUT")
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return
	}
	key, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok || leadgate.CheckObjectKey(key) != nil {
		// No link is ever signed for such a path.
		denied(w)
		return
	}
	q := r.URL.Query()
	expires, disposition, contentType := q.Get("expires"), q.Get("disposition"), q.Get("type")
	if !onlyParams(q, linkParams) || !b.validLink(q, b.sign(http.MethodGet, key, expires, disposition, contentType)) {
		denied(w)
		return
	}

	root, err := os.OpenRoot(b.dir)
	if err != nil {
		serverError(w, err)
		return
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(key))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			// The root refused the path: a symlink out of the folder, a loop, a file
			// where a folder should be. To the caller, no such object exists.
			slog.Warn("local bucket: path refused", "key", key, "err", err)
		}
		notFound(w)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		serverError(w, err)
		return
	}
	if !st.Mode().IsRegular() {
		notFound(w)
		return
	}
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", disposition)
	http.ServeContent(w, r, "", st.ModTime(), f)
}

func mustDecode(s string) []byte {
	b, _ := b64.DecodeString(s)
	return b
}

// writeError answers in S3's XML error shape, without details.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><Code>` + code + `</Code><Message>` + message + `</Message></Error>` + "\n"))
}

func denied(w http.ResponseWriter) {
	writeError(w, http.StatusForbidden, "AccessDenied", "Access Denied")
}

func notFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
}

func serverError(w http.ResponseWriter, err error) {
	slog.Error("local bucket: serving a file", "err", err)
	writeError(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
}

// upload stores the body of a PUT on an upload link, atomically (Put writes a
// temporary file and renames it): a reader sees the old file or the new one.
func (b *Bucket) upload(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.URL.Path, Prefix)
	q := r.URL.Query()
	contentType, size := q.Get("type"), q.Get("size")
	if r.ContentLength < 0 {
		writeError(w, http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
		return
	}
	if !ok || leadgate.CheckObjectKey(key) != nil || !onlyParams(q, uploadParams) ||
		!b.validLink(q, b.sign(http.MethodPut, key, q.Get("expires"), contentType, size)) ||
		r.Header.Get("Content-Type") != contentType || strconv.FormatInt(r.ContentLength, 10) != size {
		// Like S3, a PUT whose Content-Type or Content-Length is not the signed one
		// fails the signature check.
		denied(w)
		return
	}
	if r.ContentLength > MaxUploadBytes {
		writeError(w, http.StatusRequestEntityTooLarge, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size.")
		return
	}
	if err := b.Put(r.Context(), key, r.Body, r.ContentLength, contentType); err != nil {
		serverError(w, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}
