package lambdainit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
)

// SigningKey reads the secret behind form tokens and link tokens. On AWS the
// template passes SIGNING_SECRET_ARN, and the secret is read from Secrets Manager
// once, at init: a function's configuration then holds no secret, and the container
// keeps the key for its life. Without it (the functions' own tests) the secret is
// FORM_SIGNING_SECRET itself.
func SigningKey(getenv func(string) string) (*signing.Key, error) {
	secret := getenv("FORM_SIGNING_SECRET")
	what := "FORM_SIGNING_SECRET"
	if id := getenv("SIGNING_SECRET_ARN"); id != "" {
		cfg, err := AWSConfigFrom(getenv)
		if err != nil {
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if secret, err = getSecret(ctx, http.DefaultClient, cfg, secretsEndpoint(getenv, cfg.Region), id); err != nil {
			return nil, fmt.Errorf("SIGNING_SECRET_ARN: %w", err)
		}
		what = "the secret of SIGNING_SECRET_ARN"
	}
	key, err := signing.NewKey([]byte(secret))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return key, nil
}

// secretsEndpoint is Secrets Manager's endpoint: AWS_ENDPOINT_URL_SECRETS_MANAGER or
// AWS_ENDPOINT_URL (an emulator), else the region's.
func secretsEndpoint(getenv func(string) string, region string) string {
	if !ignoreEndpoints(getenv) {
		for _, name := range []string{"AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL"} {
			if u := getenv(name); u != "" {
				return strings.TrimRight(u, "/")
			}
		}
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return "https://secretsmanager." + region + "." + suffix
}

// CaptchaSecrets reads the captcha providers' secret keys. On AWS the template passes
// CAPTCHA_SECRET_ARN, a Secrets Manager secret that the operator fills with a JSON
// object, {"turnstile": "<secret key>", "hcaptcha": "<secret key>"} (either may be
// empty or absent), read once, at init, as the signing secret is: the function's
// configuration names the secret and never holds it. Without CAPTCHA_SECRET_ARN
// there are none, and a page with a captcha has its posts refused as unavailable.
func CaptchaSecrets(getenv func(string) string) (map[leadgate.CaptchaProvider]string, error) {
	secrets := map[leadgate.CaptchaProvider]string{}
	id := getenv("CAPTCHA_SECRET_ARN")
	if id == "" {
		return secrets, nil
	}
	cfg, err := AWSConfigFrom(getenv)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	raw, err := getSecretString(ctx, http.DefaultClient, cfg, secretsEndpoint(getenv, cfg.Region), id)
	if err != nil {
		return nil, fmt.Errorf("CAPTCHA_SECRET_ARN: %w", err)
	}
	var keys map[string]string
	if err := json.Unmarshal([]byte(raw), &keys); err != nil {
		return nil, errors.New(`CAPTCHA_SECRET_ARN: the secret is not a JSON object such as {"turnstile": "...", "hcaptcha": "..."}`)
	}
	for name, key := range keys {
		provider := leadgate.CaptchaProvider(name)
		if _, ok := captchaProviders[provider]; !ok {
			return nil, fmt.Errorf("CAPTCHA_SECRET_ARN: the secret names %q, no captcha provider (turnstile, hcaptcha)", name)
		}
		if key = strings.TrimSpace(key); key != "" {
			secrets[provider] = key
		}
	}
	return secrets, nil
}

// captchaProviders are the members a captcha secret may have.
var captchaProviders = map[leadgate.CaptchaProvider]bool{leadgate.CaptchaTurnstile: true, leadgate.CaptchaHCaptcha: true}

// getSecret is the key of a signing secret: the template's secret is a JSON object
// whose "secret" member is the key (GenerateSecretString); a plain string is taken
// whole. Neither the secret nor the answer's body is ever put in an error.
func getSecret(ctx context.Context, client *http.Client, cfg aws.Config, endpoint, id string) (string, error) {
	s, err := getSecretString(ctx, client, cfg, endpoint, id)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(strings.TrimSpace(s), "{") {
		var obj struct {
			Secret string `json:"secret"`
		}
		if err := json.Unmarshal([]byte(s), &obj); err != nil || obj.Secret == "" {
			return "", errors.New(`the secret is a JSON object without a "secret" member`)
		}
		return obj.Secret, nil
	}
	return s, nil
}

// getSecretString is Secrets Manager's GetSecretValue: one signed POST in its JSON
// protocol, written out rather than taken from the SDK's client, which would add a
// client's worth of binary for one call. It returns the SecretString as stored.
// Neither the secret nor the answer's body is ever put in an error.
func getSecretString(ctx context.Context, client *http.Client, cfg aws.Config, endpoint, id string) (string, error) {
	body, _ := json.Marshal(map[string]string{"SecretId": id})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("secrets manager endpoint %q: %w", endpoint, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager.GetSecretValue")
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "secretsmanager", cfg.Region, time.Now()); err != nil {
		return "", fmt.Errorf("sign GetSecretValue: %w", err)
	}
	res, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("GetSecretValue: %w", err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("GetSecretValue: read the answer: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		var e struct {
			Type string `json:"__type"`
		}
		_ = json.Unmarshal(data, &e)
		return "", fmt.Errorf("GetSecretValue of %s: %s %s", id, res.Status, e.Type)
	}
	var out struct {
		SecretString *string `json:"SecretString"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.SecretString == nil {
		return "", errors.New("GetSecretValue: the answer has no SecretString")
	}
	return *out.SecretString, nil
}
