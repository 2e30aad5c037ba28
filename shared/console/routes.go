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
	// FunnelPath shows the funnel of a page (?page=slug) or of every page, over a
	// range of UTC days (?from=&to=); SpendPath takes the spend form's POST.
	FunnelPath = "/console/funnel"
	SpendPath  = "/console/funnel/spend"
	// DeliverabilityPath shows the emails sent and failed per day and the
	// suppressed addresses.
	DeliverabilityPath = "/console/deliverability"
	// SignInPath shows the sign-in form (GET) and emails a link (POST).
	SignInPath = "/console/sign-in"
	// SignInLinkPattern is an emailed sign-in link: GET shows a button, POST signs in.
	SignInLinkPattern = "/console/sign-in/{token}"
	// SignedOutPath tells a person they are signed out.
	SignedOutPath = "/console/signed-out"
	// SignOutPath ends this session; SignOutEverywherePath every session of the user.
	SignOutPath           = "/console/sign-out"
	SignOutEverywherePath = "/console/sign-out-everywhere"
)

// SignInLinkPath is the path of the sign-in link of token.
func SignInLinkPath(token string) string { return "/console/sign-in/" + token }
