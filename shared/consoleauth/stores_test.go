package consoleauth_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"leadgate/shared/bolt"
	"leadgate/shared/consoleauth"
	"leadgate/shared/dynamodb"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
	"leadgate/shared/testenv"
)

// TestSignInOnEveryStore walks through a sign-in on the embedded store and on
// DynamoDB Local (LEADGATE_DYNAMODB_ENDPOINT), so that the service answers alike on
// both.
func TestSignInOnEveryStore(t *testing.T) {
	stores := map[string]func(t *testing.T) consoleauth.Store{
		"embedded": func(t *testing.T) consoleauth.Store {
			s, err := bolt.Open(filepath.Join(t.TempDir(), "leads.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"dynamodb": newDynamoDBStore,
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) { walkThrough(t, newStore(t)) })
	}
}

func walkThrough(t *testing.T, store consoleauth.Store) {
	ctx := context.Background()
	users, err := leadgate.ParseConsoleUsers(users)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.NewKey([]byte(strings.Repeat("c", 32)))
	if err != nil {
		t.Fatal(err)
	}
	clock := &clock{t: t0}
	cfg := consoleauth.DefaultConfig(users)
	cfg.RatePerEmail = 3
	svc := consoleauth.New(store, key, cfg, clock.now)

	if _, ok, err := svc.RequestLink(ctx, "mallory@example.com", "198.51.100.1"); ok || err != nil {
		t.Fatalf("unknown address: %v, %v", ok, err)
	}
	link, ok, err := svc.RequestLink(ctx, "ada@example.com", "198.51.100.1")
	if err != nil || !ok {
		t.Fatalf("RequestLink: %v, %v", ok, err)
	}
	late, _, _ := svc.RequestLink(ctx, "ada@example.com", "198.51.100.1")
	_, _, err = svc.RequestLink(ctx, "ada@example.com", "198.51.100.1")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = svc.RequestLink(ctx, "ada@example.com", "198.51.100.1")
	wantError(t, "fourth request", err, leadgate.ErrSignInRequestsLimited)

	clock.advance(time.Minute)
	laptop, _, err := svc.UseLink(ctx, link.Token)
	if err != nil {
		t.Fatalf("UseLink: %v", err)
	}
	_, _, err = svc.UseLink(ctx, link.Token)
	wantError(t, "second use", err, leadgate.ErrSignInLinkUsed)
	clock.advance(leadgate.SignInLinkTTL)
	_, _, err = svc.UseLink(ctx, late.Token)
	wantError(t, "expired link", err, leadgate.ErrSignInLinkExpired)

	phone, _ := mustSignIn(t, svc, clock)
	if _, err := svc.Session(ctx, laptop); err != nil {
		t.Fatalf("laptop session: %v", err)
	}
	clock.advance(leadgate.SessionIdleTTL - time.Minute)
	if _, err := svc.Session(ctx, laptop); err != nil {
		t.Fatalf("laptop session within the idle time: %v", err)
	}
	clock.advance(leadgate.SessionIdleTTL - time.Minute)
	if _, err := svc.Session(ctx, laptop); err != nil {
		t.Fatalf("laptop session within the moved idle time: %v", err)
	}
	_, err = svc.Session(ctx, phone)
	wantError(t, "phone session left idle", err, leadgate.ErrSessionExpired)

	other, _ := mustSignIn(t, svc, clock)
	if err := svc.SignOutEverywhere(ctx, laptop); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{laptop, other} {
		_, err := svc.Session(ctx, tok)
		wantError(t, "session after signing out everywhere", err, leadgate.ErrSessionRevoked)
	}
}

func mustSignIn(t *testing.T, svc *consoleauth.Service, clock *clock) (string, leadgate.Session) {
	t.Helper()
	clock.advance(time.Hour) // a new rate window
	link, ok, err := svc.RequestLink(context.Background(), "ada@example.com", "198.51.100.1")
	if err != nil || !ok {
		t.Fatalf("RequestLink: %v, %v", ok, err)
	}
	token, ses, err := svc.UseLink(context.Background(), link.Token)
	if err != nil {
		t.Fatalf("UseLink: %v", err)
	}
	return token, ses
}

// newDynamoDBStore returns a store on a table of its own in DynamoDB Local, deleted
// after the test.
func newDynamoDBStore(t *testing.T) consoleauth.Store {
	endpoint := testenv.Endpoint(t, "LEADGATE_DYNAMODB_ENDPOINT",
		"start DynamoDB Local with `bash infra/local/dynamodb-local.sh start` and run with LEADGATE_DYNAMODB_ENDPOINT=http://127.0.0.1:8765")
	client := awsddb.New(awsddb.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	table := fmt.Sprintf("leadgate-consoleauth-%d", time.Now().UnixNano())
	if err := dynamodb.CreateTable(ctx, client, table); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := client.DeleteTable(ctx, &awsddb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			t.Errorf("DeleteTable(%s): %v", table, err)
		}
	})
	return dynamodb.New(client, table)
}
