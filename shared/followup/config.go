package followup

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
)

// ConfigFromEnv reads PUBLIC_BASE_URL (the API's public origin, for links in emails),
// SENDER_ADDRESS (the verified sender), and optionally SENDER_NAME, SEND_RATE (the
// most emails one process sends a second, see Config.SendRate; 0 for no cap) and
// SEND_CONCURRENCY, over DefaultConfig.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	base := strings.TrimRight(getenv("PUBLIC_BASE_URL"), "/")
	u, err := url.Parse(base)
	if base == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return cfg, errors.New("PUBLIC_BASE_URL: want the API's public origin, such as https://abc123.execute-api.eu-west-1.amazonaws.com")
	}
	cfg.BaseURL = base
	from := getenv("SENDER_ADDRESS")
	if a, err := mail.ParseAddress(from); err != nil || a.Address != from {
		return cfg, fmt.Errorf("SENDER_ADDRESS=%q: want a bare address such as hello@example.com, verified in SES", from)
	}
	cfg.From = from
	if v := getenv("SENDER_NAME"); v != "" {
		if strings.ContainsAny(v, "\r\n") {
			return cfg, errors.New("SENDER_NAME must be one line")
		}
		cfg.FromName = v
	}
	if v := getenv("SEND_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 {
			return cfg, fmt.Errorf("SEND_RATE=%q: want emails per second for one process, 0 for no cap", v)
		}
		cfg.SendRate = r
	}
	if v := getenv("SEND_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return cfg, fmt.Errorf("SEND_CONCURRENCY=%q: want 1 to 100", v)
		}
		cfg.Concurrency = n
	}
	return cfg, nil
}
