package s3_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"leadgate/shared/leadgate"
	"leadgate/shared/leadgate/objecttest"
	"leadgate/shared/s3"
	"leadgate/shared/s3url"
	"leadgate/shared/testenv"
)

const endpointEnv = "LEADGATE_MINIO_ENDPOINT"

// The fixed local credentials infra/local/minio.sh starts MinIO with.
const (
	minioUser     = "leadgate"
	minioPassword = "leadgate-local-secret"
)

// endpoint returns the MinIO endpoint, skipping the test without one (and failing it
// under CI, where a missing emulator must not pass unnoticed).
func endpoint(t *testing.T) string {
	t.Helper()
	return testenv.Endpoint(t, endpointEnv, "start MinIO with "+
		"`bash infra/local/minio.sh install && bash infra/local/minio.sh start` "+
		"and run with "+endpointEnv+"=http://127.0.0.1:9900")
}

// newClient builds a client for MinIO: path-style, since bucket host names do not
// resolve to 127.0.0.1.
func newClient(t *testing.T) *awss3.Client {
	t.Helper()
	return awss3.New(awss3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(minioUser, minioPassword, ""),
		BaseEndpoint: aws.String(endpoint(t)),
		UsePathStyle: true,
	})
}

var bucketSeq atomic.Int64

// newBucket creates a bucket of its own for one test and empties and deletes it
// afterwards.
func newBucket(t *testing.T, client *awss3.Client) string {
	t.Helper()
	name := fmt.Sprintf("leadgate-test-%d-%d", time.Now().UnixNano(), bucketSeq.Add(1))
	if _, err := client.CreateBucket(testContext(t), &awss3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket(%s): %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		pages := awss3.NewListObjectsV2Paginator(client, &awss3.ListObjectsV2Input{Bucket: aws.String(name)})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				t.Errorf("ListObjectsV2(%s): %v", name, err)
				return
			}
			var ids []types.ObjectIdentifier
			for _, o := range page.Contents {
				ids = append(ids, types.ObjectIdentifier{Key: o.Key})
			}
			if len(ids) > 0 {
				if _, err := client.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String(name), Delete: &types.Delete{Objects: ids}}); err != nil {
					t.Errorf("DeleteObjects(%s): %v", name, err)
				}
			}
		}
		if _, err := client.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(name)}); err != nil {
			t.Errorf("DeleteBucket(%s): %v", name, err)
		}
	})
	return name
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newHarness(t *testing.T) objecttest.Harness {
	client := newClient(t)
	return objecttest.Harness{
		Store:  s3.New(client, awss3.NewPresignClient(client), newBucket(t, client)),
		Client: &http.Client{Timeout: 30 * time.Second},
		// MinIO runs on the real clock, and so do its presigned URLs.
		Advance: time.Sleep,
	}
}

func TestConformance(t *testing.T) {
	endpoint(t)
	objecttest.RunConformanceTests(t, newHarness)
}

// TestConformanceWithPresigner runs the suite with the URLs signed by s3.Presigner,
// as the download and admin functions sign them, and checked by MinIO.
func TestConformanceWithPresigner(t *testing.T) {
	endpoint(t)
	objecttest.RunConformanceTests(t, func(t *testing.T) objecttest.Harness {
		client := newClient(t)
		p, err := s3.NewPresigner(aws.Config{
			Region:       "us-east-1",
			Credentials:  credentials.NewStaticCredentialsProvider(minioUser, minioPassword, ""),
			BaseEndpoint: aws.String(endpoint(t)),
		}, s3.PresignerOptions{UsePathStyle: true})
		if err != nil {
			t.Fatal(err)
		}
		return objecttest.Harness{
			Store:   s3.New(client, p, newBucket(t, client)),
			Client:  &http.Client{Timeout: 30 * time.Second},
			Advance: time.Sleep,
		}
	})
}

// TestConformanceOfURLStore runs the suite on s3url.Store, the store of the
// functions that only hand out links, with Put lent by an SDK client so that the
// suite can put its objects: its URLs and HEADs are checked by MinIO.
func TestConformanceOfURLStore(t *testing.T) {
	endpoint(t)
	objecttest.RunConformanceTests(t, func(t *testing.T) objecttest.Harness {
		client := newClient(t)
		p, err := s3.NewPresigner(aws.Config{
			Region:       "us-east-1",
			Credentials:  credentials.NewStaticCredentialsProvider(minioUser, minioPassword, ""),
			BaseEndpoint: aws.String(endpoint(t)),
		}, s3.PresignerOptions{UsePathStyle: true})
		if err != nil {
			t.Fatal(err)
		}
		bucket := newBucket(t, client)
		return objecttest.Harness{
			Store:   s3url.New(p.URLs(), bucket).WithPut(s3.New(client, p, bucket).Put),
			Client:  &http.Client{Timeout: 30 * time.Second},
			Advance: time.Sleep,
		}
	})
}

// TestDeploymentErrors checks the mapping of MinIO's real answers to a missing bucket
// and to refused credentials: faults to log with the bucket, not to retry.
func TestDeploymentErrors(t *testing.T) {
	client := newClient(t)
	missing := s3.New(client, awss3.NewPresignClient(client), "leadgate-test-no-such-bucket")
	err := missing.Put(testContext(t), "magnets/guide.txt", strings.NewReader("x"), 1, "text/plain")
	if leadgate.ErrorCode(err) != leadgate.EINTERNAL || !strings.Contains(err.Error(), "the bucket does not exist") ||
		!strings.Contains(err.Error(), "leadgate-test-no-such-bucket") {
		t.Errorf("missing bucket: %v, want EINTERNAL saying the bucket does not exist", err)
	}

	bucket := newBucket(t, client)
	wrong := awss3.New(awss3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(minioUser, "not-the-password", ""),
		BaseEndpoint: aws.String(endpoint(t)),
		UsePathStyle: true,
	})
	err = s3.New(wrong, awss3.NewPresignClient(wrong), bucket).Put(testContext(t), "magnets/guide.txt", strings.NewReader("x"), 1, "text/plain")
	if leadgate.ErrorCode(err) != leadgate.EINTERNAL || !strings.Contains(err.Error(), "signature was refused") {
		t.Errorf("wrong secret: %v, want EINTERNAL saying the signature was refused", err)
	}
}
