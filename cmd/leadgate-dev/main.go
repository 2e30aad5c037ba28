// Command leadgate-dev runs the whole backend on this machine: every HTTP route on
// the embedded store, with no AWS account and no Docker.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"leadgate/shared/capture"
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
	cfg, err := capture.ConfigFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := localdev.Open(ctx, localdev.Config{DataDir: dataDir, Capture: cfg, Log: log})
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (set LEADGATE_ADDR to use another): %w", addr, err)
	}
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 15 * time.Second}
	go func() {
		if err := srv.FollowChanges(ctx); err != nil {
			log.Error("change feed stopped", "error", err)
		}
	}()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = httpSrv.Shutdown(shutdown)
	}()
	fmt.Printf("\n  Leadgate is running locally. Open http://%s/\n  Data: %s (delete it to start afresh). Stop with Ctrl-C.\n\n", ln.Addr(), dataDir)
	if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
