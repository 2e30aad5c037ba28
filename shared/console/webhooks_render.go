package console

import (
	"slices"
	"strconv"
	"time"

	"leadgate/shared/leadgate"
	"leadgate/shared/markup"
)

// webhooksStyle is the webhooks area's part of the stylesheet.
const webhooksStyle = `
fieldset.events{border:1px solid #8a95a3;border-radius:8px;margin:.75rem 0;padding:.5rem 1rem}
fieldset.events label{display:flex;gap:.5rem;align-items:center;font-weight:400;margin:.25rem 0}
label.check{display:flex;gap:.5rem;align-items:center;margin:.75rem 0}
.form select,.form textarea{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #8a95a3;border-radius:8px;background:#fff;color:var(--ink)}
.secret{border:2px solid var(--brand);border-radius:8px;padding:.5rem 1rem;margin:0 0 1rem}
.secret code{overflow-wrap:anywhere;font-size:1rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
.actions form{margin:0}
`

// webhookEventLabels say what each event is, on the forms.
var webhookEventLabels = map[string]string{
	leadgate.EventLeadCreated:      "a new lead",
	leadgate.EventLeadUpdated:      "a known lead submits again",
	leadgate.EventLeadConfirmed:    "a lead confirms the address",
	leadgate.EventLeadUnsubscribed: "a lead unsubscribes",
	leadgate.EventLeadSuppressed:   "a bounce or complaint stops email to a lead",
	leadgate.EventLeadStageChanged: "a lead changes stage",
	leadgate.EventMagnetDownloaded: "a magnet is downloaded",
	leadgate.EventLeadErased:       "a lead is erased (no personal data)",
}

// writeWebhooksPage writes the endpoints and the form that adds one.
func writeWebhooksPage(m *markup.Writer, l layout, v webhooksView) {
	l.Title = "Webhooks"
	writeHead(m, l)
	m.Raw("<h1>Webhooks</h1>\n<p>Each endpoint gets the events it asks for as they happen: a signed JSON post " +
		"(Standard Webhooks), or a message to a Slack channel.</p>\n")
	if v.Deleted {
		m.Raw("<p class=\"ok\" role=\"status\">The webhook was deleted.</p>\n")
	}
	if len(v.Webhooks) > 0 {
		m.Raw("<div class=\"table\">\n<table>\n<caption>The endpoints, and whether their last deliveries went through.</caption>\n" +
			"<thead>\n<tr><th scope=\"col\">Endpoint</th><th scope=\"col\">Kind</th><th scope=\"col\">Events</th><th scope=\"col\">State</th></tr>\n</thead>\n<tbody>\n")
		for _, wh := range v.Webhooks {
			m.Raw("<tr><th scope=\"row\"><a href=\"")
			m.URL(WebhookPath(wh.ID))
			m.Raw("\">")
			m.Text(wh.URL)
			m.Raw("</a>")
			if wh.Description != "" {
				m.Raw("<br><span class=\"muted\">")
				m.Text(wh.Description)
				m.Raw("</span>")
			}
			m.Raw("</th><td>")
			m.Text(string(wh.Kind))
			m.Raw("</td><td>")
			m.Text(strconv.Itoa(len(wh.Events)) + " of " + strconv.Itoa(len(leadgate.WebhookEvents)))
			m.Raw("</td><td>")
			writeWebhookState(m, wh.WebhookEndpoint)
			m.Raw("</td></tr>\n")
		}
		m.Raw("</tbody>\n</table>\n</div>\n")
	}
	m.Raw("<section class=\"card\" aria-labelledby=\"add-title\">\n<h2 id=\"add-title\">Add a webhook</h2>\n")
	writeWebhookErrors(m, v.Errors)
	m.Raw("<form class=\"form\" method=\"post\" action=\"" + WebhooksPath + "\" novalidate>\n")
	writeCSRF(m, v.CSRF)
	m.Raw("\n<label for=\"kind\">Kind</label>\n<select id=\"kind\" name=\"kind\">")
	for _, k := range []struct {
		kind  leadgate.EndpointKind
		label string
	}{{leadgate.EndpointWebhook, "Webhook: a signed JSON post"}, {leadgate.EndpointSlack, "Slack: a message to an incoming-webhook URL"}} {
		m.Raw("<option value=\"" + string(k.kind) + "\"")
		if v.Form.Kind == k.kind {
			m.Raw(" selected")
		}
		m.Raw(">" + k.label + "</option>")
	}
	m.Raw("</select>\n")
	writeWebhookFields(m, v.Form, v.Errors, false)
	m.Raw("<button type=\"submit\" class=\"primary\">Add webhook</button>\n</form>\n</section>\n")
	writeFoot(m)
}

// writeWebhookState writes whether an endpoint is on, failing, or off.
func writeWebhookState(m *markup.Writer, e leadgate.WebhookEndpoint) {
	switch {
	case !e.Enabled && !e.DisabledAt.IsZero():
		m.Raw("<span class=\"error\">Off: it failed for 5 days</span>")
	case !e.Enabled:
		m.Raw("<span class=\"muted\">Off</span>")
	case !e.FailingSince.IsZero():
		m.Raw("<span class=\"error\">Failing since ")
		m.Text(e.FailingSince.UTC().Format("2006-01-02 15:04 UTC"))
		m.Raw("</span>")
	default:
		m.Raw("<span class=\"ok\">On</span>")
	}
}

// writeWebhookErrors writes the form's messages of no field of its own.
func writeWebhookErrors(m *markup.Writer, errs []leadgate.FieldError) {
	if len(errs) == 0 {
		return
	}
	m.Raw("<div class=\"errors\" role=\"alert\">\n<p>Nothing was saved. Please correct the fields marked below.</p>\n")
	var other []leadgate.FieldError
	for _, e := range errs {
		if !slices.Contains([]string{"url", "events", "pages", "description"}, e.Field) {
			other = append(other, e)
		}
	}
	if len(other) > 0 {
		m.Raw("<ul>")
		for _, e := range other {
			m.Raw("<li>")
			m.Text(e.Field + ": " + e.Message)
			m.Raw("</li>")
		}
		m.Raw("</ul>\n")
	}
	m.Raw("</div>\n")
}

// writeWebhookFields writes the fields both forms have: the address, the events,
// the pages and the description; and, for a stored endpoint, whether it is on.
func writeWebhookFields(m *markup.Writer, f webhookForm, errs []leadgate.FieldError, stored bool) {
	msg := map[string]string{}
	for _, e := range errs {
		if msg[e.Field] == "" {
			msg[e.Field] = e.Message
		} else {
			msg[e.Field] += "; " + e.Message
		}
	}
	writeTextField(m, "url", "Address", "Where to post: an https address (on a local run, http and localhost too). For Slack, the incoming-webhook URL.", f.URL, msg["url"], leadgate.MaxWebhookURL)
	m.Raw("<fieldset class=\"events\"")
	if msg["events"] != "" {
		m.Raw(" aria-describedby=\"events-error\"")
	}
	m.Raw(">\n<legend>Events</legend>\n")
	for _, ev := range leadgate.WebhookEvents {
		m.Raw("<label><input type=\"checkbox\" name=\"events\" value=\"" + ev + "\"")
		if slices.Contains(f.Events, ev) {
			m.Raw(" checked")
		}
		m.Raw("> <code>" + ev + "</code> ")
		m.Text(webhookEventLabels[ev])
		m.Raw("</label>\n")
	}
	if msg["events"] != "" {
		m.Raw("<p class=\"error\" id=\"events-error\">")
		m.Text(msg["events"])
		m.Raw("</p>\n")
	}
	m.Raw("</fieldset>\n")
	writeMagnetField(m, "pages", "Pages", "Only the events of these pages (their slugs, separated by commas); empty: every page.", f.Pages, msg["pages"])
	writeMagnetField(m, "description", "Description", "What the endpoint is for, such as CRM sync.", f.Description, msg["description"])
	if stored {
		m.Raw("<label class=\"check\"><input type=\"checkbox\" name=\"enabled\"")
		if f.Enabled {
			m.Raw(" checked")
		}
		m.Raw("> On: send events to this endpoint</label>\n")
	}
}

// writeWebhookPage writes one endpoint: its secret once, its settings, its test
// and delete buttons, and its recent deliveries.
func writeWebhookPage(m *markup.Writer, l layout, v webhookView) {
	wh := v.Webhook
	l.Title = "Webhook " + wh.ID
	writeHead(m, l)
	m.Raw("<p><a href=\"" + WebhooksPath + "\">All webhooks</a></p>\n<h1>")
	m.Text(wh.URL)
	m.Raw("</h1>\n<p>")
	m.Text(string(wh.Kind) + " · " + wh.ID + " · ")
	writeWebhookState(m, wh.WebhookEndpoint)
	m.Raw("</p>\n")
	if v.Status != "" {
		m.Raw("<p class=\"ok\" role=\"status\">")
		m.Text(v.Status)
		m.Raw("</p>\n")
	}
	if v.Secret != "" {
		m.Raw("<div class=\"secret\" role=\"status\">\n<p><strong>The signing secret</strong>, shown this once: keep it with the receiver, which verifies each post with it.</p>\n<p><code>")
		m.Text(v.Secret)
		m.Raw("</code></p>\n</div>\n")
	}
	m.Raw("<div class=\"stack\">\n<section class=\"card\" aria-labelledby=\"settings-title\">\n<h2 id=\"settings-title\">Settings</h2>\n")
	writeWebhookErrors(m, v.Errors)
	m.Raw("<form class=\"form\" method=\"post\" action=\"")
	m.URL(WebhookPath(wh.ID))
	m.Raw("\" novalidate>\n")
	writeCSRF(m, v.CSRF)
	m.Raw("\n")
	writeWebhookFields(m, v.Form, v.Errors, true)
	m.Raw("<button type=\"submit\" class=\"primary\">Save</button>\n</form>\n</section>\n" +
		"<section class=\"card\" aria-labelledby=\"actions-title\">\n<h2 id=\"actions-title\">Test or delete</h2>\n<div class=\"actions\">\n<form method=\"post\" action=\"")
	m.URL(WebhookTestPath(wh.ID))
	m.Raw("\">")
	writeCSRF(m, v.CSRF)
	m.Raw("<button type=\"submit\" class=\"secondary\">Send a test event</button></form>\n<form method=\"post\" action=\"")
	m.URL(WebhookDeletePath(wh.ID))
	m.Raw("\">")
	writeCSRF(m, v.CSRF)
	m.Raw("<button type=\"submit\" class=\"primary danger\">Delete this webhook</button></form>\n</div>\n" +
		"<p class=\"hint muted\">Deleting cancels its pending deliveries; it cannot be undone.</p>\n</section>\n")
	writeDeliveries(m, v)
	m.Raw("</div>\n")
	writeFoot(m)
}

// writeDeliveries writes an endpoint's recent deliveries, newest first, each with
// its last attempt and a button to send it again.
func writeDeliveries(m *markup.Writer, v webhookView) {
	m.Raw("<section class=\"card\" aria-labelledby=\"deliveries-title\">\n<h2 id=\"deliveries-title\">Recent deliveries</h2>\n")
	if len(v.Webhook.Deliveries) == 0 {
		m.Raw("<p class=\"muted\">None yet. Send a test event to see one.</p>\n</section>\n")
		return
	}
	m.Raw("<div class=\"table\">\n<table>\n<caption>The newest 50 deliveries; the log keeps each for 30 days.</caption>\n" +
		"<thead>\n<tr><th scope=\"col\">Event</th><th scope=\"col\">Made</th><th scope=\"col\">Status</th><th scope=\"col\" class=\"n\">Attempts</th>" +
		"<th scope=\"col\">Last attempt</th><th scope=\"col\"><span class=\"muted\">Action</span></th></tr>\n</thead>\n<tbody>\n")
	for _, d := range v.Webhook.Deliveries {
		m.Raw("<tr><th scope=\"row\"><code>")
		m.Text(d.EventType)
		m.Raw("</code><br><span class=\"muted\">")
		m.Text(d.ID)
		m.Raw("</span></th><td><time datetime=\"")
		m.Attr(d.CreatedAt.UTC().Format(time.RFC3339))
		m.Raw("\">")
		m.Text(d.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"))
		m.Raw("</time></td><td>")
		m.Text(string(d.Status))
		if d.Status == leadgate.DeliveryPending && !d.NextAttemptAt.IsZero() {
			m.Text(", next try " + d.NextAttemptAt.UTC().Format("2006-01-02 15:04 UTC"))
		}
		m.Raw("</td><td class=\"n\">")
		m.Text(strconv.Itoa(len(d.Attempts)))
		m.Raw("</td><td>")
		if n := len(d.Attempts); n > 0 {
			a := d.Attempts[n-1]
			if a.Error != "" {
				m.Text(a.Error)
			} else {
				m.Text("answered " + strconv.Itoa(a.StatusCode))
			}
		}
		m.Raw("</td><td>")
		if (d.Status == leadgate.DeliveryDelivered || d.Status == leadgate.DeliveryFailed) && d.Payload != "" {
			m.Raw("<form method=\"post\" action=\"")
			m.URL(WebhookRedeliverPath(v.Webhook.ID, d.ID))
			m.Raw("\">")
			writeCSRF(m, v.CSRF)
			m.Raw("<button type=\"submit\" class=\"link\">Send again</button></form>")
		}
		m.Raw("</td></tr>\n")
	}
	m.Raw("</tbody>\n</table>\n</div>\n</section>\n")
}
