package leadgate

import (
	"mime"
	"strings"
	"time"
	"unicode/utf8"
)

// maxKeyLength is S3's limit on a key, in bytes.
const maxKeyLength = 1024

// Rules every ObjectStore applies alike, so that a key or a file name that works on
// the local run works on AWS too.

// MaxDownloadTTL is the longest life SigV4 allows a presigned URL; the local bucket
// keeps the same limit.
const MaxDownloadTTL = 7 * 24 * time.Hour

// CheckObjectKey refuses keys that are not relative slash-separated paths: a leading
// "/", "..", "." or empty segments, backslashes and control characters. S3 would take
// most of them, but the local bucket maps keys to files.
func CheckObjectKey(key string) *FieldError {
	bad := func(msg string) *FieldError {
		return &FieldError{Field: "key", Code: "invalid", Message: msg}
	}
	switch {
	case key == "":
		return bad("an object key is required")
	case len(key) > maxKeyLength:
		return bad("an object key is at most 1024 bytes")
	case !utf8.ValidString(key):
		return bad("an object key must be UTF-8 text")
	case strings.HasPrefix(key, "/"), strings.Contains(key, ".."), strings.Contains(key, "\\"):
		return bad("an object key is a relative path without .. or backslashes")
	case hasControlChar(key):
		return bad("an object key must not contain control characters")
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." {
			return bad("an object key has no empty or . path segments")
		}
	}
	return nil
}

func hasControlChar(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) })
}

// checkContentType accepts a media type such as application/pdf, with parameters.
func checkContentType(contentType string) *FieldError {
	mediaType, _, err := mime.ParseMediaType(contentType)
	main, sub, ok := strings.Cut(mediaType, "/")
	if err != nil || !ok || main == "" || sub == "" || strings.Contains(sub, "/") || hasControlChar(contentType) {
		return &FieldError{Field: "content_type", Code: "invalid", Message: "a media type such as application/pdf"}
	}
	return nil
}

// CheckPut validates an ObjectStore.Put request.
func CheckPut(key string, size int64, contentType string) error {
	var errs []FieldError
	if fe := CheckObjectKey(key); fe != nil {
		errs = append(errs, *fe)
	}
	if size < 0 {
		errs = append(errs, FieldError{Field: "size", Code: "invalid", Message: "the size must not be negative"})
	}
	if fe := checkContentType(contentType); fe != nil {
		errs = append(errs, *fe)
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

// CheckDownload validates a DownloadURL request and returns its Content-Disposition.
func CheckDownload(key, fileName, contentType string, ttl time.Duration) (string, error) {
	var errs []FieldError
	if fe := CheckObjectKey(key); fe != nil {
		errs = append(errs, *fe)
	}
	disposition, fe := Attachment(fileName)
	if fe != nil {
		errs = append(errs, *fe)
	}
	if fe := checkContentType(contentType); fe != nil {
		errs = append(errs, *fe)
	}
	if ttl < time.Second || ttl > MaxDownloadTTL {
		errs = append(errs, FieldError{Field: "ttl", Code: "invalid", Message: "a link lives from one second to seven days"})
	}
	if len(errs) > 0 {
		return "", Invalid(errs...)
	}
	return disposition, nil
}

// CheckUpload validates an UploadURL request. The size is at least one byte: S3
// signs no Content-Length of 0, so an empty upload could not be held to its size.
func CheckUpload(key, contentType string, size int64, ttl time.Duration) error {
	var errs []FieldError
	if fe := CheckObjectKey(key); fe != nil {
		errs = append(errs, *fe)
	}
	if size < 1 {
		errs = append(errs, FieldError{Field: "size", Code: "invalid", Message: "an upload is at least one byte"})
	}
	if fe := checkContentType(contentType); fe != nil {
		errs = append(errs, *fe)
	}
	if ttl < time.Second || ttl > MaxDownloadTTL {
		errs = append(errs, FieldError{Field: "ttl", Code: "invalid", Message: "a link lives from one second to seven days"})
	}
	if len(errs) > 0 {
		return Invalid(errs...)
	}
	return nil
}

// CheckContentType returns the field error of a content type that is not a media
// type such as application/pdf, or nil.
func CheckContentType(contentType string) *FieldError { return checkContentType(contentType) }

// Attachment returns the Content-Disposition that saves a download as fileName:
// an ASCII fallback for old clients and the exact name in RFC 5987 encoding
// (RFC 6266 section 4.3). Names that could break out of the header or name a path
// are refused rather than cleaned, so the file is saved under the name the
// marketer gave or not at all.
func Attachment(fileName string) (string, *FieldError) {
	if fileName == "" || len(fileName) > 255 || !utf8.ValidString(fileName) ||
		strings.ContainsAny(fileName, "\"/\\") || hasControlChar(fileName) {
		return "", &FieldError{Field: "file_name", Code: "invalid", Message: "a plain file name without quotes, slashes or control characters"}
	}
	var fallback, encoded strings.Builder
	for _, r := range fileName {
		// "%" is left out of the fallback: some clients percent-decode filename="".
		if r < 0x7f && r != '%' {
			fallback.WriteRune(r)
		} else {
			fallback.WriteByte('_')
		}
	}
	for _, b := range []byte(fileName) {
		if isAttrChar(b) {
			encoded.WriteByte(b)
		} else {
			encoded.WriteByte('%')
			encoded.WriteByte(upperHex[b>>4])
			encoded.WriteByte(upperHex[b&0xf])
		}
	}
	return `attachment; filename="` + fallback.String() + `"; filename*=UTF-8''` + encoded.String(), nil
}

const upperHex = "0123456789ABCDEF"

// isAttrChar reports whether b may stand unencoded in an RFC 5987 ext-value.
func isAttrChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
