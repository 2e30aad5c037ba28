package storetest

import (
	"slices"
	"testing"
	"time"

	"leadgate/shared/leadgate"
)

// testMailStats checks the per-day counts of finished sends: each finish counts
// once, on the day it was sent (a failed send on the day of its claim); a lost
// claim's finish and a released claim count nothing; days without sends are left
// out.
func testMailStats(t *testing.T, s leadgate.Store) {
	const lease = time.Minute
	day0, day1 := leadgate.Day(T0), leadgate.Day(T0.Add(24*time.Hour))
	if rows, err := s.MailStats(ctx(t), day0, day1); err != nil || rows == nil || len(rows) != 0 {
		t.Fatalf("mail stats of an empty store: %v %v, want an empty list", rows, err)
	}
	finish := func(email, key string, at time.Time, status leadgate.SendStatus) leadgate.Send {
		t.Helper()
		send, ok, err := s.ClaimSend(ctx(t), email, key, at, lease)
		if err != nil || !ok {
			t.Fatalf("claim %s: %v %v", key, ok, err)
		}
		send.Status = status
		if status == leadgate.SendSent {
			send.SentAt, send.MessageID = at.Add(time.Second), "msg-"+key
		}
		if err := s.FinishSend(ctx(t), send); err != nil {
			t.Fatalf("finish %s: %v", key, err)
		}
		return send
	}
	sent := finish("a@example.com", "delivery#s1", T0, leadgate.SendSent)
	finish("b@example.com", "delivery#s2", T0, leadgate.SendSent)
	finish("b@example.com", "confirm#s2", T0, leadgate.SendFailed)
	finish("a@example.com", "nurture#p#day-2", T0.Add(24*time.Hour), leadgate.SendSent)
	// A redelivered finish of the same claim is refused and counts nothing.
	wantCode(t, "a repeated finish", s.FinishSend(ctx(t), sent), leadgate.ECONFLICT)
	// A released claim is no outcome.
	claim, _, _ := s.ClaimSend(ctx(t), "c@example.com", "delivery#s3", T0, lease)
	if err := s.ReleaseSend(ctx(t), claim); err != nil {
		t.Fatal(err)
	}
	rows, err := s.MailStats(ctx(t), day0, day1)
	if err != nil {
		t.Fatal(err)
	}
	want := []leadgate.MailDayCounts{{Day: day0, Sent: 2, Failed: 1}, {Day: day1, Sent: 1}}
	if !slices.Equal(rows, want) {
		t.Fatalf("mail stats %+v, want %+v", rows, want)
	}
	if rows, err := s.MailStats(ctx(t), day1, day1); err != nil || !slices.Equal(rows, want[1:]) {
		t.Fatalf("mail stats of one day: %+v %v, want %+v", rows, err, want[1:])
	}
}
