// Package localdev is the local run: every HTTP route in one process on the embedded
// store, a start page linking to everything a person may want, the sample page and
// magnet seeded on first start, and the change feed followed as the stream is on AWS.
package localdev

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"leadgate/shared/captcha"
	"leadgate/shared/richtext"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"leadgate/shared/admin"
	"leadgate/shared/adminapi"
	"leadgate/shared/alerts"
	"leadgate/shared/bolt"
	"leadgate/shared/capture"
	"leadgate/shared/console"
	"leadgate/shared/consoleauth"
	"leadgate/shared/downloads"
	"leadgate/shared/followup"
	"leadgate/shared/httpapi"
	"leadgate/shared/leadgate"
	"leadgate/shared/localbucket"
	"leadgate/shared/outbox"
	"leadgate/shared/pipeline"
	"leadgate/shared/signing"
	"leadgate/shared/webhooks"
)

// Config says where the local run keeps its state and how it captures.
type Config struct {
	DataDir string // the signing secret, the local bucket and the outbox live here
	Capture capture.Config
	// Captcha verifies the captcha of pages that carry one; nil: their posts are
	// refused as unavailable.
	Captcha *captcha.Verifier
	// FollowUp sets the sender and the pace of sending; its BaseURL is the server's
	// own address, for the links in emails.
	FollowUp followup.Config
	// Clock, when set, is the run's clock (Now is taken from it), and the start page
	// can move it forward.
	Clock *Clock
	Now   func() time.Time
	Log   *slog.Logger
	// AdminToken, when set, serves the admin API under /v1/admin/ to requests that
	// carry it as a bearer token (AdminToken reads or makes one); empty: no admin API.
	AdminToken string
	// Addr is the address the server listens on: it answers requests for that host
	// and for localhost, 127.0.0.1 and [::1] on its port only (and FollowUp.BaseURL's
	// host), refusing the names of other sites. Empty: any host, as tests use.
	Addr string
	// ConsoleUsers, when it names anyone, serves the console under /console/ to
	// them: sign-in links go through the run's mailer (the outbox), pointing at
	// FollowUp.BaseURL, from FollowUp.From. Empty: no console.
	ConsoleUsers leadgate.ConsoleUsers
}

// Backend is the store a local run works on and the feed of its changes: the
// embedded store and its change feed (Embedded), or DynamoDB and its stream (AWS).
type Backend struct {
	Name  string
	Store leadgate.Store
	// Mailer sends the follow-up emails; nil: the local outbox.
	Mailer leadgate.Mailer
	// Follow hands each change to handle until ctx ends, as the follow-up service
	// will be handed them: the changes of one lead in order, those of several leads
	// possibly at once.
	Follow func(ctx context.Context, handle func(context.Context, leadgate.Change) error) error
	// Replay hands the changes of the records the feed set aside to handle again,
	// keeping those that still fail (aws_replay.go); nil: the feed sets none aside.
	Replay func(ctx context.Context, handle func(context.Context, leadgate.Change) error) (replayed, kept int, err error)
	Close  func() error
}

// Embedded opens the embedded store under dataDir. Its feed is followed a batch at a
// time, the changes of up to followConcurrency leads at once (follower.go). Dedupe
// markers are kept at least as long as dedupeWindow, the captures' window (0: the
// capture service's default), so that pruning them never turns a repeat into a new
// submission.
func Embedded(dataDir string, dedupeWindow time.Duration) (Backend, error) {
	opts := bolt.DefaultOptions()
	opts.DedupeWindow = max(opts.DedupeWindow, dedupeWindow)
	store, err := bolt.OpenWith(filepath.Join(dataDir, "leads.db"), opts)
	if err != nil {
		return Backend{}, err
	}
	return Backend{
		Name:  "the embedded store in " + dataDir,
		Store: store,
		Follow: func(ctx context.Context, handle func(context.Context, leadgate.Change) error) error {
			return store.FollowBatches(ctx, "dev-log", followOptions, func(ctx context.Context, batch []leadgate.Change) (int, error) {
				return handleByLead(ctx, batch, handle, followConcurrency)
			})
		},
		Close: store.Close,
	}, nil
}

// redirectToFunnel sends the old local dashboard's address to the console's funnel
// page, which replaced it, keeping the page asked for.
func redirectToFunnel(w http.ResponseWriter, r *http.Request) {
	target := console.FunnelPath
	if page := r.URL.Query().Get("page"); page != "" {
		target += "?" + url.Values{"page": {page}}.Encode()
	}
	http.Redirect(w, r, target, http.StatusMovedPermanently)
}

// Server is the local run's state: open it, serve its Handler, Close it.
type Server struct {
	clock     *Clock
	dataDir   string
	now       func() time.Time
	backend   Backend
	Store     leadgate.Store
	Capture   *capture.Service
	Downloads *downloads.Service
	FollowUp  *followup.Service
	Webhooks  *webhooks.Service
	Alerts    *alerts.Service
	// couponAlerts tells a coupon magnet's owner its pool runs low, from the
	// change pipeline as on AWS.
	couponAlerts *alerts.CouponAlerts
	Outbox       *outbox.Outbox
	log          *slog.Logger
	handler      http.Handler
	// console and consoleUser: the console, if served, and its first user.
	console     *console.Console
	consoleUser string
}

// Open opens the local run on the embedded store under cfg.DataDir.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	b, err := Embedded(cfg.DataDir, cfg.Capture.DedupeWindow)
	if err != nil {
		return nil, err
	}
	return OpenOn(ctx, cfg, b)
}

// LocalPostalAddress is the footer's postal address of a local run given none
// (POSTAL_ADDRESS): a placeholder, since its emails land in the outbox.
const LocalPostalAddress = "Local run: set POSTAL_ADDRESS, 1 Example Street, Exampletown"

// OpenOn opens the local run on a backend, creating the signing secret and seeding
// the sample page and magnet the first time. The server owns the backend from then
// on, and closes it. It refuses a data folder whose secrets other users can read
// (checkPermissions).
func OpenOn(ctx context.Context, cfg Config, b Backend) (*Server, error) {
	if cfg.Clock != nil {
		cfg.Now = cfg.Clock.Now
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.FollowUp.PostalAddress == "" {
		// The sample page's nurture steps need one, and the outbox sends nothing.
		cfg.FollowUp.PostalAddress = LocalPostalAddress
	}
	if err := checkPermissions(cfg.DataDir, cfg.Log); err != nil {
		b.Close()
		return nil, err
	}
	secret, err := loadSecret(filepath.Join(cfg.DataDir, "signing-secret"))
	var (
		key    *signing.Key
		bucket *localbucket.Bucket
	)
	if err == nil {
		key, err = signing.NewKey(secret)
	}
	if err == nil {
		bucket, err = newBucket(cfg.DataDir, secret, cfg.Now)
	}
	if err == nil {
		err = Seed(ctx, b.Store, bucket, cfg.Now())
	}
	var box *outbox.Outbox
	if err == nil {
		box, err = outbox.New(filepath.Join(cfg.DataDir, "outbox"), cfg.Now)
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	mailer := b.Mailer
	if mailer == nil {
		mailer = box
	}
	s := &Server{clock: cfg.Clock, dataDir: cfg.DataDir, now: cfg.Now, backend: b, Store: b.Store, Capture: capture.New(b.Store, key, cfg.Capture, cfg.Now), log: cfg.Log}
	s.Downloads = downloads.New(b.Store, bucket, key, cfg.Now)
	s.FollowUp = followup.New(b.Store, sendingAtMost(followSends, mailer), key, cfg.FollowUp, cfg.Now, cfg.Log)
	s.Outbox = box
	// Locally http and loopback receivers are allowed, so that a developer can test
	// with a receiver of their own; disabled endpoints are reported to the console's
	// users through the run's mailer.
	s.Webhooks = webhooks.New(b.Store, webhooks.NewSender(webhooks.LocalPolicy), cfg.Now,
		webhooks.MailNotifier{Mailer: mailer, Claims: b.Store, From: cfg.FollowUp.From, To: cfg.ConsoleUsers.Emails(), Now: cfg.Now})
	s.Alerts = alerts.New(b.Store, mailer, cfg.FollowUp.From, cfg.Now)
	s.couponAlerts = alerts.NewCouponAlerts(b.Store, mailer, cfg.FollowUp.From, cfg.Now)
	mux := http.NewServeMux()
	httpapi.New(s.Capture, cfg.Log).WithCaptcha(cfg.Captcha).Register(mux)
	httpapi.NewDownloadAPI(s.Downloads, cfg.Log).Register(mux)
	httpapi.NewLinksAPI(followup.NewLinks(b.Store, key, cfg.Now), cfg.Log).Register(mux)
	httpapi.NewPageAPI(s.Capture, b.Store, cfg.Log).Register(mux)
	// One admin service behind the admin API and the console.
	svc := admin.New(b.Store, bucket, key, cfg.Now).WithWebhooks(s.Webhooks).WithPostalAddress(cfg.FollowUp.PostalAddress).
		WithMarkdown(richtext.HTML)
	var erased admin.EraseHook
	if mailer == box {
		// Locally the outbox is the mailbox: an erasure deletes the messages sent
		// to the address too. SES keeps none.
		erased = box.EraseAddress
	}
	if erased != nil {
		svc.WithEraseHook(erased)
	}
	if cfg.AdminToken != "" {
		mux.Handle(leadgate.AdminPrefix, adminapi.RequireBearer(cfg.AdminToken, adminapi.New(svc, cfg.Log).Handler(), cfg.Log))
	}
	if users := cfg.ConsoleUsers.Emails(); len(users) > 0 {
		tools := []console.Link{{Text: "Start page", URL: "/"}}
		if mailer == box {
			tools = append(tools, console.Link{Text: "Outbox", URL: outbox.Prefix})
		}
		ccfg := console.Config{
			Auth: consoleauth.New(b.Store, key, consoleauth.DefaultConfig(cfg.ConsoleUsers), cfg.Now), Admin: svc, Store: b.Store, Key: key,
			Mailer: mailer, BaseURL: cfg.FollowUp.BaseURL, From: cfg.FollowUp.From, FromName: cfg.FollowUp.FromName,
			Tools: tools, Now: cfg.Now, Log: cfg.Log,
		}
		// The suppressed list needs the store's lead query, where it has one.
		if ll, ok := b.Store.(leadgate.LeadLister); ok {
			ccfg.Leads = ll
		}
		s.console, err = console.New(ccfg)
		if err != nil {
			b.Close()
			return nil, err
		}
		s.consoleUser = users[0]
		mux.Handle(console.Prefix, s.console.Handler())
	}
	mux.Handle("/dev/bucket/", bucket.Handler())
	mux.Handle("/dev/outbox/", box.Handler())
	mux.HandleFunc("GET /{$}", s.handleStart)
	// The hosted page replaced the local form and thank-you pages; their old
	// addresses redirect, so pages stored by an earlier run keep working.
	mux.HandleFunc("GET /dev/pages/{slug}/form", s.redirectToHosted(leadgate.PagePath))
	mux.HandleFunc("GET /dev/pages/{slug}/thanks", s.redirectToHosted(leadgate.ThanksPath))
	mux.HandleFunc("GET /dev/leads", s.handleLeads)
	mux.HandleFunc("GET /dev/dashboard", redirectToFunnel)
	if cfg.Clock != nil {
		mux.HandleFunc("POST /dev/clock", s.handleClock)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpapi.RenderMessage(w, http.StatusNotFound, httpapi.MessageView{Title: "Not found", Message: "There is nothing at this address.", LinkURL: "/", LinkText: "Start page"})
	})
	s.handler = devSameOrigin(mux)
	if cfg.Addr != "" {
		if s.handler, err = newHostCheck(cfg.Addr, []string{cfg.FollowUp.BaseURL}, cfg.Log, s.handler); err != nil {
			b.Close()
			return nil, err
		}
	}
	return s, nil
}

// Handler serves every local route.
func (s *Server) Handler() http.Handler { return s.handler }

// Close closes the backend.
func (s *Server) Close() error { return s.backend.Close() }

// Backend names what the server stores into.
func (s *Server) Backend() string { return s.backend.Name }

// ConsoleSignInURL makes a sign-in link for the console's first user, for the
// server to print at start, and returns its address; "" when there is no console.
func (s *Server) ConsoleSignInURL(ctx context.Context) (link, email string, err error) {
	if s.console == nil {
		return "", "", nil
	}
	link, err = s.console.SignInLinkURL(ctx, s.consoleUser)
	return link, s.consoleUser, err
}

// FollowChanges hands each change of the feed to the change pipeline, as the stream
// handler does on AWS (the changes of several leads at once, each lead's in order),
// and logs it (ids and kinds only, never an address), until ctx ends. A change that
// fails is retried after a pause: delivery is at least once, and every reaction is
// idempotent.
func (s *Server) FollowChanges(ctx context.Context) error {
	handle := s.changeHandler()
	for {
		err := s.backend.Follow(ctx, handle)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			return nil
		}
		s.log.ErrorContext(ctx, "change handling failed; retrying", "error", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

// changeHandler returns the handler of one change: it logs the change (ids and
// kinds only, never an address) and hands it to the change pipeline.
func (s *Server) changeHandler() func(context.Context, leadgate.Change) error {
	changes := pipeline.New(s.Store, s.FollowUp, s.now, s.Webhooks, s.Alerts, s.couponAlerts)
	return func(ctx context.Context, ch leadgate.Change) error {
		attrs := []any{"id", ch.ID, "kind", ch.Kind}
		if ch.Lead != nil {
			attrs = append(attrs, "lead_id", ch.Lead.ID)
		}
		if ch.Submission != nil {
			attrs = append(attrs, "page", ch.Submission.Page, "submission_id", ch.Submission.ID)
		}
		if ch.Download != nil {
			attrs = append(attrs, "page", ch.Download.Page, "n", ch.Download.N)
		}
		s.log.InfoContext(ctx, "change", attrs...)
		return changes.HandleChange(ctx, ch)
	}
}

// ReplaySetAside hands the changes of the stream records set aside to the change
// pipeline again, as FollowChanges would have, and keeps those that still fail. It
// fails while a server follows the same stream state (its folder is locked).
func (s *Server) ReplaySetAside(ctx context.Context) (replayed, kept int, err error) {
	if s.backend.Replay == nil {
		return 0, 0, errors.New("this backend sets no record aside")
	}
	return s.backend.Replay(ctx, s.changeHandler())
}

// RunDispatcher sends due follow-up steps, retries due webhook deliveries and sends
// the daily new-lead digests every interval until ctx ends, as the scheduled dispatcher function does on AWS.
func (s *Server) RunDispatcher(ctx context.Context, every time.Duration) {
	const dispatchPageSize = 100
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.FollowUp.DispatchDue(ctx, dispatchPageSize, 0); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "dispatch run failed", "error", err)
			}
			if _, err := s.Webhooks.DeliverDue(ctx, dispatchPageSize); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "webhook retries failed", "error", err)
			}
			if err := s.Alerts.SendDigests(ctx); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "new-lead digests failed", "error", err)
			}
		}
	}
}

// newBucket opens the local bucket. Its links are relative, so they work whatever
// address the server listens on.
func newBucket(dataDir string, secret []byte, now func() time.Time) (*localbucket.Bucket, error) {
	return localbucket.New(filepath.Join(dataDir, "bucket"), secret, "", now)
}

// AdminTokenFile is the file, in the data folder, that holds the local admin token.
const AdminTokenFile = "admin-token"

// AdminToken returns the local admin API's bearer token: LEADGATE_ADMIN_TOKEN when
// set, or else the one in dataDir/admin-token, made (random, mode 0600) on first
// use. from says where it is, for the server to print: never the token itself.
func AdminToken(dataDir string, getenv func(string) string) (token, from string, err error) {
	if v := strings.TrimSpace(getenv("LEADGATE_ADMIN_TOKEN")); v != "" {
		if len(v) < 16 {
			return "", "", errors.New("LEADGATE_ADMIN_TOKEN: use at least 16 characters")
		}
		return v, "LEADGATE_ADMIN_TOKEN", nil
	}
	path := filepath.Join(dataDir, AdminTokenFile)
	b, err := os.ReadFile(path)
	if v := strings.TrimSpace(string(b)); err == nil && len(v) >= 16 {
		return v, path, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", "", fmt.Errorf("read admin token: %w", err)
	}
	token = rand.Text()
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", "", fmt.Errorf("create data folder: %w", err)
	}
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", "", fmt.Errorf("write admin token: %w", err)
	}
	return token, path, nil
}

// loadSecret reads the local signing secret, making a random one on first start. It
// lives in the git-ignored data folder; deployments get theirs from configuration.
func loadSecret(path string) ([]byte, error) {
	secret, err := os.ReadFile(path)
	if err == nil && len(secret) >= signing.MinKeyLength {
		return secret, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read signing secret: %w", err)
	}
	secret = []byte(rand.Text() + rand.Text())
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	if err := os.WriteFile(path, secret, 0o600); err != nil {
		return nil, fmt.Errorf("write signing secret: %w", err)
	}
	return secret, nil
}

//go:embed templates/*.html
var templateFiles embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"add": func(a int, b ...int) int {
		for _, n := range b {
			a += n
		}
		return a
	},
	"sub": func(a, b int) int { return a - b },
}).ParseFS(templateFiles, "templates/*.html"))

type startView struct {
	Now     time.Time
	Offset  time.Duration
	Clock   bool
	Base    string
	Backend string
	Pages   []pageRow
	Leads   int // -1: the backend cannot count them
	Changes []leadgate.Change
}

// SampleFormTokenPath is the sample page's form-token route, for the curl example.
func (startView) SampleFormTokenPath() string { return leadgate.FormTokenPath(SampleSlug) }

// Listings the embedded store offers beyond the port; other backends show less.
type (
	changeReader interface {
		RecentChanges(limit int) ([]leadgate.Change, error)
		ItemCounts() (map[string]int, error)
	}
)

type pageRow struct {
	leadgate.Page
	ViewsToday     int
	DownloadsToday int
	// Snippet is the page's embed snippet, for the marketer's own site.
	Snippet string
}

// PagePath and CapturePath are the page's hosted page and the route its form posts to.
func (r pageRow) PagePath() string    { return leadgate.PagePath(r.Slug) }
func (r pageRow) CapturePath() string { return leadgate.CapturePath(r.Slug) }

func (s *Server) handleStart(w http.ResponseWriter, r *http.Request) {
	v := startView{Now: s.now(), Clock: s.clock != nil, Base: "http://" + r.Host, Backend: s.backend.Name, Leads: -1}
	if s.clock != nil {
		v.Offset = s.clock.Offset()
	}
	pages, err := s.Store.Pages(r.Context())
	today := leadgate.Day(s.now())
	for _, p := range pages {
		if err != nil {
			break
		}
		var c leadgate.DailyCounts
		c, err = s.Store.DailyCounts(r.Context(), p.Slug, today)
		v.Pages = append(v.Pages, pageRow{Page: p, ViewsToday: c.Views, DownloadsToday: c.Downloads, Snippet: httpapi.EmbedSnippet(p, v.Base)})
	}
	if cr, ok := s.Store.(changeReader); ok && err == nil {
		var counts map[string]int
		if counts, err = cr.ItemCounts(); err == nil {
			v.Leads = counts["leads"]
			v.Changes, err = cr.RecentChanges(10)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := templates.ExecuteTemplate(w, "start.html", v); err != nil {
		s.log.ErrorContext(r.Context(), "render start page", "error", err)
	}
}

// redirectToHosted answers an address of the old local pages with a redirect to
// the hosted page that replaced it, the query kept (attribution, the download link).
func (s *Server) redirectToHosted(path func(slug string) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		slug := r.PathValue("slug")
		if !leadgate.ValidSlug(slug) {
			s.fail(w, r, leadgate.Errorf(leadgate.ENOTFOUND, "no such page"))
			return
		}
		target := path(slug)
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusFound)
	}
}

// handleLeads sends a browser to the console's lead table, which replaced the
// local one; for Accept: application/json it answers every lead as JSON, newest
// first, for scripts and tests.
func (s *Server) handleLeads(w http.ResponseWriter, r *http.Request) {
	if !strings.Contains(r.Header.Get("Accept"), "application/json") {
		http.Redirect(w, r, console.LeadsPath, http.StatusSeeOther)
		return
	}
	leads, err := allLeads(r.Context(), s.Store)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(leads)
}

// allLeads reads every lead, newest first, following the table's cursor to the end.
func allLeads(ctx context.Context, store leadgate.LeadLister) ([]leadgate.Lead, error) {
	leads := []leadgate.Lead{}
	q := leadgate.LeadQuery{Limit: leadgate.MaxLeadListLimit}
	for {
		page, err := store.Leads(ctx, q)
		if err != nil {
			return nil, err
		}
		leads = append(leads, page.Leads...)
		if page.Next == "" {
			return leads, nil
		}
		q.Cursor = page.Next
	}
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := leadgate.ErrorCode(err)
	if code == leadgate.EINTERNAL {
		s.log.ErrorContext(r.Context(), "local page failed", "path", r.URL.Path, "error", err)
	}
	httpapi.RenderMessage(w, httpapi.StatusOf(code), httpapi.MessageView{Title: "Something went wrong", Message: leadgate.ErrorMessage(err), LinkURL: "/", LinkText: "Start page"})
}
