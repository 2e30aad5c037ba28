package followup_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"leadgate/shared/bolt"
	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
)

// pagedStore counts the pages of due steps asked for; failAt, when set, fails that
// page.
type pagedStore struct {
	*bolt.Store
	mu     sync.Mutex
	pages  int
	failAt int
}

var errPage = errors.New("due steps unavailable")

func (s *pagedStore) DueSteps(ctx context.Context, now time.Time, limit int) ([]leadgate.Step, error) {
	s.mu.Lock()
	s.pages++
	page := s.pages
	s.mu.Unlock()
	if page == s.failAt {
		return nil, errPage
	}
	return s.Store.DueSteps(ctx, now, limit)
}

// dueHarness captures leads who consent, hands their changes on (each gets two
// nurture steps), moves the clock past both, and returns a service on a pagedStore.
func dueHarness(t *testing.T, leads int) (*harness, *pagedStore, *followup.Service) {
	t.Helper()
	h := newHarness(t, singlePage())
	for i := range leads {
		h.handle(t, h.capture(t, singlePage(), fmt.Sprintf("due%02d@example.com", i), true))
	}
	h.advance(10 * 24 * time.Hour)
	store := &pagedStore{Store: h.store}
	cfg := followup.DefaultConfig()
	cfg.BaseURL, cfg.From, cfg.SendRate = "https://api.example.com", "hello@example.com", 0
	svc := followup.New(store, h.mailer, h.key, cfg, h.clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return h, store, svc
}

func TestDispatchDue(t *testing.T) {
	for _, tc := range []struct {
		name      string
		leads     int
		pageSize  int
		failAt    int
		want      followup.RunResult
		wantPages int
		wantErr   error
	}{
		{name: "nothing due", leads: 0, pageSize: 2, want: followup.RunResult{}, wantPages: 1},
		{name: "page after page until none is due", leads: 5, pageSize: 3, want: followup.RunResult{Sent: 10}, wantPages: 5},
		{name: "an error returns the counts so far", leads: 5, pageSize: 2, failAt: 3, want: followup.RunResult{Sent: 4}, wantPages: 3, wantErr: errPage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, store, svc := dueHarness(t, tc.leads)
			store.failAt = tc.failAt
			got, err := svc.DispatchDue(context.Background(), tc.pageSize, time.Minute)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Fatalf("result %+v, want %+v", got, tc.want)
			}
			if store.pages != tc.wantPages {
				t.Fatalf("%d pages asked for, want %d", store.pages, tc.wantPages)
			}
			if sent := len(h.mailer.messages()) - tc.leads; sent != tc.want.Sent {
				t.Fatalf("%d steps sent, want %d", sent, tc.want.Sent)
			}
		})
	}
}

func TestDispatchDueStopsAtAPageLeftDue(t *testing.T) {
	h, store, svc := dueHarness(t, 2)
	h.mailer.fail = func(int, leadgate.Message) error { return leadgate.Unavailable("send", errors.New("throttled")) }
	got, err := svc.DispatchDue(context.Background(), 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// One step per lead is tried; the later one waits for it, to keep the order.
	if want := (followup.RunResult{Retry: 2}); got != want || store.pages != 1 {
		t.Fatalf("result %+v after %d pages, want %+v after 1: the same steps would come again", got, store.pages, want)
	}
}

func TestDispatchDueKeepsTheMarginBeforeTheDeadline(t *testing.T) {
	t.Run("no time for a page", func(t *testing.T) {
		_, store, svc := dueHarness(t, 2)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		got, err := svc.DispatchDue(ctx, 1, 2*time.Minute)
		if err != nil || got != (followup.RunResult{}) || store.pages != 0 {
			t.Fatalf("result %+v, %v after %d pages, want nothing done", got, err, store.pages)
		}
	})
	t.Run("time for one page", func(t *testing.T) {
		h, store, svc := dueHarness(t, 2)
		// Each send takes longer than the time left before the margin: after the
		// first page the run stops, though more is due.
		h.mailer.delay = 400 * time.Millisecond
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour+300*time.Millisecond)
		defer cancel()
		got, err := svc.DispatchDue(ctx, 1, time.Hour)
		if err != nil || got != (followup.RunResult{Sent: 1}) || store.pages != 1 {
			t.Fatalf("result %+v, %v after %d pages, want one step sent after one page", got, err, store.pages)
		}
	})
}
