package localdev_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"leadgate/shared/capture"
	"leadgate/shared/dynamodbstream"
	"leadgate/shared/followup"
	"leadgate/shared/localdev"
	"leadgate/shared/ses/sestest"
)

// sesOutage is how long SES is down in TestEmulatorModeWaitsOutSESOutage: the
// issue's two minutes, far longer than the retries of SES's client and the poller's
// longest backoff together.
const sesOutage = 120 * time.Second

// emulatorRun is a local server on the AWS adapters, DynamoDB Local and
// aws-ses-v2-local (through sesURL), following the table's stream with its state in
// stateDir, its log in logs.
type emulatorRun struct {
	followupRun
	table    string
	stateDir string
	logs     *lockedLog
	ddb      *awsddb.Client
}

type lockedLog struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startEmulatorRun starts the server with SES at sesURL; the endpoints reach the
// SDK as make dev-aws gives them, through the standard variables.
func startEmulatorRun(t *testing.T, ddbURL, sesURL string) *emulatorRun {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", ddbURL)
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", ddbURL)
	t.Setenv("AWS_ENDPOINT_URL_SESV2", sesURL)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	if err != nil {
		t.Fatal(err)
	}
	r := &emulatorRun{
		table:    "leadgate-retry-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", ""),
		stateDir: filepath.Join(t.TempDir(), "stream"),
		logs:     &lockedLog{},
		ddb:      awsddb.NewFromConfig(cfg),
	}
	log := slog.New(slog.NewTextHandler(r.logs, nil))
	backend, err := localdev.AWS(ctx, cfg, localdev.AWSOptions{Table: r.table, StateDir: r.stateDir, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = r.ddb.DeleteTable(context.Background(), &awsddb.DeleteTableInput{TableName: aws.String(r.table)})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fu := followup.DefaultConfig()
	fu.BaseURL, fu.From, fu.SendRate = "http://"+ln.Addr().String(), "hello@example.com", 0
	clock := localdev.NewClock(0)
	srv, err := localdev.OpenOn(ctx, localdev.Config{DataDir: t.TempDir(), Capture: capture.DefaultConfig(), FollowUp: fu, Clock: clock, Log: log}, backend)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler())
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	followed := make(chan struct{})
	go func() { srv.FollowChanges(ctx); close(followed) }()
	t.Cleanup(func() {
		cancel()
		<-followed
		ts.Close()
		srv.Close()
		if t.Failed() {
			t.Logf("server log:\n%s", r.logs)
		}
	})
	r.followupRun = followupRun{srv: srv, ts: ts, clock: clock}
	return r
}

// delivered returns how many delivery emails to each of emails are in the SES
// emulator.
func deliveredTo(t *testing.T, sesURL string, emails ...string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, e := range sestest.Emails(t, sesURL) {
		for _, want := range emails {
			if e.To(want) && strings.HasPrefix(e.Subject, "Your copy of") {
				got[want]++
			}
		}
	}
	return got
}

// waitDelivered waits up to within for one delivery email to each of emails.
func waitDelivered(t *testing.T, sesURL string, within time.Duration, emails ...string) map[string]int {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := deliveredTo(t, sesURL, emails...)
		if len(got) == len(emails) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the emails %v reached the SES emulator, want one to each of %v", within, got, emails)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sesProxy forwards TCP connections to the SES emulator, and can go down (refusing
// connections, as a stopped SES does) and come back on the same address.
type sesProxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newSESProxy(t *testing.T, target string) *sesProxy {
	t.Helper()
	p := &sesProxy{target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *sesProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.forward(c)
		}
	}()
}

func (p *sesProxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(up, c); up.Close() }()
	_, _ = io.Copy(c, up)
	c.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// down closes the listener and every open connection.
func (p *sesProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

func (p *sesProxy) up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

// TestEmulatorModeWaitsOutSESOutage: SES refuses every connection for 2 minutes
// while leads are captured; their records wait in the stream, retried with a
// backoff, and once SES is back each lead gets its one delivery email. Nothing is
// set aside.
func TestEmulatorModeWaitsOutSESOutage(t *testing.T) {
	ddbURL := endpointOrSkip(t, "LEADGATE_DYNAMODB_ENDPOINT", "bash infra/local/dynamodb-local.sh start")
	sesURL := endpointOrSkip(t, "LEADGATE_SES_ENDPOINT", "bash infra/local/ses-local.sh start")
	proxy := newSESProxy(t, strings.TrimPrefix(sesURL, "http://"))
	r := startEmulatorRun(t, ddbURL, "http://"+proxy.addr)

	proxy.down()
	began := time.Now()
	first := "outage-1-" + r.table + "@example.com"
	second := "outage-2-" + r.table + "@example.com"
	r.submit(t, localdev.SampleSlug, first, true)
	time.Sleep(sesOutage / 2)
	r.submit(t, localdev.SampleSlug, second, true)
	time.Sleep(sesOutage - time.Since(began))
	if got := deliveredTo(t, sesURL, first, second); len(got) != 0 {
		t.Fatalf("emails %v went out while SES was down", got)
	}
	proxy.up(t)
	back := time.Now()
	waitDelivered(t, sesURL, 60*time.Second, first, second)
	t.Logf("SES down %s; both emails out %s after it came back", sesOutage, time.Since(back).Round(100*time.Millisecond))
	time.Sleep(2 * time.Second) // a second email would come now
	if got := deliveredTo(t, sesURL, first, second); got[first] != 1 || got[second] != 1 {
		t.Errorf("delivery emails %v, want one to each", got)
	}
	if set, err := dynamodbstream.ReadSetAside(r.stateDir); err != nil || len(set) != 0 {
		t.Errorf("set aside %+v (%v), want nothing", set, err)
	}
	logs := r.logs.String()
	if !strings.Contains(logs, "passing reason") {
		t.Errorf("the retries are not logged:\n%s", logs)
	}
	if strings.Contains(logs, first) || strings.Contains(logs, second) {
		t.Error("the log holds an address")
	}
}

// TestEmulatorModeSetsAsidePoison: a record the stream function cannot decode (a
// submission without its address) is retried, then set aside in the state folder
// with the record to replay it; the lead captured after it gets its email.
func TestEmulatorModeSetsAsidePoison(t *testing.T) {
	ddbURL := endpointOrSkip(t, "LEADGATE_DYNAMODB_ENDPOINT", "bash infra/local/dynamodb-local.sh start")
	sesURL := endpointOrSkip(t, "LEADGATE_SES_ENDPOINT", "bash infra/local/ses-local.sh start")
	r := startEmulatorRun(t, ddbURL, sesURL)

	const personal = "Pat Poison, 12 Secret Lane"
	_, err := r.ddb.PutItem(context.Background(), &awsddb.PutItemInput{TableName: aws.String(r.table), Item: map[string]types.AttributeValue{
		"pk":        &types.AttributeValueMemberS{Value: "LEAD#poison@example.com"},
		"sk":        &types.AttributeValueMemberS{Value: "SUB#2026-03-02T09:30:00Z#poison"},
		"item_type": &types.AttributeValueMemberS{Value: "submission"},
		"id":        &types.AttributeValueMemberS{Value: "poison"},
		"name":      &types.AttributeValueMemberS{Value: personal},
	}})
	if err != nil {
		t.Fatal(err)
	}
	after := "after-poison-" + r.table + "@example.com"
	r.submit(t, localdev.SampleSlug, after, true)
	waitDelivered(t, sesURL, 60*time.Second, after)

	set, err := dynamodbstream.ReadSetAside(r.stateDir)
	if err != nil || len(set) != 1 {
		t.Fatalf("set aside %+v (%v), want the poison record", set, err)
	}
	d := set[0]
	if d.Deliveries != 1+dynamodbstream.DefaultMaxRetries || d.EventName != "INSERT" || d.SequenceNumber == "" ||
		d.Event == nil || len(d.Event.Records) != 1 || d.Event.Records[0].Change.NewImage["name"].String() != personal ||
		!strings.Contains(d.Error, "email or page missing") {
		t.Errorf("set-aside record %+v: want the record, its %d deliveries and why", d, 1+dynamodbstream.DefaultMaxRetries)
	}
	logs := r.logs.String()
	if !strings.Contains(logs, "set aside") || !strings.Contains(logs, d.SequenceNumber) {
		t.Errorf("the set-aside record is not logged by its sequence number:\n%s", logs)
	}
	if strings.Contains(logs, personal) || strings.Contains(logs, after) {
		t.Error("the log holds personal data")
	}

	// Replayed as it is, it fails again and stays.
	ctx := context.Background()
	if replayed, kept, err := r.srv.ReplaySetAside(ctx); err != nil || replayed != 0 || kept != 1 {
		t.Fatalf("replay of the unmended record: %d replayed, %d kept, %v; want it kept", replayed, kept, err)
	}
	// Mended (its address and page added, as a fix of its cause would), it goes through
	// and leaves the file: the lead gets the email of that submission too.
	set, _ = dynamodbstream.ReadSetAside(r.stateDir)
	img := set[0].Event.Records[0].Change.NewImage
	img["email"], img["page"] = events.NewStringAttribute(after), events.NewStringAttribute(localdev.SampleSlug)
	line, err := json.Marshal(set[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.stateDir, dynamodbstream.SetAsideFile), append(line, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	if replayed, kept, err := r.srv.ReplaySetAside(ctx); err != nil || replayed != 1 || kept != 0 {
		t.Fatalf("replay of the mended record: %d replayed, %d kept, %v; want it replayed", replayed, kept, err)
	}
	if got := deliveredTo(t, sesURL, after); got[after] != 2 {
		t.Errorf("%d delivery emails after the replay, want 2: one per submission", got[after])
	}
	if set, _ := dynamodbstream.ReadSetAside(r.stateDir); len(set) != 0 {
		t.Errorf("after the replay %d records are set aside, want none", len(set))
	}
}
