package apigw

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// responseWriter records what a handler writes. It follows net/http's server where a
// handler could tell the difference: headers are fixed when the status is written,
// the status defaults to 200, Content-Type is sniffed when the handler set none, and
// HEAD, 204 and 304 responses carry no body.
type responseWriter struct {
	method string
	header http.Header
	sent   http.Header // header as it was when the status was written
	status int
	body   bytes.Buffer
}

func newResponseWriter(method string) *responseWriter {
	return &responseWriter{method: method, header: make(http.Header)}
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		// The same programming error net/http's server panics on.
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if w.status != 0 || code < 200 {
		// Informational responses cannot be passed through API Gateway; later calls
		// are superfluous, as with net/http.
		return
	}
	w.status = code
	w.sent = w.header.Clone()
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.method == http.MethodHead {
		return len(p), nil
	}
	return w.body.Write(p)
}

// Flush commits the status like net/http does. The body is buffered anyway; this
// only exists so that handlers which flush keep working.
func (w *responseWriter) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
}

func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified
}

// response turns what was recorded into the answer API Gateway expects.
func (w *responseWriter) response() events.APIGatewayV2HTTPResponse {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	body := w.body.Bytes()

	// Handlers may write to the map directly with any spelling; merge spellings of one
	// name in a fixed order so that the response is the same on every run.
	header := make(http.Header, len(w.sent))
	for _, name := range slices.Sorted(maps.Keys(w.sent)) {
		canonical := http.CanonicalHeaderKey(name)
		header[canonical] = append(header[canonical], w.sent[name]...)
	}
	if _, set := header["Content-Type"]; !set && len(body) > 0 {
		header.Set("Content-Type", http.DetectContentType(body))
	}

	res := events.APIGatewayV2HTTPResponse{
		StatusCode: w.status,
		Headers:    make(map[string]string, len(header)),
	}
	for name, values := range header {
		switch {
		case len(values) == 0:
			// A nil Content-Type is how a handler turns sniffing off; nothing to send.
		case name == "Set-Cookie":
			// Cookies cannot be joined with commas (Expires contains one); payload 2.0
			// has a field that API Gateway turns into one Set-Cookie header each.
			res.Cookies = append(res.Cookies, values...)
		default:
			res.Headers[name] = strings.Join(values, ", ")
		}
	}

	if len(body) == 0 {
		return res
	}
	if isText(header.Get("Content-Type")) && utf8.Valid(body) {
		res.Body = string(body)
	} else {
		res.Body = base64.StdEncoding.EncodeToString(body)
		res.IsBase64Encoded = true
	}
	return res
}

// isText reports whether a body of this content type can travel as a JSON string.
// Anything else is base64-encoded so that API Gateway hands the bytes on unchanged.
func isText(contentType string) bool {
	mediaType, _, _ := strings.Cut(contentType, ";")
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	switch {
	case strings.HasPrefix(mediaType, "text/"),
		strings.HasSuffix(mediaType, "+json"),
		strings.HasSuffix(mediaType, "+xml"):
		return true
	}
	switch mediaType {
	case "application/json", "application/xml", "application/javascript",
		"application/x-www-form-urlencoded":
		return true
	}
	return false
}
