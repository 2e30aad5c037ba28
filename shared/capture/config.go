package capture

import (
	"fmt"
	"strconv"
	"time"
)

// ConfigFromEnv reads the settings a deployment may change, each with its default
// (DefaultConfig): MIN_FILL_TIME, FORM_TOKEN_MAX_AGE, DEDUPE_WINDOW, RATE_WINDOW and
// DOWNLOAD_LINK_TTL (unset: each page's own) as Go durations ("3s", "24h");
// RATE_LIMIT_PER_IP and FORM_TOKEN_USES as counts, 0 turning the limit off.
// (RATE_LIMIT_PER_EMAIL limits emails: followup.MailLimitsFromEnv reads it.)
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	durations := []struct {
		name string
		dst  *time.Duration
	}{
		{"MIN_FILL_TIME", &cfg.MinFillTime},
		{"FORM_TOKEN_MAX_AGE", &cfg.FormTokenMaxAge},
		{"DEDUPE_WINDOW", &cfg.DedupeWindow},
		{"RATE_WINDOW", &cfg.RateWindow},
		{"DOWNLOAD_LINK_TTL", &cfg.DownloadLinkTTL},
	}
	for _, d := range durations {
		if v := getenv(d.name); v != "" {
			parsed, err := time.ParseDuration(v)
			if err != nil || parsed < 0 {
				return cfg, fmt.Errorf("%s=%q: want a duration such as 3s or 24h", d.name, v)
			}
			*d.dst = parsed
		}
	}
	counts := []struct {
		name string
		dst  *int
	}{
		{"RATE_LIMIT_PER_IP", &cfg.RatePerIP},
		{"FORM_TOKEN_USES", &cfg.FormTokenUses},
	}
	for _, c := range counts {
		if v := getenv(c.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return cfg, fmt.Errorf("%s=%q: want a whole number, 0 for no limit", c.name, v)
			}
			*c.dst = n
		}
	}
	if cfg.RateWindow < time.Second {
		return cfg, fmt.Errorf("RATE_WINDOW=%s: want at least 1s", cfg.RateWindow)
	}
	if cfg.FormTokenMaxAge <= cfg.MinFillTime {
		return cfg, fmt.Errorf("FORM_TOKEN_MAX_AGE (%s) must be longer than MIN_FILL_TIME (%s)", cfg.FormTokenMaxAge, cfg.MinFillTime)
	}
	return cfg, nil
}
