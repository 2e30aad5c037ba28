package leadgate

import "context"

// Header is one extra email header, such as List-Unsubscribe.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Message is one email ready to send: a text and an HTML part, extra headers, and
// tags that say what it is (for delivery events and reports).
type Message struct {
	From    string            `json:"from"` // "Display Name <address>" or an address
	To      string            `json:"to"`   // one address
	ReplyTo string            `json:"reply_to,omitempty"`
	Subject string            `json:"subject"`
	Text    string            `json:"text"`
	HTML    string            `json:"html"`
	Headers []Header          `json:"headers,omitempty"`
	Tags    map[string]string `json:"tags,omitempty"`
}

// Mailer sends email: SES v2 on AWS, the local outbox on the local run. Each
// implementation passes mailtest.RunConformanceTests. Send returns the provider's
// message ID. Its errors carry EUNAVAILABLE when a retry may succeed (throttling, a
// dependency down) and EREJECTED when it cannot (the message or the sender was
// refused), and EINVALID for a message that is not well formed (a header value with
// CR or LF, no recipient, ...), which is checked before anything is sent.
type Mailer interface {
	Send(ctx context.Context, m Message) (string, error)
}
