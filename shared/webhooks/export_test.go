package webhooks

import (
	"net/netip"
	"time"
)

// NewSenderForTest returns a sender with a short timeout, so that a test of a
// receiver that does not answer takes a moment, not 10 seconds.
func NewSenderForTest(p Policy, timeout time.Duration) *Sender { return newSender(p, timeout) }

// Exempt returns p letting one address through, for a test server that must be
// reached under the AWS policy.
func Exempt(p Policy, addr netip.AddrPort) Policy {
	p.exempt = addr
	return p
}
