package emails

import (
	"errors"
	"fmt"
	"strings"

	"leadgate/shared/leadgate"
)

// MaxPostalAddress is the longest postal address, in characters, a footer carries.
const MaxPostalAddress = 300

// CheckPostalAddress returns why a postal address cannot be the footer's, or nil:
// one line of printable text, at most MaxPostalAddress characters.
func CheckPostalAddress(v string) error {
	if fe := leadgate.CheckText("postal_address", v, MaxPostalAddress, false); fe != nil {
		return errors.New(fe.Message)
	}
	return nil
}

// PostalAddressFromEnv reads POSTAL_ADDRESS, the sender's postal address that every
// email's footer shows (commercial email must carry one); "" when unset. The
// sending functions put it in footers; the admin and console functions refuse
// nurture steps without one.
func PostalAddressFromEnv(getenv func(string) string) (string, error) {
	v := strings.TrimSpace(getenv("POSTAL_ADDRESS"))
	if v == "" {
		return "", nil
	}
	if err := CheckPostalAddress(v); err != nil {
		return "", fmt.Errorf("POSTAL_ADDRESS: %w", err)
	}
	return v, nil
}
