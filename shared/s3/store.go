// Package s3 keeps the lead magnets' files in an S3 bucket and mints presigned GET
// URLs to them (and presigned PUTs for uploads): the leadgate.ObjectStore of the AWS
// deployment. It takes SDK clients built by the caller, or presigns with SigV4 itself
// (Presigner), and never loads configuration.
package s3

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"leadgate/shared/leadgate"
	"leadgate/shared/s3url"
)

// API is the part of *s3.Client the store uses.
type API interface {
	PutObject(ctx context.Context, in *awss3.PutObjectInput, optFns ...func(*awss3.Options)) (*awss3.PutObjectOutput, error)
}

// PresignAPI is the part of *s3.PresignClient (s3.NewPresignClient) the store uses.
type PresignAPI interface {
	PresignGetObject(ctx context.Context, in *awss3.GetObjectInput, optFns ...func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
	PresignPutObject(ctx context.Context, in *awss3.PutObjectInput, optFns ...func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
	PresignHeadObject(ctx context.Context, in *awss3.HeadObjectInput, optFns ...func(*awss3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// Store is a leadgate.ObjectStore on one S3 bucket.
type Store struct {
	client    API
	presigner PresignAPI
	bucket    string
}

var _ leadgate.ObjectStore = (*Store)(nil)

// New returns a store on bucket. A URL it mints lives at most as long as the
// credentials presigner signs with: a Lambda role's session lasts hours, which is why
// emails link to the download route and a URL is minted per click.
//
// A function that only mints URLs passes a nil client and a Presigner (NewPresigner),
// and so links no S3 client; Put then fails as an internal error.
func New(client API, presigner PresignAPI, bucket string) *Store {
	return &Store{client: client, presigner: presigner, bucket: bucket}
}

// Put stores size bytes from body at key.
func (s *Store) Put(ctx context.Context, key string, body io.Reader, size int64, contentType string) error {
	if err := leadgate.CheckPut(key, size, contentType); err != nil {
		return err
	}
	if s.client == nil {
		return leadgate.Internal("put object "+key+" in bucket "+s.bucket, errors.New("the store was built without an S3 client: it only mints URLs"))
	}
	var opts []func(*awss3.Options)
	if _, ok := body.(io.Seeker); !ok {
		// SigV4 hashes the payload before sending it, which a stream (an upload's
		// request body) cannot be read twice for: sign it as UNSIGNED-PAYLOAD. Over
		// HTTPS the SDK does so by itself; over plain HTTP (an emulator) it would
		// refuse the stream.
		opts = append(opts, awss3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
	}
	_, err := s.client.PutObject(ctx, &awss3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		Body:          body,
		ContentLength: aws.Int64(size),
		ContentType:   aws.String(contentType),
	}, opts...)
	if err != nil {
		return errorFor("put object "+key+" in bucket "+s.bucket, err)
	}
	return nil
}

// DownloadURL presigns a GET of key for ttl whose response carries contentType and an
// attachment Content-Disposition naming fileName. S3 answers a link to a missing
// object with 404 if the signer may list the bucket, and 403 otherwise.
func (s *Store) DownloadURL(ctx context.Context, key, fileName, contentType string, ttl time.Duration) (string, error) {
	disposition, err := leadgate.CheckDownload(key, fileName, contentType, ttl)
	if err != nil {
		return "", err
	}
	req, err := s.presigner.PresignGetObject(ctx, &awss3.GetObjectInput{
		Bucket:                     aws.String(s.bucket),
		Key:                        aws.String(key),
		ResponseContentDisposition: aws.String(disposition),
		ResponseContentType:        aws.String(contentType),
	}, awss3.WithPresignExpires(ttl))
	if err != nil {
		return "", errorFor("presign get object "+key+" in bucket "+s.bucket, err)
	}
	return req.URL, nil
}

// UploadURL presigns a PUT of key for ttl. Content-Type and Content-Length are
// signed headers: a PUT that sends another type or another number of bytes fails
// its signature check, so a browser can upload no more than the size asked for.
// The URL acts with the signer's permissions, so the signer needs s3:PutObject on
// key, and it dies with the signer's session, whatever ttl says.
func (s *Store) UploadURL(ctx context.Context, key, contentType string, size int64, ttl time.Duration) (string, error) {
	if err := leadgate.CheckUpload(key, contentType, size, ttl); err != nil {
		return "", err
	}
	req, err := s.presigner.PresignPutObject(ctx, &awss3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		ContentType:   aws.String(contentType),
		ContentLength: aws.Int64(size),
	}, awss3.WithPresignExpires(ttl))
	if err != nil {
		return "", errorFor("presign put object "+key+" in bucket "+s.bucket, err)
	}
	return req.URL, nil
}

// Stat sends a presigned HEAD of key, with plain net/http rather than the S3
// client, so that a store built with a Presigner alone has it too. The signer
// needs s3:GetObject on key; without s3:ListBucket on the bucket, S3 answers a
// missing object with 403, which Stat cannot tell from a refused one and reports
// as an internal error naming both.
func (s *Store) Stat(ctx context.Context, key string) (leadgate.ObjectInfo, error) {
	if fe := leadgate.CheckObjectKey(key); fe != nil {
		return leadgate.ObjectInfo{}, leadgate.Invalid(*fe)
	}
	op := "head object " + key + " in bucket " + s.bucket
	signed, err := s.presigner.PresignHeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)},
		awss3.WithPresignExpires(time.Minute))
	if err != nil {
		return leadgate.ObjectInfo{}, errorFor("presign "+op, err)
	}
	return s3url.Head(ctx, op, signed.URL, signed.SignedHeader)
}
