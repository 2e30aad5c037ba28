package console

import (
	"strconv"

	"leadgate/shared/funnel"
	"leadgate/shared/markup"
)

// funnelStyle is the funnel's and the deliverability page's part of the
// stylesheet: the range form, the step list and the bars of the per-day tables.
// A bar's width is one of twenty classes (w0 to w20, 5% each): the pages carry no
// style attribute.
const funnelStyle = `
.range{display:flex;flex-wrap:wrap;gap:0 1.25rem;align-items:flex-end;margin:0 0 1.5rem}
.range label{margin-top:0}
.range select,.range input{font:inherit;padding:.5rem .6rem;border:1px solid #8a95a3;border-radius:8px;background:#fff;color:var(--ink)}
.range .primary{margin-top:0}
.range .hint,.range .presets{flex-basis:100%;margin:.75rem 0 0}
.presets a[aria-current=true]{font-weight:700;color:var(--ink)}
.part{margin:2rem 0}
.part h2{font-size:1.25rem;margin:0 0 .75rem}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.steps{list-style:none;margin:0;padding:0;display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:1rem}
.steps li{background:#fff;border:1px solid var(--line);border-radius:12px;padding:1rem}
.steps strong{display:block;font-size:1.6rem;font-variant-numeric:tabular-nums}
.saved{border-left:4px solid var(--brand)}
.meter{display:block;height:.9rem;background:var(--brand);border-radius:3px;min-width:2px}
.meter.w0{min-width:0;width:0}
td.chart{width:40%}
.spend input{width:100%;font:inherit;padding:.5rem .6rem;border:1px solid #8a95a3;border-radius:8px}
.spend .fields{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:0 1rem}
.meter.w1{width:5%}.meter.w2{width:10%}.meter.w3{width:15%}.meter.w4{width:20%}.meter.w5{width:25%}.meter.w6{width:30%}.meter.w7{width:35%}.meter.w8{width:40%}.meter.w9{width:45%}.meter.w10{width:50%}.meter.w11{width:55%}.meter.w12{width:60%}.meter.w13{width:65%}.meter.w14{width:70%}.meter.w15{width:75%}.meter.w16{width:80%}.meter.w17{width:85%}.meter.w18{width:90%}.meter.w19{width:95%}.meter.w20{width:100%}
`

// barClass is the class of a bar of n out of most: w0 for none, at least w1 for
// any.
func barClass(n, most int) string {
	if n <= 0 || most <= 0 {
		return "meter w0"
	}
	return "meter w" + strconv.Itoa(max(1, (n*20+most/2)/most))
}

// writeFunnel writes the funnel page.
func writeFunnel(m *markup.Writer, l layout, v funnelView) {
	l.Title = "Funnel"
	writeHead(m, l)
	m.Raw("<h1>Funnel: ")
	m.Text(v.Title)
	m.Raw("</h1>\n")
	writeRangeForm(m, v.Range)
	if !v.Shown {
		m.Raw("<p class=\"muted\">Choose a range of days above.</p>\n")
		writeFoot(m)
		return
	}
	if v.Saved != "" {
		m.Raw("<p class=\"card saved\" role=\"status\">Spend saved for the campaign <strong>")
		m.Text(v.Saved)
		m.Raw("</strong>.</p>\n")
	}
	writeFunnelSteps(m, v.Report)
	writeDayLeads(m, v.Report, v.MaxLeads)
	writeSources(m, v.Report)
	writeCampaigns(m, v)
	writeStages(m, v.Stages, v.AllPages)
	if v.Spend != nil {
		writeSpendForm(m, *v.Spend)
	}
	writeFoot(m)
}

// writeFunnelSteps writes the four steps with their rates: leads per view (the
// report's conversion rate), confirmations and downloads per lead.
func writeFunnelSteps(m *markup.Writer, rep funnel.Report) {
	t := rep.Totals
	m.Raw("<section class=\"part\" aria-labelledby=\"steps-h\">\n<h2 id=\"steps-h\">Steps, ")
	m.Text(rep.From)
	m.Raw(" to ")
	m.Text(rep.To)
	m.Raw("</h2>\n<ol class=\"steps\">\n")
	step := func(label string, n int, rate string) {
		m.Raw("<li>" + label + "<strong>")
		m.Int(n)
		m.Raw("</strong><span class=\"muted\">")
		m.Text(rate)
		m.Raw("</span></li>\n")
	}
	step("Views", t.Views, "opens of the hosted page")
	step("Leads", t.Leads, rateOf(t.ConversionRate, "of views", "no views"))
	step("Confirmed", t.Confirmations, ratio(t.Confirmations, t.Leads, "of leads"))
	step("Downloads", t.Downloads, ratio(t.Downloads, t.Leads, "of leads"))
	m.Raw("</ol>\n</section>\n")
}

// rateOf writes a rate the report gives, or none when it has none.
func rateOf(r *float64, of, none string) string {
	if r == nil {
		return none
	}
	if of == "" {
		return percent(*r)
	}
	return percent(*r) + " " + of
}

// ratio writes part per whole, or "no leads" when whole is zero.
func ratio(part, whole int, of string) string {
	if whole == 0 {
		return "no leads"
	}
	return percent(float64(part)/float64(whole)) + " " + of
}

// writeDayLeads writes the leads of each day, a table with a bar per day.
func writeDayLeads(m *markup.Writer, rep funnel.Report, most int) {
	m.Raw("<section class=\"part\" aria-labelledby=\"days-h\">\n<h2 id=\"days-h\">Leads per day</h2>\n<div class=\"table\">\n<table>\n" +
		"<caption>Leads and views of each UTC day; the bar is the day's leads against the busiest day's (")
	m.Int(most)
	m.Raw(").</caption>\n<thead><tr><th scope=\"col\">Day</th><th scope=\"col\" class=\"n\">Views</th><th scope=\"col\" class=\"n\">Leads</th>" +
		"<th scope=\"col\"><span class=\"vh\">Bar</span></th></tr></thead>\n<tbody>\n")
	for _, d := range rep.Days {
		m.Raw("<tr><th scope=\"row\">")
		m.Text(d.Day)
		m.Raw("</th><td class=\"n\">")
		m.Int(d.Views)
		m.Raw("</td><td class=\"n\">")
		m.Int(d.Leads)
		m.Raw("</td><td class=\"chart\"><span class=\"" + barClass(d.Leads, most) + "\" aria-hidden=\"true\"></span></td></tr>\n")
	}
	m.Raw("</tbody>\n</table>\n</div>\n</section>\n")
}

// writeSources writes the counts per source, medium and campaign; spends are per
// campaign, in the campaigns' table.
func writeSources(m *markup.Writer, rep funnel.Report) {
	m.Raw("<section class=\"part\" aria-labelledby=\"sources-h\">\n<h2 id=\"sources-h\">Sources</h2>\n")
	if len(rep.Sources) == 0 {
		m.Raw("<p class=\"muted\">No views or leads in these days.</p>\n</section>\n")
		return
	}
	m.Raw("<div class=\"table\">\n<table>\n<caption>Each utm_source, utm_medium and utm_campaign, most leads first; (direct): no tag.</caption>\n" +
		"<thead><tr><th scope=\"col\">Source</th><th scope=\"col\">Medium</th><th scope=\"col\">Campaign</th>" +
		"<th scope=\"col\" class=\"n\">Views</th><th scope=\"col\" class=\"n\">Leads</th><th scope=\"col\" class=\"n\">Conversion</th>" +
		"<th scope=\"col\" class=\"n\">Confirmed</th><th scope=\"col\" class=\"n\">Downloads</th></tr></thead>\n<tbody>\n")
	for _, s := range rep.Sources {
		m.Raw("<tr><td>")
		m.Text(s.Source.Source)
		m.Raw("</td><td>")
		m.Text(s.Medium)
		m.Raw("</td><td>")
		m.Text(s.Campaign)
		m.Raw("</td><td class=\"n\">")
		m.Int(s.Views)
		m.Raw("</td><td class=\"n\">")
		m.Int(s.Leads)
		m.Raw("</td><td class=\"n\">")
		m.Text(rateOf(s.ConversionRate, "", "no views"))
		m.Raw("</td><td class=\"n\">")
		m.Int(s.Confirmations)
		m.Raw("</td><td class=\"n\">")
		m.Int(s.Downloads)
		m.Raw("</td></tr>\n")
	}
	m.Raw("</tbody>\n</table>\n</div>\n</section>\n")
}

// writeCampaigns writes each campaign once with its leads, spend and cost per
// lead; on all pages, one row per page and campaign.
func writeCampaigns(m *markup.Writer, v funnelView) {
	m.Raw("<section class=\"part\" aria-labelledby=\"campaigns-h\">\n<h2 id=\"campaigns-h\">Campaigns and spend</h2>\n")
	if len(v.Campaigns) == 0 {
		m.Raw("<p class=\"muted\">No leads and no spend in these days.</p>\n</section>\n")
		return
	}
	m.Raw("<div class=\"table\">\n<table>\n<caption>Leads of each campaign in these days, what was spent on it in all, and the spend per lead.</caption>\n<thead><tr>")
	if v.AllPages {
		m.Raw("<th scope=\"col\">Page</th>")
	}
	m.Raw("<th scope=\"col\">Campaign</th><th scope=\"col\" class=\"n\">Leads</th><th scope=\"col\" class=\"n\">Spend</th>" +
		"<th scope=\"col\" class=\"n\">Cost per lead</th></tr></thead>\n<tbody>\n")
	for _, c := range v.Campaigns {
		m.Raw("<tr>")
		if v.AllPages {
			m.Raw("<td>")
			m.Text(c.Page)
			m.Raw("</td>")
		}
		m.Raw("<td>")
		m.Text(c.Campaign)
		m.Raw("</td><td class=\"n\">")
		m.Int(c.Leads)
		m.Raw("</td><td class=\"n\">")
		switch {
		case c.Spend == nil:
			m.Raw("<span class=\"muted\">none</span></td><td class=\"n\"><span class=\"muted\">—</span>")
		case c.CostPerLead == nil:
			m.Text(money(c.Spend.Amount, c.Spend.Currency))
			m.Raw("</td><td class=\"n\"><span class=\"muted\">no leads</span>")
		default:
			m.Text(money(c.Spend.Amount, c.Spend.Currency))
			m.Raw("</td><td class=\"n\">")
			m.Text(money(*c.CostPerLead, c.Spend.Currency))
		}
		m.Raw("</td></tr>\n")
	}
	m.Raw("</tbody>\n</table>\n</div>\n</section>\n")
}

func money(amount float64, currency string) string {
	return strconv.FormatFloat(amount, 'f', 2, 64) + " " + currency
}

// writeStages writes the leads by stage now (not limited to the range).
func writeStages(m *markup.Writer, sc funnel.StageCounts, allPages bool) {
	m.Raw("<section class=\"part\" aria-labelledby=\"stages-h\">\n<h2 id=\"stages-h\">Lead quality now</h2>\n")
	caption := "Leads with a submission on the page, of any day, by their stage now."
	if allPages {
		caption = "Leads with a submission on any page, each once, of any day, by their stage now."
	}
	m.Raw("<div class=\"table\">\n<table>\n<caption>" + caption + "</caption>\n" +
		"<thead><tr><th scope=\"col\">Cold</th><th scope=\"col\">Marketing-qualified (MQL)</th><th scope=\"col\">Sales-qualified (SQL)</th></tr></thead>\n<tbody><tr><td class=\"n\">")
	m.Int(sc.Cold)
	m.Raw("</td><td class=\"n\">")
	m.Int(sc.MQL)
	m.Raw("</td><td class=\"n\">")
	m.Int(sc.SQL)
	m.Raw("</td></tr></tbody>\n</table>\n</div>\n</section>\n")
}

// writeSpendForm writes the form that sets what was spent on one campaign of the
// page, in all.
func writeSpendForm(m *markup.Writer, f spendForm) {
	m.Raw("<section class=\"part\" aria-labelledby=\"spend-h\">\n<h2 id=\"spend-h\">Enter a campaign's spend</h2>\n" +
		"<form class=\"spend card\" method=\"post\" action=\"" + SpendPath + "\" novalidate>\n")
	writeCSRF(m, f.CSRF)
	m.Raw("<p class=\"muted\">What was spent on the campaign in all, not per day; saving again replaces it.</p>\n")
	for _, h := range [][2]string{{"page", f.Page}, {"from", f.From}, {"to", f.To}} {
		m.Raw("<input type=\"hidden\" name=\"" + h[0] + "\" value=\"")
		m.Attr(h[1])
		m.Raw("\">")
	}
	m.Raw("\n<div class=\"fields\">\n")
	writeSpendField(m, "campaign", "Campaign (utm_campaign)", "text", f.Campaign, f.Errors["campaign"], ` maxlength="100" required`)
	writeSpendField(m, "amount", "Amount", "text", f.Amount, f.Errors["amount"], ` inputmode="decimal" required`)
	writeSpendField(m, "currency", "Currency (ISO 4217)", "text", f.Currency, f.Errors["currency"], ` maxlength="3" autocapitalize="characters" required`)
	m.Raw("</div>\n")
	if msg := f.Errors[""]; msg != "" {
		m.Raw("<p class=\"error\">")
		m.Text(msg)
		m.Raw("</p>\n")
	}
	m.Raw("<button type=\"submit\" class=\"primary\">Save spend</button>\n</form>\n</section>\n")
}

// writeSpendField writes one field of the spend form, with its error. extra is a
// constant attribute list.
func writeSpendField(m *markup.Writer, name, label, typ, value, msg, extra string) {
	m.Raw("<div><label for=\"spend-" + name + "\">" + label + "</label>\n<input id=\"spend-" + name + "\" name=\"" + name + "\" type=\"" + typ + "\"" + extra + " value=\"")
	m.Attr(value)
	m.Raw("\"")
	if msg != "" {
		m.Raw(" aria-invalid=\"true\" aria-describedby=\"spend-" + name + "-error\"")
	}
	m.Raw(">\n")
	if msg != "" {
		m.Raw("<p class=\"error\" id=\"spend-" + name + "-error\">")
		m.Text(msg)
		m.Raw("</p>\n")
	}
	m.Raw("</div>\n")
}
