// Command leadgate-dev runs the whole backend on this machine: every HTTP route on
// the embedded store, with no AWS account and no Docker. With -backend aws it runs the
// same routes on the AWS adapters instead: DynamoDB and its stream, at the endpoints
// the SDK's standard settings name (AWS_ENDPOINT_URL, ...), such as DynamoDB Local.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"leadgate/shared/captcha"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"leadgate/shared/bolt"
	"leadgate/shared/capture"
	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); err != nil {
		log.Error("leadgate-dev stopped", "error", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger) error {
	addr := envOr("LEADGATE_ADDR", "127.0.0.1:8080")
	dataDir := envOr("LEADGATE_DATA_DIR", ".local")
	backendName := flag.String("backend", envOr("LEADGATE_BACKEND", "embedded"), "embedded, or aws: DynamoDB at the SDK's configured endpoint")
	table := flag.String("table", envOr("TABLE_NAME", "leadgate-local"), "with -backend aws: the DynamoDB table, created if missing")
	compact := flag.Bool("compact", false, "prune and compact the embedded store in the data folder, then exit; refused while a server runs on it")
	replay := flag.Bool("replay-set-aside", false, "with -backend aws: hand the stream records set aside in the data folder to the pipeline again, keep those that still fail, then exit; refused while a server runs on it")
	flag.Parse()
	cfg, err := capture.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	if *compact {
		if *backendName != "embedded" {
			return fmt.Errorf("-compact works on the embedded store, not -backend %s", *backendName)
		}
		return compactStore(dataDir, cfg.DedupeWindow)
	}
	offset := time.Duration(0)
	if v := os.Getenv("LEADGATE_CLOCK_OFFSET"); v != "" {
		if offset, err = time.ParseDuration(v); err != nil {
			return fmt.Errorf("LEADGATE_CLOCK_OFFSET=%q: want a duration such as 48h", v)
		}
	}
	// The console's users: LEADGATE_CONSOLE_USERS, or else one local user. Its
	// links land in the outbox, so the address need reach no one: .test is reserved.
	consoleUsers, err := leadgate.ParseConsoleUsers(envOr("LEADGATE_CONSOLE_USERS", defaultConsoleUser))
	if err != nil {
		return fmt.Errorf("LEADGATE_CONSOLE_USERS: %w", err)
	}
	fu := followup.DefaultConfig()
	fu.From = envOr("SENDER_ADDRESS", "hello@example.com")
	fu.FromName = envOr("SENDER_NAME", "Leadgate")
	fu.SendRate = 0 // the outbox has no quota
	if err := followup.MailLimitsFromEnv(os.Getenv, &fu); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var backend localdev.Backend
	switch *backendName {
	case "embedded":
		backend, err = localdev.Embedded(dataDir, cfg.DedupeWindow)
	case "aws":
		var awsCfg aws.Config
		if awsCfg, err = config.LoadDefaultConfig(ctx); err == nil {
			backend, err = localdev.AWS(ctx, awsCfg, localdev.AWSOptions{Table: *table, StateDir: filepath.Join(dataDir, "stream"), Log: log})
		}
	default:
		err = fmt.Errorf("-backend %q: want embedded or aws", *backendName)
	}
	if err != nil {
		return err
	}
	adminToken, tokenFrom, err := localdev.AdminToken(dataDir, os.Getenv)
	if err != nil {
		backend.Close()
		return err
	}
	if *replay {
		return replaySetAside(ctx, dataDir, cfg, fu, consoleUsers, adminToken, log, backend)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		backend.Close()
		return fmt.Errorf("listen on %s (set LEADGATE_ADDR to use another): %w", addr, err)
	}
	// Links and the console are at localhost when listening on 127.0.0.1: browsers
	// take no IP address for a passkey. The server answers requests for the
	// address it listens on and for localhost only: other names are other sites'
	// (DNS rebinding).
	fu.BaseURL = localdev.BaseURL(ln.Addr().String())
	srv, err := localdev.OpenOn(ctx, localdev.Config{DataDir: dataDir, Capture: cfg, FollowUp: fu, Clock: localdev.NewClock(offset), Log: log,
		Captcha:    captcha.FromEnv(os.Getenv),
		AdminToken: adminToken, Addr: ln.Addr().String(), ConsoleUsers: consoleUsers}, backend)
	if err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second}
	go func() {
		if err := srv.FollowChanges(ctx); err != nil {
			log.Error("change feed stopped", "error", err)
		}
	}()
	go srv.RunDispatcher(ctx, time.Second)
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = httpSrv.Shutdown(shutdown)
	}()
	fmt.Printf("\n  Leadgate is running locally. Open %s/\n  Leads go to %s. Stop with Ctrl-C.\n"+
		"  Admin API: http://%s/v1/admin/ with the bearer token in %s (leadctl pages reads it).\n\n", fu.BaseURL, srv.Backend(), ln.Addr(), tokenFrom)
	// One click from the console: a sign-in link for its first user.
	if link, email, err := srv.ConsoleSignInURL(ctx); err != nil {
		log.Warn("no console sign-in link made", "error", err)
	} else if link != "" {
		fmt.Printf("  Console: %s/console/ (users: LEADGATE_CONSOLE_USERS; passkeys work at this address). Sign in as %s, once, within %d minutes:\n  %s\n\n",
			fu.BaseURL, email, int(leadgate.SignInLinkTTL.Minutes()), link)
	}
	if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// replaySetAside runs -replay-set-aside: the server's pipeline, without serving.
func replaySetAside(ctx context.Context, dataDir string, cfg capture.Config, fu followup.Config, users leadgate.ConsoleUsers, adminToken string, log *slog.Logger, backend localdev.Backend) error {
	srv, err := localdev.OpenOn(ctx, localdev.Config{DataDir: dataDir, Capture: cfg, FollowUp: fu, Clock: localdev.NewClock(0), Log: log,
		AdminToken: adminToken, ConsoleUsers: users}, backend)
	if err != nil {
		return err
	}
	defer srv.Close()
	replayed, kept, err := srv.ReplaySetAside(ctx)
	fmt.Printf("Replayed %d set-aside stream records; %d still fail and stay in %s.\n", replayed, kept, filepath.Join(dataDir, "stream", "set-aside.jsonl"))
	return err
}

// compactStore prunes and compacts the embedded store in dataDir (-compact), keeping
// dedupe markers for the capture's window at least.
func compactStore(dataDir string, dedupeWindow time.Duration) error {
	path := filepath.Join(dataDir, "leads.db") // where localdev.Embedded keeps it
	opts := bolt.DefaultOptions()
	opts.DedupeWindow = max(opts.DedupeWindow, dedupeWindow)
	before, after, err := bolt.CompactFile(path, opts)
	if errors.Is(err, bolt.ErrInUse) {
		return fmt.Errorf("-compact: %s is open in a running server; stop it, then compact", path)
	}
	if err != nil {
		return err
	}
	fmt.Printf("Compacted %s: %.1f MB, now %.1f MB.\n", path, float64(before)/1e6, float64(after)/1e6)
	return nil
}

// defaultConsoleUser is the console's user when LEADGATE_CONSOLE_USERS names none.
const defaultConsoleUser = "you@localhost.test"

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
