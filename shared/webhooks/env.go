package webhooks

import (
	"fmt"
	"time"

	"leadgate/shared/alerts"
	"leadgate/shared/leadgate"
)

// FromEnv returns the service of a Lambda function: the AWS policy (https to public
// addresses only), and disabled endpoints reported by email from from, through
// mailer, to the console's users (CONSOLE_USERS; none: nobody is told), each email
// claimed once in claims.
func FromEnv(store Store, claims alerts.Claims, mailer leadgate.Mailer, from string, getenv func(string) string, now func() time.Time) (*Service, error) {
	users, err := leadgate.ParseConsoleUsers(getenv("CONSOLE_USERS"))
	if err != nil {
		return nil, fmt.Errorf("CONSOLE_USERS: %w", err)
	}
	var notify Notifier
	if to := users.Emails(); len(to) > 0 {
		notify = MailNotifier{Mailer: mailer, Claims: claims, From: from, To: to, Now: now}
	}
	return New(store, NewSender(AWSPolicy), now, notify), nil
}
