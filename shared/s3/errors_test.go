package s3_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"leadgate/shared/leadgate"
	"leadgate/shared/s3"
)

// fakeAPI is a hand-written s3.API and s3.PresignAPI: each call goes to its function
// field.
type fakeAPI struct {
	putObject        func(*awss3.PutObjectInput, []func(*awss3.Options)) (*awss3.PutObjectOutput, error)
	presignGetObject func(*awss3.GetObjectInput, []func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
	presignPutObject func(*awss3.PutObjectInput, []func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

var errUnexpectedCall = errors.New("unexpected call")

func (f *fakeAPI) PutObject(_ context.Context, in *awss3.PutObjectInput, opts ...func(*awss3.Options)) (*awss3.PutObjectOutput, error) {
	if f.putObject == nil {
		return nil, errUnexpectedCall
	}
	return f.putObject(in, opts)
}

func (f *fakeAPI) PresignPutObject(_ context.Context, in *awss3.PutObjectInput, opts ...func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	if f.presignPutObject == nil {
		return nil, errUnexpectedCall
	}
	return f.presignPutObject(in, opts)
}

func (f *fakeAPI) PresignHeadObject(context.Context, *awss3.HeadObjectInput, ...func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	return nil, errUnexpectedCall
}

func (f *fakeAPI) PresignGetObject(_ context.Context, in *awss3.GetObjectInput, opts ...func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	if f.presignGetObject == nil {
		return nil, errUnexpectedCall
	}
	return f.presignGetObject(in, opts)
}

// The SDK's real clients satisfy the narrow interfaces.
var (
	_ s3.API        = (*awss3.Client)(nil)
	_ s3.PresignAPI = (*awss3.PresignClient)(nil)
)

// responseError wraps an S3 error answer the way the SDK returns it: an operation
// error around an HTTP response error around the API error.
func responseError(status int, apiErr error) error {
	return &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      apiErr,
		},
		RequestID: "req-1",
	}}
}

func generic(code string) error {
	return &smithy.GenericAPIError{Code: code, Message: "the cause, for logs only"}
}

func TestPutErrors(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		want     leadgate.Code
		contains string
	}{
		{"no such bucket", responseError(404, &types.NoSuchBucket{Message: aws.String("The specified bucket does not exist")}), leadgate.EINTERNAL, "the bucket does not exist"},
		{"access denied", responseError(403, generic("AccessDenied")), leadgate.EINTERNAL, "IAM policy"},
		{"bad key id", responseError(403, generic("InvalidAccessKeyId")), leadgate.EINTERNAL, "access key"},
		{"slow down", responseError(503, generic("SlowDown")), leadgate.EUNAVAILABLE, ""},
		{"throttling without status", generic("Throttling"), leadgate.EUNAVAILABLE, ""},
		{"internal error", responseError(500, generic("InternalError")), leadgate.EUNAVAILABLE, ""},
		{"bad gateway without code", responseError(502, errors.New("unexpected EOF")), leadgate.EUNAVAILABLE, ""},
		{"too many requests", responseError(429, errors.New("too many")), leadgate.EUNAVAILABLE, ""},
		{"connection refused", &smithy.OperationError{ServiceID: "S3", OperationName: "PutObject", Err: &smithyhttp.RequestSendError{Err: errors.New("dial tcp: connection refused")}}, leadgate.EUNAVAILABLE, ""},
		{"deadline", context.DeadlineExceeded, leadgate.EUNAVAILABLE, ""},
		{"too large", responseError(400, generic("EntityTooLarge")), leadgate.ETOOLARGE, ""},
		{"other client error", responseError(400, generic("InvalidArgument")), leadgate.EINTERNAL, ""},
		{"unclassified", errors.New("boom"), leadgate.EINTERNAL, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s3.New(&fakeAPI{putObject: func(*awss3.PutObjectInput, []func(*awss3.Options)) (*awss3.PutObjectOutput, error) {
				return nil, tt.err
			}}, nil, "magnets-bucket")
			err := s.Put(context.Background(), "magnets/guide.pdf", strings.NewReader("x"), 1, "application/pdf")
			if got := leadgate.ErrorCode(err); got != tt.want {
				t.Fatalf("code %q (%v), want %q", got, err, tt.want)
			}
			// Every error names the operation, the key and the bucket, for the logs.
			for _, want := range []string{"put object magnets/guide.pdf in bucket magnets-bucket", tt.contains} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if msg := leadgate.ErrorMessage(err); strings.Contains(msg, "cause") || strings.Contains(msg, "bucket") {
				t.Errorf("user message %q leaks the cause", msg)
			}
		})
	}
}

func TestPutInput(t *testing.T) {
	var got *awss3.PutObjectInput
	var gotOpts int
	s := s3.New(&fakeAPI{putObject: func(in *awss3.PutObjectInput, opts []func(*awss3.Options)) (*awss3.PutObjectOutput, error) {
		got, gotOpts = in, len(opts)
		return &awss3.PutObjectOutput{}, nil
	}}, nil, "magnets-bucket")
	if err := s.Put(context.Background(), "magnets/guide.pdf", strings.NewReader("%PDF"), 4, "application/pdf"); err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Bucket) != "magnets-bucket" || aws.ToString(got.Key) != "magnets/guide.pdf" ||
		aws.ToInt64(got.ContentLength) != 4 || aws.ToString(got.ContentType) != "application/pdf" {
		t.Errorf("PutObject input bucket %q key %q length %d type %q", aws.ToString(got.Bucket), aws.ToString(got.Key), aws.ToInt64(got.ContentLength), aws.ToString(got.ContentType))
	}
	if gotOpts != 0 {
		t.Errorf("a seekable body got %d option(s), want none", gotOpts)
	}
	// A stream is sent unsigned, so that the SDK does not try to read it twice.
	err := s.Put(context.Background(), "magnets/guide.pdf", io.MultiReader(strings.NewReader("%PDF")), 4, "application/pdf")
	if err != nil || gotOpts != 1 {
		t.Errorf("a stream: error %v with %d option(s), want 1 (unsigned payload)", err, gotOpts)
	}
}

func TestDownloadURLInput(t *testing.T) {
	var got *awss3.GetObjectInput
	var opts awss3.PresignOptions
	s := s3.New(nil, &fakeAPI{presignGetObject: func(in *awss3.GetObjectInput, fns []func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
		got = in
		for _, fn := range fns {
			fn(&opts)
		}
		return &v4.PresignedHTTPRequest{URL: "https://magnets-bucket.s3.amazonaws.com/signed", Method: http.MethodGet}, nil
	}}, "magnets-bucket")
	u, err := s.DownloadURL(context.Background(), "magnets/guide.pdf", "Frühjahr Playbook 2026.pdf", "application/pdf", 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if u != "https://magnets-bucket.s3.amazonaws.com/signed" {
		t.Errorf("URL %q, want the presigned one", u)
	}
	wantDisposition := `attachment; filename="Fr_hjahr Playbook 2026.pdf"; filename*=UTF-8''Fr%C3%BChjahr%20Playbook%202026.pdf`
	if aws.ToString(got.Bucket) != "magnets-bucket" || aws.ToString(got.Key) != "magnets/guide.pdf" {
		t.Errorf("presigned bucket %q key %q", aws.ToString(got.Bucket), aws.ToString(got.Key))
	}
	if d := aws.ToString(got.ResponseContentDisposition); d != wantDisposition {
		t.Errorf("ResponseContentDisposition\n got %s\nwant %s", d, wantDisposition)
	}
	if ct := aws.ToString(got.ResponseContentType); ct != "application/pdf" {
		t.Errorf("ResponseContentType %q, want application/pdf", ct)
	}
	if opts.Expires != 5*time.Minute {
		t.Errorf("presigned for %v, want 5m", opts.Expires)
	}
}

func TestPresignError(t *testing.T) {
	s := s3.New(nil, &fakeAPI{presignGetObject: func(*awss3.GetObjectInput, []func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
		return nil, errors.New("failed to retrieve credentials")
	}}, "magnets-bucket")
	_, err := s.DownloadURL(context.Background(), "magnets/guide.pdf", "guide.pdf", "application/pdf", time.Minute)
	if leadgate.ErrorCode(err) != leadgate.EINTERNAL || !strings.Contains(err.Error(), "presign get object magnets/guide.pdf in bucket magnets-bucket") {
		t.Errorf("got %v, want EINTERNAL naming the key and bucket", err)
	}
}

func TestInvalidInputMakesNoCall(t *testing.T) {
	s := s3.New(&fakeAPI{}, &fakeAPI{}, "magnets-bucket")
	ctx := context.Background()
	if err := s.Put(ctx, "../guide.pdf", strings.NewReader("x"), 1, "application/pdf"); leadgate.ErrorCode(err) != leadgate.EINVALID {
		t.Errorf("Put: %v, want EINVALID without a call", err)
	}
	if err := s.Put(ctx, "guide.pdf", strings.NewReader("x"), -1, "application/pdf"); leadgate.ErrorCode(err) != leadgate.EINVALID {
		t.Errorf("Put with negative size: %v, want EINVALID without a call", err)
	}
	if _, err := s.DownloadURL(ctx, "guide.pdf", "a\"b.pdf", "application/pdf", time.Minute); leadgate.ErrorCode(err) != leadgate.EINVALID {
		t.Errorf("DownloadURL: %v, want EINVALID without a call", err)
	}
}
