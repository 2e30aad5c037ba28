package console

// The console's paths: the one place each is written. Every one lives under Prefix,
// which is also the session cookie's path.
const (
	// Prefix is where the console is mounted: every path below starts with it.
	Prefix = "/console/"
	// HomePath is the console's start: the pages list.
	HomePath = "/console/"
	// PagesPath lists the pages with their counts.
	PagesPath = "/console/pages"
	// SignInPath shows the sign-in form (GET) and emails a link (POST).
	SignInPath = "/console/sign-in"
	// SignInLinkPattern is an emailed sign-in link: GET shows a button, POST signs in.
	SignInLinkPattern = "/console/sign-in/{token}"
	// SignedOutPath tells a person they are signed out.
	SignedOutPath = "/console/signed-out"
	// SignOutPath ends this session; SignOutEverywherePath every session of the user.
	SignOutPath           = "/console/sign-out"
	SignOutEverywherePath = "/console/sign-out-everywhere"

	// PasskeysPath lists the signed-in user's passkeys and adds one (passkeys.go);
	// the register paths are the two steps of adding one (POST, JSON answers), the
	// remove path removes one (POST, a form).
	PasskeysPath              = "/console/passkeys"
	PasskeyRegisterBeginPath  = "/console/passkeys/register/begin"
	PasskeyRegisterFinishPath = "/console/passkeys/register/finish"
	PasskeyRemovePath         = "/console/passkeys/remove"
	// PasskeySignInBeginPath and PasskeySignInFinishPath are the two steps of signing
	// in with a passkey (POST, JSON answers).
	PasskeySignInBeginPath  = "/console/passkey-sign-in/begin"
	PasskeySignInFinishPath = "/console/passkey-sign-in/finish"
	// PasskeysScriptPath is the passkey pages' script, served from the console's
	// own origin.
	PasskeysScriptPath = "/console/assets/passkeys.js"
)

// SignInLinkPath is the path of the sign-in link of token.
func SignInLinkPath(token string) string { return "/console/sign-in/" + token }
