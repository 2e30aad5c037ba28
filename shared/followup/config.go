package followup

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"leadgate/shared/emails"
)

// MailLimitsFromEnv reads what every sending process shares with the local server:
// POSTAL_ADDRESS (the footer's; nurture steps need it), RATE_LIMIT_PER_EMAIL (the
// submissions of one address in a window that get their emails, 0 for no limit)
// and RATE_WINDOW (a Go duration, at least 1s).
func MailLimitsFromEnv(getenv func(string) string, cfg *Config) error {
	address, err := emails.PostalAddressFromEnv(getenv)
	if err != nil {
		return err
	}
	if address != "" {
		cfg.PostalAddress = address
	}
	if v := getenv("RATE_LIMIT_PER_EMAIL"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("RATE_LIMIT_PER_EMAIL=%q: want a whole number, 0 for no limit", v)
		}
		cfg.PerAddress = n
	}
	if v := getenv("RATE_WINDOW"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return fmt.Errorf("RATE_WINDOW=%q: want a duration of at least 1s, such as 1h", v)
		}
		cfg.PerAddressWindow = d
	}
	return nil
}

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
	if err := MailLimitsFromEnv(getenv, &cfg); err != nil {
		return cfg, err
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
