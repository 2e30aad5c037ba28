package webhooks

import (
	"encoding/json"
	"fmt"
	"strings"

	"leadgate/shared/leadgate"
)

// slackTitles are the first words of a Slack message, by event type.
var slackTitles = map[string]string{
	leadgate.EventLeadCreated:      "New lead",
	leadgate.EventLeadUpdated:      "Lead came back",
	leadgate.EventLeadConfirmed:    "Lead confirmed their address",
	leadgate.EventLeadUnsubscribed: "Lead unsubscribed",
	leadgate.EventLeadSuppressed:   "Lead's address suppressed",
	leadgate.EventLeadStageChanged: "Lead changed stage",
	leadgate.EventMagnetDownloaded: "Magnet downloaded",
	leadgate.EventLeadErased:       "Lead erased",
	leadgate.EventWebhookTest:      "Test message from leadgate",
}

// SlackMessage turns an event's payload into a Slack incoming-webhook message: a
// plain text line (for notifications) and one mrkdwn section with the details.
func SlackMessage(payload []byte) ([]byte, error) {
	var ev Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("slack message: %w", err)
	}
	title := slackTitles[ev.Type]
	if title == "" {
		title = ev.Type
	}
	d := ev.Data
	var lines []string
	summary := title
	if l := d.Lead; l != nil {
		who := l.Email
		if l.Name != "" {
			who = l.Name + " (" + l.Email + ")"
		}
		summary += ": " + who
		line := "*" + slackEscape(who) + "*"
		if l.Company != "" {
			line += ", " + slackEscape(l.Company)
		}
		lines = append(lines, line)
	}
	if d.Page != "" {
		summary += " on " + d.Page
		lines = append(lines, "Page: `"+slackEscape(d.Page)+"`")
	}
	if sub := d.Submission; sub != nil {
		a := sub.Attribution
		if src := strings.Join(nonEmpty(a.UTMSource, a.UTMMedium, a.UTMCampaign), " / "); src != "" {
			lines = append(lines, "Source: "+slackEscape(src))
		}
		if sub.Consent.Given {
			lines = append(lines, "Marketing consent: given")
		}
	}
	if d.Reason != "" {
		lines = append(lines, "Reason: "+slackEscape(d.Reason))
	}
	if d.To != "" {
		lines = append(lines, fmt.Sprintf("Stage: %s → %s", slackEscape(string(d.From)), slackEscape(string(d.To))))
	}
	if d.Download != nil {
		lines = append(lines, fmt.Sprintf("Download #%d of the link", d.Download.N))
	}
	if d.Message != "" {
		lines = append(lines, slackEscape(d.Message))
	}
	text := "*" + slackEscape(title) + "*"
	if len(lines) > 0 {
		text += "\n" + strings.Join(lines, "\n")
	}
	type textObj struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type block struct {
		Type string  `json:"type"`
		Text textObj `json:"text"`
	}
	return json.Marshal(struct {
		Text   string  `json:"text"`
		Blocks []block `json:"blocks"`
	}{
		Text:   slackEscape(summary),
		Blocks: []block{{Type: "section", Text: textObj{Type: "mrkdwn", Text: text}}},
	})
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// slackEscape escapes the three characters Slack's text format reserves.
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
