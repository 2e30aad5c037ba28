package console

import "net/url"

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

// SignInLinkPath is the path of the sign-in link of token.
func SignInLinkPath(token string) string { return "/console/sign-in/" + token }

// LeadPath, LeadExportPath and LeadErasePath are the paths of the lead ref names.
func LeadPath(ref string) string       { return "/console/leads/" + url.PathEscape(ref) }
func LeadExportPath(ref string) string { return LeadPath(ref) + "/export" }
func LeadErasePath(ref string) string  { return LeadPath(ref) + "/erase" }
