package outbox

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"leadgate/shared/leadgate"
)

//go:embed templates/*.html
var templateFiles embed.FS

var templates = template.Must(template.New("").ParseFS(templateFiles, "templates/*.html"))

// pagePolicy is the Content-Security-Policy of the outbox's pages. No script runs:
// not on the page, and not in the message's HTML, whose srcdoc frame inherits the
// policy on top of its own sandbox. Styles and images in the message still show.
const pagePolicy = "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Handler serves the outbox, to be mounted at Prefix (the request path must still
// start with it):
//
//	GET Prefix           the messages, newest first
//	GET Prefix{id}       one message: its headers, text part and rendered HTML part
//	GET Prefix{id}.eml   the raw message (message/rfc822)
//
// It answers 404 for unknown ids and 405 for methods other than GET and HEAD.
func (o *Outbox) Handler() http.Handler {
	return http.HandlerFunc(o.serve)
}

func (o *Outbox) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	switch {
	case !ok:
		o.notFound(w)
	case rest == "":
		o.serveList(w, r)
	case strings.HasSuffix(rest, ".eml"):
		o.serveRaw(w, r, strings.TrimSuffix(rest, ".eml"))
	default:
		o.serveMail(w, r, rest)
	}
}

// listView is what list.html shows.
type listView struct {
	Prefix   string
	Messages []Summary
}

func (o *Outbox) serveList(w http.ResponseWriter, r *http.Request) {
	list, err := o.List(r.Context())
	if err != nil {
		serverError(w, err)
		return
	}
	render(w, http.StatusOK, "list.html", listView{Prefix: Prefix, Messages: list})
}

// mailView is what message.html shows.
type mailView struct {
	Prefix string
	Mail   Mail
	// SrcDoc is the HTML part as the frame shows it: links open in a new tab (the
	// sandbox lets them escape it), since a sandboxed frame may not navigate the
	// page. html/template escapes it for the attribute.
	SrcDoc string
}

func (o *Outbox) serveMail(w http.ResponseWriter, r *http.Request, id string) {
	m, ok := o.get(w, r, id)
	if !ok {
		return
	}
	v := mailView{Prefix: Prefix, Mail: m}
	if m.HTML != "" {
		v.SrcDoc = `<base target="_blank">` + m.HTML
	}
	render(w, http.StatusOK, "message.html", v)
}

func (o *Outbox) serveRaw(w http.ResponseWriter, r *http.Request, id string) {
	m, ok := o.get(w, r, id)
	if !ok {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "message/rfc822")
	h.Set("Content-Disposition", `attachment; filename="`+m.FileName+`"`)
	h.Set("Content-Length", strconv.Itoa(len(m.Raw)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(m.Raw)
	}
}

// get returns the message, or answers the request itself and reports false.
func (o *Outbox) get(w http.ResponseWriter, r *http.Request, id string) (Mail, bool) {
	m, err := o.Get(r.Context(), id)
	switch leadgate.ErrorCode(err) {
	case "":
		return m, true
	case leadgate.ENOTFOUND:
		o.notFound(w)
	default:
		serverError(w, err)
	}
	return Mail{}, false
}

func (o *Outbox) notFound(w http.ResponseWriter) {
	render(w, http.StatusNotFound, "notfound.html", listView{Prefix: Prefix})
}

func render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		serverError(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Content-Security-Policy", pagePolicy)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func serverError(w http.ResponseWriter, err error) {
	slog.Error("outbox: serving a page", "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}
