// Package s3url mints presigned S3 URLs with Signature Version 4 itself, and is the
// leadgate.ObjectStore of the functions that only hand out links and check uploads
// (download, admin, console). It imports no S3 client package: service/s3, even
// unused, links its endpoint tables, SigV4a signer and checksum support (about
// 0.25 MB of each arm64 binary), which the Lean Lambdas target of 9 MiB cannot
// spare. shared/s3 wraps it for the SDK's presign interface and adds uploads through
// the S3 client.
package s3url

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// Presigner signs S3 requests into URLs.
type Presigner struct {
	credentials aws.CredentialsProvider
	region      string
	endpoint    *url.URL // nil: the bucket's regional AWS endpoint
	pathStyle   bool
	signer      *v4.Signer
	now         func() time.Time
}

// PresignerOptions are the settings of NewPresigner beyond the AWS configuration.
type PresignerOptions struct {
	// UsePathStyle puts the bucket in the URL's path rather than its host, as
	// s3.Options.UsePathStyle does: an emulator on 127.0.0.1 has no host per bucket.
	UsePathStyle bool
	// Now is the signing clock; nil is time.Now.
	Now func() time.Time
}

// DefaultExpiry is how long a URL lives when Presign is given no expiry, as the
// SDK's presign client.
const DefaultExpiry = 15 * time.Minute

// NewPresigner returns a presigner with the region and credentials of cfg, and the
// endpoint an S3 client of cfg would use: AWS_ENDPOINT_URL_S3 (through
// cfg.ConfigSources, as lambdainit.AWSConfigFrom sets them) or cfg.BaseEndpoint, else
// the regional AWS endpoint. It builds no client and loads no configuration.
func NewPresigner(cfg aws.Config, o PresignerOptions) (*Presigner, error) {
	if cfg.Region == "" {
		return nil, errors.New("S3 presigner: the configuration has no region")
	}
	if cfg.Credentials == nil {
		return nil, errors.New("S3 presigner: the configuration has no credentials")
	}
	p := &Presigner{credentials: cfg.Credentials, region: cfg.Region, pathStyle: o.UsePathStyle, signer: v4.NewSigner(), now: o.Now}
	if p.now == nil {
		p.now = time.Now
	}
	if base := baseEndpoint(cfg); base != "" {
		u, err := url.Parse(base)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("S3 presigner: endpoint %q is not an absolute URL", base)
		}
		p.endpoint = u
	}
	return p, nil
}

// serviceEndpoints is what an S3 client asks of each value of aws.Config.ConfigSources
// for its endpoint (lambdainit's environment overrides have it).
type serviceEndpoints interface {
	GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
}

// baseEndpoint returns the endpoint set for S3 in cfg, as the SDK's client resolves
// it: the service's own first, then the one for every service.
func baseEndpoint(cfg aws.Config) string {
	for _, src := range cfg.ConfigSources {
		if s, ok := src.(serviceEndpoints); ok {
			if u, found, err := s.GetServiceBaseEndpoint(context.Background(), "S3"); err == nil && found {
				return u
			}
		}
	}
	return aws.ToString(cfg.BaseEndpoint)
}

// Request is what Presign signs: a method on key in bucket, with the query
// parameters and headers to sign, and a Content-Length to sign when above 0.
type Request struct {
	Method, Bucket, Key string
	Query               url.Values
	Header              http.Header
	ContentLength       int64
	Expires             time.Duration // 0: DefaultExpiry
}

// Presign signs the request as UNSIGNED-PAYLOAD and returns its URL and the
// headers the sender must send with it.
func (p *Presigner) Presign(ctx context.Context, in Request) (string, http.Header, error) {
	if in.Bucket == "" || in.Key == "" {
		return "", nil, errors.New("presign: bucket and key are required")
	}
	expires := in.Expires
	if expires == 0 {
		expires = DefaultExpiry
	}
	query := url.Values{}
	for k, v := range in.Query {
		query[k] = v
	}
	query.Set("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))

	u := p.objectURL(in.Bucket, in.Key)
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, in.Method, u.String(), nil)
	if err != nil {
		return "", nil, fmt.Errorf("presign %s: %w", in.Method, err)
	}
	// NewRequest parses the URL again: keep the key's strict escaping.
	req.URL.Path, req.URL.RawPath = u.Path, u.RawPath
	for k, v := range in.Header {
		req.Header[k] = v
	}
	// The signer signs a request's ContentLength above 0 as the content-length
	// header.
	req.ContentLength = in.ContentLength
	creds, err := p.credentials.Retrieve(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("presign %s: retrieve credentials: %w", in.Method, err)
	}
	// S3 takes the path as escaped once (the key's own escaping), as the SDK's S3
	// client signs it.
	signed, signedHeader, err := p.signer.PresignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", "s3", p.region, p.now().UTC(),
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		return "", nil, fmt.Errorf("presign %s: %w", in.Method, err)
	}
	return signed, signedHeader, nil
}

// virtualHostable matches the bucket names S3 serves as a host name of their own
// over HTTPS: DNS labels without dots (a dot breaks the wildcard certificate).
func virtualHostable(bucket string) bool {
	ok := func(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }
	if len(bucket) < 3 || len(bucket) > 63 || !ok(bucket[0]) || !ok(bucket[len(bucket)-1]) {
		return false
	}
	for i := 1; i < len(bucket)-1; i++ {
		if !ok(bucket[i]) && bucket[i] != '-' {
			return false
		}
	}
	return true
}

// Origin returns the origin (scheme://host) of the URLs it signs for bucket: where
// a browser sends an upload, for a page's Content-Security-Policy.
func (p *Presigner) Origin(bucket string) string {
	u := p.objectURL(bucket, "x")
	return u.Scheme + "://" + u.Host
}

// objectURL returns the URL of key in bucket: virtual-hosted style where the bucket
// name allows it and path style was not asked for, as the SDK's S3 client does.
func (p *Presigner) objectURL(bucket, key string) *url.URL {
	u := &url.URL{Scheme: "https", Host: "s3." + p.region + "." + dnsSuffix(p.region)}
	if p.endpoint != nil {
		u = &url.URL{Scheme: p.endpoint.Scheme, Host: p.endpoint.Host, Path: strings.TrimSuffix(p.endpoint.Path, "/")}
	}
	prefix := u.Path
	if p.pathStyle || !virtualHostable(bucket) {
		prefix += "/" + bucket
	} else {
		u.Host = bucket + "." + u.Host
	}
	u.Path = prefix + "/" + key
	u.RawPath = httpbinding.EscapePath(prefix, false) + "/" + httpbinding.EscapePath(key, false)
	return u
}

// dnsSuffix returns the domain of AWS's endpoints in region's partition.
func dnsSuffix(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}
