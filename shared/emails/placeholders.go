package emails

import (
	"strconv"
	"strings"
	"sync"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// A page's own email texts are not a template language: they take placeholders,
// {{.FirstName}} or {{ .FirstName }}, for the fields of Data and nothing else. A
// marketer's text cannot loop, call functions or reach anything but these values,
// and no template engine is linked into the functions that send.

// field is a value of Data that a placeholder names.
type field uint8

const (
	fieldFirstName field = iota
	fieldName
	fieldPageTitle
	fieldMagnetTitle
	fieldMagnetKind
	fieldDownloadURL
	fieldConfirmURL
	fieldUnsubscribeURL
	fieldFromName
	fieldLinkDays
	fieldCount
)

var fieldNames = [fieldCount]string{"FirstName", "Name", "PageTitle", "MagnetTitle", "MagnetKind",
	"DownloadURL", "ConfirmURL", "UnsubscribeURL", "FromName", "LinkDays"}

// isURL reports whether the field holds one of our links.
func (f field) isURL() bool {
	return f == fieldDownloadURL || f == fieldConfirmURL || f == fieldUnsubscribeURL
}

func (f field) value(d *Data) string {
	switch f {
	case fieldFirstName:
		return d.FirstName
	case fieldName:
		return d.Name
	case fieldPageTitle:
		return d.PageTitle
	case fieldMagnetTitle:
		return d.MagnetTitle
	case fieldMagnetKind:
		return d.MagnetKind
	case fieldDownloadURL:
		return d.DownloadURL
	case fieldConfirmURL:
		return d.ConfirmURL
	case fieldUnsubscribeURL:
		return d.UnsubscribeURL
	case fieldFromName:
		return d.FromName
	case fieldLinkDays:
		return strconv.Itoa(d.LinkDays)
	}
	return ""
}

// allowedPlaceholders lists the placeholders for error messages.
var allowedPlaceholders = func() string {
	var b strings.Builder
	for i, name := range fieldNames {
		switch {
		case i == len(fieldNames)-1:
			b.WriteString(" and ")
		case i > 0:
			b.WriteString(", ")
		}
		b.WriteString("{{." + name + "}}")
	}
	return b.String()
}()

// escape is what a placeholder's value goes through where it sits.
type escape uint8

const (
	asIs      escape = iota // subject and text: mail text has no markup
	asText                  // HTML text or a quoted attribute value
	asURL                   // the start of a URL, or one of our links: filtered and normalised (markup.URL)
	asURLPart               // a URL after its start: every reserved character percent-encoded (markup.URLPart)
)

type placeholder struct {
	field  field
	escape escape
}

// template is a page's text cut at its placeholders: lits[i] comes before
// holes[i], and lits has one element more than holes.
type template struct {
	lits  []string
	holes []placeholder
}

// parseText reads a subject or text part.
func parseText(src string) (*template, error) {
	return parse(src, false)
}

// parseHTML reads an HTML part, and places every placeholder in its HTML context.
func parseHTML(src string) (*template, error) {
	return parse(src, true)
}

func parse(src string, html bool) (*template, error) {
	t := &template{}
	var scan htmlScanner
	rest := src
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			break
		}
		lit := rest[:i]
		end := strings.Index(rest[i+2:], "}}")
		if end < 0 {
			return nil, refuse(src, len(src)-len(rest)+i, `"{{" has no "}}" to close it; the placeholders are %s`, allowedPlaceholders)
		}
		action := rest[i : i+2+end+2]
		f, ok := fieldOf(action)
		if !ok {
			return nil, refuse(src, len(src)-len(rest)+i, "%s is not a placeholder: email texts take only %s, with no conditions, loops or functions", action, allowedPlaceholders)
		}
		p := placeholder{field: f}
		if html {
			scan.advance(lit)
			var why string
			if p.escape, why = scan.hole(f); why != "" {
				return nil, refuse(src, len(src)-len(rest)+i, "%s is %s: in HTML, placeholders go in text or in quoted attribute values", action, why)
			}
		}
		t.lits = append(t.lits, lit)
		t.holes = append(t.holes, p)
		rest = rest[i+len(action):]
	}
	t.lits = append(t.lits, rest)
	if html {
		scan.advance(rest)
		if scan.lost {
			return nil, refuse(src, len(src), `a <script> element holds "<!--", after which browsers may read the rest of the email as script`)
		}
		if why := scan.unfinished(); why != "" {
			return nil, refuse(src, len(src), "the HTML ends %s: close it, so that the footer with the unsubscribe link shows", why)
		}
	}
	return t, nil
}

// fieldOf reads the field of an action "{{.Field}}", spaces allowed inside the braces.
func fieldOf(action string) (field, bool) {
	name := strings.Trim(action[2:len(action)-2], " \t")
	if !strings.HasPrefix(name, ".") {
		return 0, false
	}
	for f, n := range fieldNames {
		if name[1:] == n {
			return field(f), true
		}
	}
	return 0, false
}

// refuse is the error of a template that cannot be used, with the line of offset
// when the template has several.
func refuse(src string, offset int, format string, args ...any) error {
	err := leadgate.Errorf(leadgate.EINVALID, format, args...)
	if strings.Contains(src, "\n") {
		err.Message = "line " + strconv.Itoa(1+strings.Count(src[:offset], "\n")) + ": " + err.Message
	}
	return err
}

// text returns the template with the values of d as they are.
func (t *template) text(d *Data) string {
	var b strings.Builder
	for i, h := range t.holes {
		b.WriteString(t.lits[i])
		b.WriteString(h.field.value(d))
	}
	b.WriteString(t.lits[len(t.holes)])
	return b.String()
}

// writeHTML writes the template with every value escaped for its context. The
// literal parts are the page's own markup, trusted as a template's text is.
func (t *template) writeHTML(w *markup.Writer, d *Data) {
	for i, h := range t.holes {
		w.Raw(t.lits[i])
		v := h.field.value(d)
		switch h.escape {
		case asURL:
			w.URL(v)
		case asURLPart:
			w.URLPart(v)
		default:
			w.Text(v)
		}
	}
	w.Raw(t.lits[len(t.holes)])
}

// A page's texts are read once per process, not at every send: the scan costs
// about as much as the rest of rendering.
var (
	textCache = parsedCache{parse: parseText}
	htmlCache = parsedCache{parse: parseHTML}
)

func cachedText(src string) (*template, error) { return textCache.get(src) }

func cachedHTML(src string) (*template, error) { return htmlCache.get(src) }

// maxCachedBytes bounds a cache by the text it holds: past it, the cache starts
// again empty, which costs one scan per text and needs no bookkeeping.
const maxCachedBytes = 1 << 20

// parsedCache keeps the templates parse made of each text; refused texts are not
// kept, and are refused again at their next use.
type parsedCache struct {
	parse func(string) (*template, error)
	mu    sync.Mutex
	m     map[string]*template
	bytes int
}

func (c *parsedCache) get(src string) (*template, error) {
	c.mu.Lock()
	t, ok := c.m[src]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := c.parse(src)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.bytes+len(src) > maxCachedBytes {
		c.m, c.bytes = map[string]*template{}, 0
	}
	if _, ok := c.m[src]; !ok {
		c.m[src] = t
		c.bytes += len(src)
	}
	return t, nil
}
