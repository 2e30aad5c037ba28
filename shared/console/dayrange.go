package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// A range of UTC days, as the funnel and the deliverability pages take it: from and
// to in the query, both included, the last 30 days by default, at most
// leadgate.MaxStatsDays long.

// maxRangeDays is the longest range, as the form says it.
var maxRangeDays = strconv.Itoa(leadgate.MaxStatsDays)

// rangePresets are the spans offered as links, each ending today.
var rangePresets = []int{7, 30, 90}

// rangeView is the range form of a page: the days shown, the presets, and the
// messages of a range that was refused, by field ("from", "to").
type rangeView struct {
	Action string
	// Pages, if not nil, is the page select's choices, Page the chosen one ("": all
	// pages).
	Pages    []leadgate.Page
	Page     string
	From, To string
	Errors   map[string]string
	Presets  []presetLink
}

type presetLink struct {
	Days    int
	URL     string
	Current bool
}

// readRange reads the range of the request's query into v: the days to show, or
// v.Errors when the range is refused (then From and To are the values as typed).
func readRange(r *http.Request, today time.Time, v *rangeView) {
	q := r.URL.Query()
	from, to, err := leadgate.ParseDayRange(q.Get("from"), q.Get("to"), today)
	if err != nil {
		v.From, v.To, v.Errors = q.Get("from"), q.Get("to"), fieldMessages(err)
	} else {
		v.From, v.To = from, to
	}
	end := today.UTC().Truncate(24 * time.Hour)
	for _, days := range rangePresets {
		p := presetLink{Days: days}
		pf, pt := leadgate.Day(end.AddDate(0, 0, 1-days)), leadgate.Day(end)
		p.URL = v.Action + "?" + rangeQuery(v.Page, pf, pt)
		p.Current = v.Errors == nil && pf == v.From && pt == v.To
		v.Presets = append(v.Presets, p)
	}
}

// rangeQuery is the query of a page's range.
func rangeQuery(page, from, to string) string {
	q := url.Values{}
	if page != "" {
		q.Set("page", page)
	}
	q.Set("from", from)
	q.Set("to", to)
	return q.Encode()
}

// fieldMessages returns the messages of an EINVALID error by field; another error
// gives one message under "".
func fieldMessages(err error) map[string]string {
	msgs := map[string]string{}
	var e *leadgate.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		for _, f := range e.Fields {
			if msgs[f.Field] == "" {
				msgs[f.Field] = f.Message
			}
		}
		return msgs
	}
	msgs[""] = leadgate.ErrorMessage(err)
	return msgs
}

// writeRangeForm writes the range form (GET, so the range is in the address and
// a view can be shared or bookmarked) with its presets.
func writeRangeForm(m *markup.Writer, v rangeView) {
	m.Raw("<form class=\"range card\" method=\"get\" action=\"")
	m.URL(v.Action)
	m.Raw("\" novalidate>\n")
	if v.Pages != nil {
		m.Raw("<div><label for=\"page\">Page</label>\n<select id=\"page\" name=\"page\">\n<option value=\"\"")
		if v.Page == "" {
			m.Raw(" selected")
		}
		m.Raw(">All pages</option>\n")
		for _, p := range v.Pages {
			m.Raw("<option value=\"")
			m.Attr(p.Slug)
			m.Raw("\"")
			if p.Slug == v.Page {
				m.Raw(" selected")
			}
			m.Raw(">")
			m.Text(p.Title)
			m.Raw(" (")
			m.Text(p.Slug)
			m.Raw(")</option>\n")
		}
		m.Raw("</select></div>\n")
	}
	writeDayField(m, "from", "From", v.From, v.Errors["from"])
	writeDayField(m, "to", "To", v.To, v.Errors["to"])
	m.Raw("<div><button type=\"submit\" class=\"primary\">Show</button></div>\n" +
		"<p class=\"muted hint\">UTC days, both included; at most " + maxRangeDays + " days at once.</p>\n" +
		"<p class=\"presets\">Last: ")
	for i, p := range v.Presets {
		if i > 0 {
			m.Raw(" · ")
		}
		m.Raw("<a href=\"")
		m.URL(p.URL)
		m.Raw("\"")
		if p.Current {
			m.Raw(" aria-current=\"true\"")
		}
		m.Raw(">")
		m.Int(p.Days)
		m.Raw(" days</a>")
	}
	m.Raw("</p>\n</form>\n")
}

// writeDayField writes one day input of the range form, with its error.
func writeDayField(m *markup.Writer, name, label, value, msg string) {
	m.Raw("<div><label for=\"" + name + "\">" + label + "</label>\n<input id=\"" + name + "\" name=\"" + name + "\" type=\"date\" value=\"")
	m.Attr(value)
	m.Raw("\"")
	if msg != "" {
		m.Raw(" aria-invalid=\"true\" aria-describedby=\"" + name + "-error\"")
	}
	m.Raw(">\n")
	if msg != "" {
		m.Raw("<p class=\"error\" id=\"" + name + "-error\">")
		m.Text(msg)
		m.Raw("</p>\n")
	}
	m.Raw("</div>\n")
}
