package localdev_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"leadgate/shared/capture"
	"leadgate/shared/followup"
	"leadgate/shared/leadgate"
	"leadgate/shared/localdev"
)

// change is a submission change of the address, numbered seq.
func change(seq uint64, email string) leadgate.Change {
	return leadgate.Change{Seq: seq, Kind: leadgate.SubmissionCreated, Submission: &leadgate.Submission{Email: email}}
}

func TestFollowerHandlesLeadsAtOnceEachInOrder(t *testing.T) {
	var batch []leadgate.Change
	for i := range 30 {
		batch = append(batch, change(uint64(i+1), []string{"a@example.com", "b@example.com", "c@example.com"}[i%3]))
	}
	batch = append(batch, leadgate.Change{Seq: 31, Kind: leadgate.DownloadMade, Download: &leadgate.Download{GrantID: "g"}}) // no address
	var (
		mu            sync.Mutex
		handled       = map[string][]uint64{}
		running, most atomic.Int32
	)
	done, err := localdev.HandleByLead(context.Background(), batch, func(_ context.Context, ch leadgate.Change) error {
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(time.Millisecond)
		email := "none"
		if ch.Submission != nil {
			email = ch.Submission.Email
		}
		mu.Lock()
		handled[email] = append(handled[email], ch.Seq)
		mu.Unlock()
		return nil
	}, 8)
	if done != len(batch) || err != nil {
		t.Fatalf("handled %d of %d: %v", done, len(batch), err)
	}
	for email, seqs := range handled {
		for i := 1; i < len(seqs); i++ {
			if seqs[i] <= seqs[i-1] {
				t.Errorf("%s handled out of order: %v", email, seqs)
			}
		}
	}
	if len(handled["a@example.com"]) != 10 || len(handled["none"]) != 1 {
		t.Errorf("handled %v", handled)
	}
	if most.Load() < 2 {
		t.Errorf("at most %d changes at once, want the leads handled concurrently", most.Load())
	}
}

func TestFollowerStopsALeadAtItsFailedChange(t *testing.T) {
	batch := []leadgate.Change{change(1, "a@example.com"), change(2, "b@example.com"), change(3, "a@example.com"),
		change(4, "b@example.com"), change(5, "a@example.com"), change(6, "b@example.com")}
	errFail := errors.New("failed")
	var (
		mu      sync.Mutex
		handled []uint64
	)
	done, err := localdev.HandleByLead(context.Background(), batch, func(_ context.Context, ch leadgate.Change) error {
		if ch.Seq == 3 {
			return errFail
		}
		mu.Lock()
		handled = append(handled, ch.Seq)
		mu.Unlock()
		return nil
	}, 4)
	// Changes 1 and 2 are handled; 3 failed, so the batch is handled up to it.
	if done != 2 || !errors.Is(err, errFail) {
		t.Fatalf("done %d, err %v; want 2 and the failure", done, err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, seq := range handled {
		if seq == 5 {
			t.Errorf("change 5 of the failed lead was handed on: %v", handled)
		}
	}
	if len(handled) != 4 { // 1, and b's 2, 4 and 6: the other lead goes on
		t.Errorf("handled %v, want 1, 2, 4, 6", handled)
	}
}

// A server killed between claiming a send and recording it leaves the claim behind:
// the next start sends the email at once, instead of waiting for the claim's lease
// (followup.ClaimLease, a minute).
func TestRestartAfterACrashSendsAtOnce(t *testing.T) {
	dir := t.TempDir()
	open := func() (*localdev.Server, *httptest.Server) {
		fu := followup.DefaultConfig()
		fu.BaseURL, fu.From, fu.SendRate = "http://127.0.0.1", "hello@example.com", 0
		cfg := capture.DefaultConfig()
		cfg.MinFillTime = 0
		srv, err := localdev.Open(context.Background(), localdev.Config{DataDir: dir, Capture: cfg, FollowUp: fu,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return srv, httptest.NewServer(srv.Handler())
	}
	srv, ts := open()
	_, body := get(t, ts.URL+leadgate.FormTokenPath(localdev.SampleSlug))
	var token struct {
		FormToken string `json:"form_token"`
	}
	if err := json.Unmarshal([]byte(body), &token); err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(ts.URL+leadgate.CapturePath(localdev.SampleSlug), "application/json",
		strings.NewReader(`{"email":"crash@example.com","name":"Cora Crash","form_token":"`+token.FormToken+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	var captured struct {
		SubmissionID string `json:"submission_id"`
	}
	err = json.NewDecoder(res.Body).Decode(&captured)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("capture: %d %v", res.StatusCode, err)
	}
	// The follower claims the delivery email, and the process dies before it records
	// the send: no FinishSend, no ReleaseSend, and its feed position not saved.
	if _, ok, err := srv.Store.ClaimSend(context.Background(), "crash@example.com", leadgate.DeliveryKey(captured.SubmissionID), time.Now(), followup.ClaimLease); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	ts.Close()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}

	srv, ts = open()
	defer func() { ts.Close(); srv.Close() }()
	ctx, stop := context.WithCancel(context.Background())
	followed := make(chan struct{})
	go func() { srv.FollowChanges(ctx); close(followed) }()
	defer func() { stop(); <-followed }()
	r := &followupRun{srv: srv, ts: ts}
	r.waitMail(t, "crash@example.com", "Your copy of")
}
