package localdev

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// The local server listens on loopback, yet any web page the developer opens can
// reach it. A page whose own name is made to resolve to 127.0.0.1 (DNS rebinding)
// may read whatever the server answers it: every lead, the outbox's live links. And
// any page may post a form to it. Two guards stand in the way: the server answers
// only requests addressed to itself (hostCheck), and its dev tools take changes only
// from their own pages (devSameOrigin).

// hostCheck serves requests whose Host names the server itself, and refuses any
// other with 421 Misdirected Request. A rebinding page's requests carry the page's
// own name as Host, which is never one of the server's.
type hostCheck struct {
	hosts map[string]bool // hostKey of each name the server answers to
	// anyIPPort, when listening on every interface, is the port on which any IP
	// literal is answered: the machine's addresses are not known here, and an
	// address cannot be rebound as a name can.
	anyIPPort string
	log       *slog.Logger
	next      http.Handler
}

// newHostCheck answers, before next, the server listening on addr: requests for
// addr itself and for localhost, 127.0.0.1 and [::1] on its port, and for the
// hosts of baseURLs (the server's public address, for the links in emails).
func newHostCheck(addr string, baseURLs []string, log *slog.Logger, next http.Handler) (*hostCheck, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return nil, fmt.Errorf("listen address %q: want host:port", addr)
	}
	h := &hostCheck{hosts: map[string]bool{}, log: log, next: next}
	for _, name := range []string{host, "localhost", "127.0.0.1", "::1"} {
		if name == "" {
			continue
		}
		h.hosts[hostKey(name, port)] = true
		if port == "80" { // a browser leaves the default port out
			h.hosts[hostKey(name, "")] = true
		}
	}
	for _, base := range baseURLs {
		if u, err := url.Parse(base); err == nil && u.Host != "" {
			h.hosts[hostKey(splitHost(u.Host))] = true
		}
	}
	if ip, err := netip.ParseAddr(host); host == "" || err == nil && ip.IsUnspecified() {
		h.anyIPPort = port
	}
	return h, nil
}

func (h *hostCheck) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.allows(r.Host) {
		h.next.ServeHTTP(w, r)
		return
	}
	h.log.WarnContext(r.Context(), "request for another host refused", "host", r.Host)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "Misdirected request: this server answers only at its own address.", http.StatusMisdirectedRequest)
}

func (h *hostCheck) allows(hostport string) bool {
	host, port := splitHost(hostport)
	if host == "" {
		return false
	}
	if h.hosts[hostKey(host, port)] {
		return true
	}
	if h.anyIPPort == "" {
		return false
	}
	if port == "" {
		port = "80"
	}
	_, err := netip.ParseAddr(host)
	return err == nil && port == h.anyIPPort
}

// splitHost splits a Host value into its name and port, the port "" when left out.
func splitHost(hostport string) (host, port string) {
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		return h, p
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]"), ""
}

// hostKey is the form in which names are compared: lower case, an IP address in its
// shortest spelling.
func hostKey(host, port string) string {
	if ip, err := netip.ParseAddr(host); err == nil {
		host = ip.Unmap().String()
	}
	return strings.ToLower(host) + " " + port
}

// devSameOrigin refuses, with 403, a state-changing request to the dev tools
// (/dev/) that a browser says comes from another origin (Sec-Fetch-Site, or else
// Origin): moving the clock sends the nurture emails and expires every link.
// Requests with neither header (curl, scripts) pass. The public routes are left
// alone: their forms post from the marketers' sites, and mail clients unsubscribe
// in one click from elsewhere; the admin API needs a bearer token, which no other
// site has.
func devSameOrigin(next http.Handler) http.Handler {
	protected := http.NewCrossOriginProtection().Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/dev/") {
			protected.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
