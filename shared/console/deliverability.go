package console

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// suppressedLister is what the deliverability page reads of the leads: the leads
// with a status that stops all email. Config.Leads gives it.
type suppressedLister interface {
	Leads(context.Context, leadgate.LeadQuery) (leadgate.LeadList, error)
}

var _ suppressedLister = leadgate.LeadLister(nil)

// suppressedStatuses are the statuses that stop every email to an address.
var suppressedStatuses = []leadgate.Status{leadgate.StatusBounced, leadgate.StatusComplained, leadgate.StatusUnsubscribed}

// suppressedLimit is how many suppressed addresses one page of the list shows.
const suppressedLimit = 50

// deliverabilityView is the deliverability page: sends per day over a range, and
// the suppressed addresses.
type deliverabilityView struct {
	Range              rangeView
	Shown              bool
	Days               []leadgate.MailDayCounts // every day of the range, oldest first
	Sent, Failed, Most int
	// Listed is false when no lead list is configured; then Suppressed is empty.
	Listed     bool
	Suppressed []leadgate.Lead
	// Next is the address of the list's next page, "" at its end.
	Next      string
	Examined  int
	ListError string
}

// deliverability shows the emails sent and failed per day, and the addresses no
// email goes to any more.
func (c *Console) deliverability(w http.ResponseWriter, r *http.Request, s signedIn) {
	ctx := r.Context()
	v := deliverabilityView{Range: rangeView{Action: DeliverabilityPath}}
	readRange(r, c.cfg.Now(), &v.Range)
	status := http.StatusOK
	if v.Range.Errors != nil {
		status = http.StatusUnprocessableEntity
	} else {
		rows, err := c.cfg.Store.MailStats(ctx, v.Range.From, v.Range.To)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		v.fillDays(rows)
		v.Shown = true
	}
	if c.cfg.Leads != nil {
		v.Listed = true
		list, err := c.cfg.Leads.Leads(ctx, leadgate.LeadQuery{Statuses: suppressedStatuses, Cursor: r.URL.Query().Get("cursor"), Limit: suppressedLimit})
		switch leadgate.ErrorCode(err) {
		case "":
			v.Suppressed, v.Examined = list.Leads, list.Examined
			if list.Next != "" {
				v.Next = DeliverabilityPath + "?" + rangeQuery("", v.Range.From, v.Range.To) + "&cursor=" + url.QueryEscape(list.Next)
			}
		case leadgate.EINVALID:
			v.ListError = "This link to a further page of the list is not one. Start again from its first page."
			status = http.StatusUnprocessableEntity
		default:
			c.fail(w, r, err)
			return
		}
	}
	l := s.layout(DeliverabilityPath)
	l.Tools = c.cfg.Tools
	var m markup.Writer
	writeDeliverability(&m, l, v)
	send(w, status, m.String())
}

// fillDays lays the stored days out over every day of the range, and sums them.
func (v *deliverabilityView) fillDays(rows []leadgate.MailDayCounts) {
	byDay := map[string]leadgate.MailDayCounts{}
	for _, r := range rows {
		byDay[r.Day] = r
	}
	start, _ := time.Parse(time.DateOnly, v.Range.From)
	end, _ := time.Parse(time.DateOnly, v.Range.To)
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		day := leadgate.Day(d)
		row := byDay[day]
		row.Day = day
		v.Days = append(v.Days, row)
		v.Sent += row.Sent
		v.Failed += row.Failed
		v.Most = max(v.Most, row.Sent+row.Failed)
	}
}

// suppressionReasons say why an address gets no email, by its lead's status.
var suppressionReasons = map[leadgate.Status]string{
	leadgate.StatusBounced:      "Bounced (the address does not take email)",
	leadgate.StatusComplained:   "Complained (marked an email as spam)",
	leadgate.StatusUnsubscribed: "Unsubscribed",
}

// writeDeliverability writes the deliverability page.
func writeDeliverability(m *markup.Writer, l layout, v deliverabilityView) {
	l.Title = "Deliverability"
	writeHead(m, l)
	m.Raw("<h1>Deliverability</h1>\n")
	writeRangeForm(m, v.Range)
	if v.Shown {
		writeMailDays(m, v)
	}
	writeSuppressed(m, v)
	writeFoot(m)
}

// writeMailDays writes the emails sent and failed on each day.
func writeMailDays(m *markup.Writer, v deliverabilityView) {
	m.Raw("<section class=\"part\" aria-labelledby=\"mail-h\">\n<h2 id=\"mail-h\">Emails, ")
	m.Text(v.Range.From)
	m.Raw(" to ")
	m.Text(v.Range.To)
	m.Raw("</h2>\n<ol class=\"steps\">\n<li>Sent<strong>")
	m.Int(v.Sent)
	m.Raw("</strong><span class=\"muted\">taken by the mail provider</span></li>\n<li>Failed<strong>")
	m.Int(v.Failed)
	m.Raw("</strong><span class=\"muted\">")
	m.Text(ratio(v.Failed, v.Sent+v.Failed, "of sends refused for good"))
	m.Raw("</span></li>\n</ol>\n<div class=\"table\">\n<table>\n" +
		"<caption>Emails of every page whose send ended on each UTC day: sent, or refused for good; the bar is the day's emails against the busiest day's (")
	m.Int(v.Most)
	m.Raw(").</caption>\n<thead><tr><th scope=\"col\">Day</th><th scope=\"col\" class=\"n\">Sent</th><th scope=\"col\" class=\"n\">Failed</th>" +
		"<th scope=\"col\"><span class=\"vh\">Bar</span></th></tr></thead>\n<tbody>\n")
	for _, d := range v.Days {
		m.Raw("<tr><th scope=\"row\">")
		m.Text(d.Day)
		m.Raw("</th><td class=\"n\">")
		m.Int(d.Sent)
		m.Raw("</td><td class=\"n\">")
		m.Int(d.Failed)
		m.Raw("</td><td class=\"chart\"><span class=\"" + barClass(d.Sent+d.Failed, v.Most) + "\" aria-hidden=\"true\"></span></td></tr>\n")
	}
	m.Raw("</tbody>\n</table>\n</div>\n</section>\n")
}

// writeSuppressed writes the addresses no email goes to, with why and when they
// were suppressed.
func writeSuppressed(m *markup.Writer, v deliverabilityView) {
	m.Raw("<section class=\"part\" aria-labelledby=\"suppressed-h\">\n<h2 id=\"suppressed-h\">Suppressed addresses</h2>\n")
	switch {
	case !v.Listed:
		m.Raw("<p class=\"muted\">The list of suppressed addresses is not available here.</p>\n</section>\n")
		return
	case v.ListError != "":
		m.Raw("<p class=\"error\">")
		m.Text(v.ListError)
		m.Raw(" <a href=\"" + DeliverabilityPath + "\">First page</a></p>\n</section>\n")
		return
	case len(v.Suppressed) == 0:
		m.Raw("<p class=\"muted\">No suppressed address")
		if v.Next != "" {
			m.Raw(" among the ")
			m.Int(v.Examined)
			m.Raw(" leads looked at so far")
		}
		m.Raw(".</p>\n")
	default:
		m.Raw("<div class=\"table\">\n<table>\n<caption>Addresses that get no email any more, newest lead first, " +
			"with when each bounced, complained or unsubscribed.</caption>\n" +
			"<thead><tr><th scope=\"col\">Address</th><th scope=\"col\">Reason</th><th scope=\"col\">Suppressed (UTC)</th></tr></thead>\n<tbody>\n")
		for _, l := range v.Suppressed {
			m.Raw("<tr><td>")
			m.Text(l.Email)
			m.Raw("</td><td>")
			m.Text(suppressionReasons[l.Status])
			m.Raw("</td><td>")
			if l.SuppressedAt.IsZero() {
				m.Raw("not recorded") // suppressed before leads kept the time
			} else {
				m.Text(l.SuppressedAt.UTC().Format("2006-01-02 15:04"))
			}
			m.Raw("</td></tr>\n")
		}
		m.Raw("</tbody>\n</table>\n</div>\n")
	}
	if v.Next != "" {
		m.Raw("<p><a href=\"")
		m.URL(v.Next)
		m.Raw("\">More</a></p>\n")
	}
	m.Raw("</section>\n")
}
