package signing

import (
	"strconv"
	"time"
)

// LegacyArmFormToken is a form token as signed before tokens carried a nonce:
// "<unix ms>[~<arm>].<mac>".
func (k *Key) LegacyArmFormToken(slug, arm string, renderedAt time.Time) string {
	signed := strconv.FormatInt(renderedAt.UnixMilli(), 10)
	if arm != "" {
		signed += "~" + arm
	}
	return signed + "." + b64.EncodeToString(k.formMAC(slug, signed))
}
