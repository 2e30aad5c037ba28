package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"

	"leadgate/shared/leadgate"
)

// apiFlags are the flags of the commands that talk to the admin API.
type apiFlags struct {
	api, token, tokenFile, region *string
	sigv4                         *bool
}

func adminFlags(fs *flag.FlagSet) apiFlags {
	return apiFlags{
		api:       fs.String("api", envOr("LEADGATE_API", "http://127.0.0.1:8080"), "the API's base URL: the local run, or a stack's ApiUrl output (with -sigv4)"),
		token:     fs.String("token", "", "the local admin token (default: LEADGATE_ADMIN_TOKEN, or the file of -token-file)"),
		tokenFile: fs.String("token-file", filepath.Join(".local", "admin-token"), "the file make dev keeps the local admin token in"),
		sigv4:     fs.Bool("sigv4", false, "sign requests with your AWS credentials (SigV4, service execute-api), for a deployed stack"),
		region:    fs.String("region", "", "with -sigv4: the stack's region (default: from the API's host name, or your AWS configuration)"),
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// adminClient calls the admin API with a bearer token (the local run) or SigV4
// signatures (a deployed stack, whose admin routes use IAM auth).
type adminClient struct {
	base   *url.URL
	http   *http.Client
	token  string
	signer *sigv4Signer
}

func (f apiFlags) client(ctx context.Context) (*adminClient, error) {
	base, err := url.Parse(strings.TrimRight(*f.api, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("-api %q: want the API's base URL, such as http://127.0.0.1:8080", *f.api)
	}
	c := &adminClient{base: base, http: &http.Client{Timeout: time.Minute}}
	if *f.sigv4 {
		awsCfg, err := config.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		region := *f.region
		if region == "" {
			region = regionOf(base.Host)
		}
		if region == "" {
			region = awsCfg.Region
		}
		if region == "" {
			return nil, errors.New("-sigv4: no region: pass -region or set AWS_REGION")
		}
		c.signer = &sigv4Signer{creds: awsCfg.Credentials, region: region, now: time.Now}
		return c, nil
	}
	c.token = *f.token
	if c.token == "" {
		c.token = os.Getenv("LEADGATE_ADMIN_TOKEN")
	}
	if c.token == "" {
		b, err := os.ReadFile(*f.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("no admin token: start make dev (it writes %s), or pass -token; for a deployed stack use -sigv4 (%v)", *f.tokenFile, err)
		}
		c.token = strings.TrimSpace(string(b))
	}
	return c, nil
}

var executeAPIHost = regexp.MustCompile(`^[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$`)

// regionOf returns the region of an execute-api host name, or "".
func regionOf(host string) string {
	if m := executeAPIHost.FindStringSubmatch(host); m != nil {
		return m[1]
	}
	return ""
}

// sigv4Signer signs requests for API Gateway's IAM auth.
type sigv4Signer struct {
	creds  aws.CredentialsProvider
	region string
	now    func() time.Time
}

// sign adds the SigV4 headers (Authorization, X-Amz-Date, and X-Amz-Security-Token
// for temporary credentials) of body to req.
func (s *sigv4Signer) sign(ctx context.Context, req *http.Request, body []byte) error {
	if s.creds == nil {
		return errors.New("-sigv4: no AWS credentials found (set AWS_PROFILE, or run aws configure)")
	}
	creds, err := s.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("-sigv4: AWS credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	return v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", s.region, s.now())
}

// apiError is an answer of the admin API other than 2xx, with its message and
// field errors as the API wrote them.
type apiError struct {
	Method, Path string
	Status       int
	Message      string
	Fields       []leadgate.FieldError
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	return b.String()
}

// stream GETs path with query and copies a 2xx answer's body to w as it comes.
func (c *adminClient) stream(ctx context.Context, path string, query url.Values, w io.Writer) error {
	req, err := c.request(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	req.URL.RawQuery = query.Encode()
	if err := c.authorize(ctx, req, nil); err != nil {
		return err
	}
	client := *c.http
	client.Timeout = 0 // a large export takes as long as it takes; ctx bounds it
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w (is the API at %s running?)", path, err, c.base)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		return c.answerError(http.MethodGet, path, res.StatusCode, data)
	}
	if _, err := io.Copy(w, res.Body); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// request makes a request of path, already escaped (leadgate.AdminPath), under the
// API's base URL.
func (c *adminClient) request(ctx context.Context, method, path string, body []byte) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, method, strings.TrimRight(c.base.String(), "/")+path, bytes.NewReader(body))
}

func (c *adminClient) authorize(ctx context.Context, req *http.Request, body []byte) error {
	if c.signer != nil {
		return c.signer.sign(ctx, req, body)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	return nil
}

// do sends in as JSON (nil: no body) and decodes a 2xx answer into out; it
// returns the status.
func (c *adminClient) do(ctx context.Context, method, path string, in, out any) (int, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return 0, err
		}
	}
	req, err := c.request(ctx, method, path, body)
	if err != nil {
		return 0, err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if err := c.authorize(ctx, req, body); err != nil {
		return 0, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w (is the API at %s running?)", method, path, err, c.base)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return res.StatusCode, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if res.StatusCode/100 != 2 {
		return res.StatusCode, c.answerError(method, path, res.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return res.StatusCode, fmt.Errorf("%s %s: the answer is not the JSON expected: %w", method, path, err)
		}
	}
	return res.StatusCode, nil
}

// answerError reads an answer other than 2xx into an apiError.
func (c *adminClient) answerError(method, path string, status int, data []byte) error {
	e := &apiError{Method: method, Path: path, Status: status}
	var answer struct {
		Error struct {
			Message string                `json:"message"`
			Fields  []leadgate.FieldError `json:"fields"`
		} `json:"error"`
		Message string `json:"message"` // API Gateway's own answers, such as {"message":"Forbidden"}
	}
	switch {
	case json.Unmarshal(data, &answer) == nil && answer.Error.Message != "":
		e.Message, e.Fields = answer.Error.Message, answer.Error.Fields
	case answer.Message != "":
		e.Message = answer.Message
	default:
		e.Message = strings.TrimSpace(string(data[:min(len(data), 200)]))
	}
	if status == http.StatusUnauthorized && c.signer == nil {
		e.Message += " (check -token, LEADGATE_ADMIN_TOKEN or -token-file)"
	}
	return e
}
