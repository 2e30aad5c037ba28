package emails

import (
	"fmt"
	"strings"

	"leadgate/shared/leadgate"
)

// PostalAddressFromEnv reads POSTAL_ADDRESS, the sender's postal address that every
// email's footer shows (commercial email must carry one); "" when unset. The
// sending functions put it in footers; the admin and console functions refuse
// nurture steps without one.
func PostalAddressFromEnv(getenv func(string) string) (string, error) {
	v := strings.TrimSpace(getenv("POSTAL_ADDRESS"))
	if v == "" {
		return "", nil
	}
	if fe := leadgate.CheckPostalAddress("POSTAL_ADDRESS", v); fe != nil {
		return "", fmt.Errorf("POSTAL_ADDRESS: %s", fe.Message)
	}
	return v, nil
}
