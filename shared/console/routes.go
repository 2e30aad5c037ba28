package console

import "net/url"

// The console's paths: the one place each is written. Every one lives under Prefix,
// which is also the session cookie's path.
const (
	// Prefix is where the console is mounted: every path below starts with it.
	Prefix = "/console/"
	// HomePath is the console's start: the pages list. Links point at it rather
	// than at /console/, which API Gateway's greedy route /console/{proxy+} may not
	// match; /console and /console/ redirect to it.
	HomePath = PagesPath
	// RootPath is the console's bare address, as a person would type it.
	RootPath = "/console"
	// PagesPath lists the pages with their counts.
	PagesPath = "/console/pages"
	// FunnelPath shows the funnel of a page (?page=slug) or of every page, over a
	// range of UTC days (?from=&to=); SpendPath takes the spend form's POST.
	FunnelPath = "/console/funnel"
	SpendPath  = "/console/funnel/spend"
	// DeliverabilityPath shows the emails sent and failed per day and the
	// suppressed addresses.
	DeliverabilityPath = "/console/deliverability"
	// WebhooksPath lists the webhook endpoints (GET) and adds one (POST);
	// WebhookPattern shows and saves one; the others delete it, send it a test
	// event, and send one of its deliveries again.
	WebhooksPath            = "/console/webhooks"
	WebhookPattern          = "/console/webhooks/{id}"
	WebhookDeletePattern    = "/console/webhooks/{id}/delete"
	WebhookTestPattern      = "/console/webhooks/{id}/test"
	WebhookRedeliverPattern = "/console/webhooks/{id}/deliveries/{delivery}/redeliver"
	// SignInPath shows the sign-in form (GET) and emails a link (POST).
	SignInPath = "/console/sign-in"
	// SignInLinkPattern is an emailed sign-in link: GET shows a button, POST signs in.
	SignInLinkPattern = "/console/sign-in/{token}"
	// SignedOutPath tells a person they are signed out.
	SignedOutPath = "/console/signed-out"
	// SignOutPath ends this session; SignOutEverywherePath every session of the user.
	SignOutPath           = "/console/sign-out"
	SignOutEverywherePath = "/console/sign-out-everywhere"
	// MagnetsPath lists the magnets; NewMagnetPath shows (GET) and creates (POST)
	// one; MagnetPattern shows and saves one, and its upload link and
	// upload-finished answer the upload script (JSON).
	MagnetsPath               = "/console/magnets"
	NewMagnetPath             = "/console/magnets/new"
	MagnetPattern             = "/console/magnets/{id}"
	MagnetUploadLinkPattern   = "/console/magnets/{id}/upload-link"
	MagnetUploadFinishPattern = "/console/magnets/{id}/upload-finished"
	// A bundle's files: arranged (POST), and the upload script's requests of a
	// new file; a coupon magnet's codes, added (POST).
	MagnetBundlePattern             = "/console/magnets/{id}/bundle"
	MagnetBundleUploadLinkPattern   = "/console/magnets/{id}/bundle/upload-link"
	MagnetBundleUploadFinishPattern = "/console/magnets/{id}/bundle/upload-finished"
	MagnetCouponsPattern            = "/console/magnets/{id}/coupons"
	// UploadScriptPath is the upload script, the one script the console serves.
	UploadScriptPath = "/console/assets/upload.js"

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

	// LeadsPath is the lead table, with its filters in the query; LeadsCSVPath the
	// CSV file of every lead they select.
	LeadsPath    = "/console/leads"
	LeadsCSVPath = "/console/leads.csv"
	// LeadPattern is one lead, named by leadgate.LeadRef (never its address); its
	// GDPR export (GET) and erasure (GET asks, POST erases) below it.
	LeadPattern       = "/console/leads/{ref}"
	LeadExportPattern = "/console/leads/{ref}/export"
	LeadErasePattern  = "/console/leads/{ref}/erase"
)

// MagnetPath is the page of magnet id; MagnetUploadLinkPath and
// MagnetUploadFinishPath the upload script's requests for it.
func MagnetPath(id string) string             { return "/console/magnets/" + id }
func MagnetUploadLinkPath(id string) string   { return MagnetPath(id) + "/upload-link" }
func MagnetUploadFinishPath(id string) string { return MagnetPath(id) + "/upload-finished" }

// The paths of a magnet's bundle and coupon forms.
func MagnetBundlePath(id string) string             { return MagnetPath(id) + "/bundle" }
func MagnetBundleUploadLinkPath(id string) string   { return MagnetBundlePath(id) + "/upload-link" }
func MagnetBundleUploadFinishPath(id string) string { return MagnetBundlePath(id) + "/upload-finished" }
func MagnetCouponsPath(id string) string            { return MagnetPath(id) + "/coupons" }

// SignInLinkPath is the path of the sign-in link of token.
func SignInLinkPath(token string) string { return "/console/sign-in/" + token }

// The page editor's paths.
const (
	// NewPagePath shows the form of a new page (GET) and creates it (POST).
	NewPagePath = "/console/new-page"
	// PreviewPath shows the editor's unsaved page as visitors would see it (POST).
	PreviewPath = "/console/preview"
	// EditPagePattern shows a page's editor (GET) and saves it (POST); the patterns
	// below it preview the saved page (GET), publish and unpublish it (POST), copy
	// and delete it (GET asks, POST does) and download its page file (GET).
	EditPagePattern      = "/console/pages/{slug}"
	PreviewPagePattern   = "/console/pages/{slug}/preview"
	PublishPagePattern   = "/console/pages/{slug}/publish"
	UnpublishPagePattern = "/console/pages/{slug}/unpublish"
	DuplicatePagePattern = "/console/pages/{slug}/duplicate"
	DeletePagePattern    = "/console/pages/{slug}/delete"
	PageFilePattern      = "/console/pages/{slug}/yaml"
)

// EditPagePath is the editor of the page slug; PageActionPath one of its actions
// (preview, publish, unpublish, duplicate, delete, yaml).
func EditPagePath(slug string) string           { return "/console/pages/" + slug }
func PageActionPath(slug, action string) string { return "/console/pages/" + slug + "/" + action }

// LeadPath, LeadExportPath and LeadErasePath are the paths of the lead ref names.
func LeadPath(ref string) string       { return "/console/leads/" + url.PathEscape(ref) }
func LeadExportPath(ref string) string { return LeadPath(ref) + "/export" }
func LeadErasePath(ref string) string  { return LeadPath(ref) + "/erase" }

// WebhookPath is the page of webhook id; the others its forms' actions.
func WebhookPath(id string) string       { return "/console/webhooks/" + url.PathEscape(id) }
func WebhookDeletePath(id string) string { return WebhookPath(id) + "/delete" }
func WebhookTestPath(id string) string   { return WebhookPath(id) + "/test" }
func WebhookRedeliverPath(id, delivery string) string {
	return WebhookPath(id) + "/deliveries/" + url.PathEscape(delivery) + "/redeliver"
}
