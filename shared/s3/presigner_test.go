package s3_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"leadgate/shared/leadgate"
	"leadgate/shared/s3"
)

// endpointSources is an aws.Config.ConfigSources value with an S3 endpoint, as
// lambdainit.AWSConfigFrom builds from AWS_ENDPOINT_URL_S3.
type endpointSources map[string]string

func (e endpointSources) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	u, ok := e[sdkID]
	return u, ok, nil
}

func presigner(t *testing.T, cfg aws.Config, o s3.PresignerOptions) *s3.Presigner {
	t.Helper()
	p, err := s3.NewPresigner(cfg, o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPresignerMatchesAWSExample signs the example of AWS's documentation of
// query-string authentication ("Authenticating Requests: Using Query Parameters"),
// and must get its signature.
func TestPresignerMatchesAWSExample(t *testing.T) {
	p := presigner(t, aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		BaseEndpoint: aws.String("https://s3.amazonaws.com"),
	}, s3.PresignerOptions{Now: func() time.Time { return time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC) }})
	req, err := p.PresignGetObject(context.Background(), &awss3.GetObjectInput{
		Bucket: aws.String("examplebucket"), Key: aws.String("test.txt"),
	}, awss3.WithPresignExpires(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
		"&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
		"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
		"&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	if req.URL != want || req.Method != "GET" {
		t.Errorf("got %s %s\nwant GET %s", req.Method, req.URL, want)
	}
}

func TestPresignerURLs(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	lambdaCfg := func(region string) aws.Config {
		return aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "session-token")}
	}
	const key = "magnets/2026/Frühjahr a+b&c (final).pdf"
	const escapedKey = "/magnets/2026/Fr%C3%BChjahr%20a%2Bb%26c%20%28final%29.pdf"
	get := &awss3.GetObjectInput{
		Key:                        aws.String(key),
		ResponseContentDisposition: aws.String(`attachment; filename="guide.pdf"`),
		ResponseContentType:        aws.String("application/pdf"),
	}
	for name, c := range map[string]struct {
		cfg                  aws.Config
		opts                 s3.PresignerOptions
		bucket               string
		put                  bool
		wantScheme, wantHost string
		wantPath             string // escaped
		wantQuery            map[string]string
		wantSignedHeaders    string
	}{
		"virtual-hosted GET": {
			cfg: lambdaCfg("eu-west-1"), bucket: "leadgate-magnets",
			wantScheme: "https", wantHost: "leadgate-magnets.s3.eu-west-1.amazonaws.com", wantPath: escapedKey,
			wantQuery: map[string]string{
				"X-Amz-Expires": "300", "X-Amz-Date": "20260102T030405Z", "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
				"X-Amz-Credential": "AKID/20260102/eu-west-1/s3/aws4_request", "X-Amz-Security-Token": "session-token",
				"response-content-disposition": `attachment; filename="guide.pdf"`, "response-content-type": "application/pdf",
			},
			wantSignedHeaders: "host",
		},
		"bucket with dots in the path": {
			cfg: lambdaCfg("eu-west-1"), bucket: "magnets.example.com",
			wantScheme: "https", wantHost: "s3.eu-west-1.amazonaws.com", wantPath: "/magnets.example.com" + escapedKey,
			wantSignedHeaders: "host",
		},
		"China partition": {
			cfg: lambdaCfg("cn-north-1"), bucket: "leadgate-magnets",
			wantScheme: "https", wantHost: "leadgate-magnets.s3.cn-north-1.amazonaws.com.cn", wantPath: escapedKey,
			wantSignedHeaders: "host",
		},
		"endpoint of the S3 override, path style": {
			cfg: func() aws.Config {
				c := lambdaCfg("us-east-1")
				c.BaseEndpoint = aws.String("http://127.0.0.1:1")
				c.ConfigSources = []any{endpointSources{"S3": "http://127.0.0.1:9982"}}
				return c
			}(),
			opts: s3.PresignerOptions{UsePathStyle: true}, bucket: "leadgate-magnets",
			wantScheme: "http", wantHost: "127.0.0.1:9982", wantPath: "/leadgate-magnets" + escapedKey,
			wantSignedHeaders: "host",
		},
		"PUT signs its content type": {
			cfg: lambdaCfg("eu-west-1"), bucket: "leadgate-magnets", put: true,
			wantScheme: "https", wantHost: "leadgate-magnets.s3.eu-west-1.amazonaws.com", wantPath: escapedKey,
			wantQuery:         map[string]string{"X-Amz-Expires": "300"},
			wantSignedHeaders: "content-type;host",
		},
	} {
		t.Run(name, func(t *testing.T) {
			c.opts.Now = now
			p := presigner(t, c.cfg, c.opts)
			var req *v4.PresignedHTTPRequest
			var err error
			if c.put {
				req, err = p.PresignPutObject(context.Background(), &awss3.PutObjectInput{
					Bucket: aws.String(c.bucket), Key: aws.String(key), ContentType: aws.String("application/pdf"),
				}, awss3.WithPresignExpires(5*time.Minute))
			} else {
				in := *get
				in.Bucket = aws.String(c.bucket)
				req, err = p.PresignGetObject(context.Background(), &in, awss3.WithPresignExpires(5*time.Minute))
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.put && req.SignedHeader.Get("Content-Type") != "application/pdf" {
				t.Errorf("signed Content-Type %q, want application/pdf", req.SignedHeader.Get("Content-Type"))
			}
			got := req.URL
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if u.Scheme != c.wantScheme || u.Host != c.wantHost || u.EscapedPath() != c.wantPath {
				t.Errorf("URL %s, want %s://%s%s", got, c.wantScheme, c.wantHost, c.wantPath)
			}
			// The origin a page lets the browser upload to is the URLs'.
			if o := p.Origin(c.bucket); o != c.wantScheme+"://"+c.wantHost {
				t.Errorf("Origin(%q) = %q, want %s://%s", c.bucket, o, c.wantScheme, c.wantHost)
			}
			q := u.Query()
			for k, v := range c.wantQuery {
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
			if q.Get("X-Amz-SignedHeaders") != c.wantSignedHeaders {
				t.Errorf("X-Amz-SignedHeaders = %q, want %q", q.Get("X-Amz-SignedHeaders"), c.wantSignedHeaders)
			}
			if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(q.Get("X-Amz-Signature")) {
				t.Errorf("X-Amz-Signature = %q", q.Get("X-Amz-Signature"))
			}
		})
	}
}

func TestPresignerDefaultsAndRefusals(t *testing.T) {
	p := presigner(t, aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")}, s3.PresignerOptions{})
	ctx := context.Background()
	req, err := p.PresignGetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("b-1"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(req.URL); u.Query().Get("X-Amz-Expires") != "900" || u.Query().Has("X-Amz-Security-Token") {
		t.Errorf("URL %s, want the SDK's default of 900 s and no session token", req.URL)
	}
	if _, err := p.PresignGetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("b-1"), Key: aws.String("k"), Range: aws.String("bytes=0-1")}); err == nil ||
		!strings.Contains(err.Error(), "only Bucket, Key") {
		t.Errorf("a Range it would not sign: %v, want it refused", err)
	}
	if _, err := p.PresignPutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("b-1"), Key: aws.String("k"), ACL: "public-read"}); err == nil {
		t.Error("an ACL it would not sign: no error, want it refused")
	}
	if _, err := s3.NewPresigner(aws.Config{Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}, s3.PresignerOptions{}); err == nil {
		t.Error("NewPresigner without a region: no error")
	}
}

// TestStoreWithoutClient: a store that only mints URLs refuses Put as an internal
// error, and still mints them.
func TestStoreWithoutClient(t *testing.T) {
	p := presigner(t, aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")}, s3.PresignerOptions{})
	store := s3.New(nil, p, "leadgate-magnets")
	err := store.Put(context.Background(), "magnets/guide.pdf", strings.NewReader("x"), 1, "application/pdf")
	if leadgate.ErrorCode(err) != leadgate.EINTERNAL {
		t.Errorf("Put: %v, want EINTERNAL", err)
	}
	u, err := store.DownloadURL(context.Background(), "magnets/guide.pdf", "guide.pdf", "application/pdf", 5*time.Minute)
	if err != nil || !strings.HasPrefix(u, "https://leadgate-magnets.s3.eu-west-1.amazonaws.com/magnets/guide.pdf?") {
		t.Errorf("DownloadURL: %q, %v", u, err)
	}
}
