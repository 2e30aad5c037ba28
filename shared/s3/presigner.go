package s3

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"leadgate/shared/s3url"
)

// Presigner is s3url.Presigner behind the SDK's presign interface (PresignAPI), for
// a Store that has an S3 client too. The functions that only hand out links use
// s3url.Store, and so link no S3 client package at all.
//
// It signs what Store asks for: GET with response-content-disposition and
// response-content-type, PUT with a signed Content-Type. Other input fields are
// refused rather than left out of the signature.
type Presigner struct {
	p *s3url.Presigner
}

var _ PresignAPI = (*Presigner)(nil)

// PresignerOptions are the settings of NewPresigner beyond the AWS configuration.
type PresignerOptions = s3url.PresignerOptions

// NewPresigner returns a presigner as s3url.NewPresigner does.
func NewPresigner(cfg aws.Config, o PresignerOptions) (*Presigner, error) {
	p, err := s3url.NewPresigner(cfg, o)
	if err != nil {
		return nil, err
	}
	return &Presigner{p: p}, nil
}

// URLs returns the presigner it wraps.
func (p *Presigner) URLs() *s3url.Presigner { return p.p }

// Origin returns the origin (scheme://host) of the URLs it signs for bucket.
func (p *Presigner) Origin(bucket string) string { return p.p.Origin(bucket) }

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
	var o awss3.PresignOptions
	for _, fn := range optFns {
		fn(&o)
	}
	signed, signedHeader, err := p.p.Presign(ctx, s3url.Request{Method: method, Bucket: bucket, Key: key, Query: query, Header: header, ContentLength: length, Expires: o.Expires})
	if err != nil {
		return nil, err
	}
	return &v4.PresignedHTTPRequest{URL: signed, Method: method, SignedHeader: signedHeader}, nil
}
