package console_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"leadgate/shared/console"
	"leadgate/shared/golden"
	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/storetest"
)

// The passkey pages: the list with none, with two (one used, one with a name that
// needs escaping), a passkey not found, and the page where the console's address
// cannot carry passkeys. The sign-in page's passkey button is in sign-in.html.
func TestGoldenPasskeyPages(t *testing.T) {
	s := newGoldenSite(t, true)
	golden.Check(t, "passkeys-empty.html", s.page(t, "GET", console.PasskeysPath, nil, true, 200))

	ctx := context.Background()
	laptop := storetest.Passkey(leadgate.PasskeyID([]byte("laptop")), "ada@example.com", goldenNow.AddDate(0, -1, 0))
	laptop.Name = `Work laptop <Ada's> & "co"`
	key := storetest.Passkey(leadgate.PasskeyID([]byte("key")), "ada@example.com", goldenNow.AddDate(0, 0, -3))
	key.Name, key.SignCount = "Security key", 0
	other := storetest.Passkey(leadgate.PasskeyID([]byte("other")), "grace@example.com", goldenNow)
	for _, p := range []leadgate.Passkey{laptop, key, other} {
		if err := s.store.PutPasskey(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.store.UpdatePasskeySignCount(ctx, laptop.ID, 9, goldenNow.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "passkeys.html", s.page(t, "GET", console.PasskeysPath, nil, true, 200))
	golden.Check(t, "passkey-unknown.html", s.page(t, "POST", console.PasskeyRemovePath,
		url.Values{"csrf": {goldenCSRF(t)}, "id": {other.ID}}, true, 404))

	local := newGoldenSite(t, true, func(c *console.Config) { c.BaseURL = "http://127.0.0.1:8080" })
	golden.Check(t, "passkeys-unavailable.html", local.page(t, "GET", console.PasskeysPath, nil, true, 200))
	golden.Check(t, "sign-in-without-passkeys.html", local.page(t, "GET", console.SignInPath, nil, false, 200))
}
