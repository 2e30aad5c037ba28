package s3

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
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// Presigner mints presigned S3 URLs with Signature Version 4 itself: the PresignAPI
// of a function that only hands out links (download, admin), which then builds no S3
// client. The client (s3.NewFromConfig, even for its presign client alone) links its
// endpoint rules, middleware stacks and checksum support: about 1 MiB of each arm64
// binary, which the Lean Lambdas target of 9 MiB cannot spare.
//
// It signs what Store asks for: GET with response-content-disposition and
// response-content-type, PUT with a signed Content-Type. Other input fields are
// refused rather than left out of the signature.
type Presigner struct {
	credentials aws.CredentialsProvider
	region      string
	endpoint    *url.URL // nil: the bucket's regional AWS endpoint
	pathStyle   bool
	signer      *v4.Signer
	now         func() time.Time
}

var _ PresignAPI = (*Presigner)(nil)

// PresignerOptions are the settings of NewPresigner beyond the AWS configuration.
type PresignerOptions struct {
	// UsePathStyle puts the bucket in the URL's path rather than its host, as
	// s3.Options.UsePathStyle does: an emulator on 127.0.0.1 has no host per bucket.
	UsePathStyle bool
	// Now is the signing clock; nil is time.Now.
	Now func() time.Time
}

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

// PresignGetObject presigns a GET of in.Key in in.Bucket, with the response headers
// in.ResponseContentDisposition and in.ResponseContentType, for the expiry the
// options give (awss3.WithPresignExpires; 15 minutes without one, as the SDK's).
func (p *Presigner) PresignGetObject(ctx context.Context, in *awss3.GetObjectInput, optFns ...func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	if in.Range != nil || in.VersionId != nil || in.IfMatch != nil || in.IfNoneMatch != nil || in.PartNumber != nil ||
		in.ResponseCacheControl != nil || in.ResponseContentEncoding != nil || in.ResponseContentLanguage != nil || in.ResponseExpires != nil ||
		in.SSECustomerAlgorithm != nil || in.ChecksumMode != "" || in.ExpectedBucketOwner != nil || in.RequestPayer != "" {
		return nil, errors.New("presign GetObject: only Bucket, Key, ResponseContentDisposition and ResponseContentType are signed")
	}
	query := url.Values{}
	if in.ResponseContentDisposition != nil {
		query.Set("response-content-disposition", *in.ResponseContentDisposition)
	}
	if in.ResponseContentType != nil {
		query.Set("response-content-type", *in.ResponseContentType)
	}
	return p.presign(ctx, http.MethodGet, aws.ToString(in.Bucket), aws.ToString(in.Key), query, nil, 0, optFns)
}

// PresignPutObject presigns a PUT of in.Key in in.Bucket whose Content-Type, when
// in.ContentType is set, and Content-Length, when in.ContentLength is above 0, are
// signed headers: a PUT sending another type or length fails.
func (p *Presigner) PresignPutObject(ctx context.Context, in *awss3.PutObjectInput, optFns ...func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	if in.Body != nil || in.ContentDisposition != nil || in.ContentEncoding != nil || in.ContentMD5 != nil ||
		in.CacheControl != nil || in.Metadata != nil || in.ACL != "" || in.StorageClass != "" || in.ServerSideEncryption != "" ||
		in.ChecksumAlgorithm != "" || in.Tagging != nil || in.ExpectedBucketOwner != nil || in.IfNoneMatch != nil || in.IfMatch != nil {
		return nil, errors.New("presign PutObject: only Bucket, Key, ContentType and ContentLength are signed")
	}
	header := http.Header{}
	if in.ContentType != nil {
		header.Set("Content-Type", *in.ContentType)
	}
	return p.presign(ctx, http.MethodPut, aws.ToString(in.Bucket), aws.ToString(in.Key), nil, header, aws.ToInt64(in.ContentLength), optFns)
}

// PresignHeadObject presigns a HEAD of in.Key in in.Bucket: Store.Stat sends it with
// plain net/http, so a function that only mints links can check an upload too.
func (p *Presigner) PresignHeadObject(ctx context.Context, in *awss3.HeadObjectInput, optFns ...func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	if in.Range != nil || in.VersionId != nil || in.IfMatch != nil || in.IfNoneMatch != nil || in.PartNumber != nil ||
		in.SSECustomerAlgorithm != nil || in.ChecksumMode != "" || in.ExpectedBucketOwner != nil || in.RequestPayer != "" ||
		in.IfModifiedSince != nil || in.IfUnmodifiedSince != nil {
		return nil, errors.New("presign HeadObject: only Bucket and Key are signed")
	}
	return p.presign(ctx, http.MethodHead, aws.ToString(in.Bucket), aws.ToString(in.Key), nil, nil, 0, optFns)
}

// presign signs the request; a length above 0 is signed as its Content-Length.
func (p *Presigner) presign(ctx context.Context, method, bucket, key string, query url.Values, header http.Header, length int64, optFns []func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	if bucket == "" || key == "" {
		return nil, errors.New("presign: bucket and key are required")
	}
	var o awss3.PresignOptions
	for _, fn := range optFns {
		fn(&o)
	}
	expires := o.Expires
	if expires == 0 {
		expires = 15 * time.Minute
	}
	if query == nil {
		query = url.Values{}
	}
	query.Set("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))

	u := p.objectURL(bucket, key)
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("presign %s: %w", method, err)
	}
	// NewRequest parses the URL again: keep the key's strict escaping.
	req.URL.Path, req.URL.RawPath = u.Path, u.RawPath
	for k, v := range header {
		req.Header[k] = v
	}
	// The signer signs a request's ContentLength above 0 as the content-length
	// header.
	req.ContentLength = length
	creds, err := p.credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("presign %s: retrieve credentials: %w", method, err)
	}
	// S3 takes the path as escaped once (the key's own escaping), as the SDK's S3
	// client signs it.
	signed, signedHeader, err := p.signer.PresignHTTP(ctx, creds, req, "UNSIGNED-PAYLOAD", "s3", p.region, p.now().UTC(),
		func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	if err != nil {
		return nil, fmt.Errorf("presign %s: %w", method, err)
	}
	return &v4.PresignedHTTPRequest{URL: signed, Method: method, SignedHeader: signedHeader}, nil
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
