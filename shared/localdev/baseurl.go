package localdev

import (
	"net"
	"net/netip"
)

// BaseURL is the address of the links a local server on addr (host:port, as it
// listens) puts in emails and the console's: on a loopback IP it is
// http://localhost:<port>, for browsers refuse an IP address as a passkey's
// relying party and treat localhost over http as a secure context, so the
// console's passkeys work locally; on any other host, http://<addr>. The server
// answers at localhost whatever the loopback address it listens on (hostCheck).
func BaseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return "http://" + net.JoinHostPort("localhost", port)
	}
	return "http://" + addr
}
