package lambdainit_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"leadgate/shared/lambdainit"
	"leadgate/shared/leadgate"
	"leadgate/shared/signing"
	"leadgate/shared/testenv"
)

const motoRemedy = "start moto: bash infra/local/moto.sh install && MOTO_PORT=5000 bash infra/local/moto.sh start, then LEADGATE_MOTO_ENDPOINT=http://127.0.0.1:5000"

// createSecret stores a secret in moto under a name of the test's own, and returns
// its ARN. moto takes any signature, so the request is not signed.
func createSecret(t testing.TB, endpoint, value string) string {
	t.Helper()
	name := fmt.Sprintf("leadgate-test-%d", time.Now().UnixNano())
	body, _ := json.Marshal(map[string]string{"Name": name, "SecretString": value})
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager.CreateSecret")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ ARN string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 || out.ARN == "" {
		t.Fatalf("CreateSecret: %s (%v)", res.Status, err)
	}
	return out.ARN
}

// lambdaEnv is a function's environment on AWS as the template makes it: the
// secret's ARN, never the secret.
func lambdaEnv(endpoint, arn string) func(string) string {
	return env(map[string]string{
		"SIGNING_SECRET_ARN": arn, "AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoint, "AWS_REGION": "us-east-1",
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "test",
	})
}

// sameKey reports whether a and b are the same key: one verifies the other's token.
func sameKey(a, b *signing.Key) bool {
	_, err := b.VerifyFormToken(a.FormToken("page", time.Now()), "page")
	return err == nil
}

func TestSigningKeyFromSecretsManager(t *testing.T) {
	endpoint := testenv.Endpoint(t, "LEADGATE_MOTO_ENDPOINT", motoRemedy)
	const secret = "a-64-character-secret-as-the-template-generates-it-0123456789abc"
	want, err := signing.NewKey([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the template's JSON secret", func(t *testing.T) {
		arn := createSecret(t, endpoint, `{"secret":"`+secret+`"}`)
		key, err := lambdainit.SigningKey(lambdaEnv(endpoint, arn))
		if err != nil {
			t.Fatal(err)
		}
		if !sameKey(key, want) {
			t.Error("the key read from Secrets Manager is not the secret's")
		}
	})
	t.Run("a plain string", func(t *testing.T) {
		arn := createSecret(t, endpoint, secret)
		key, err := lambdainit.SigningKey(lambdaEnv(endpoint, arn))
		if err != nil || !sameKey(key, want) {
			t.Errorf("plain secret: %v", err)
		}
	})
	t.Run("errors never hold the secret", func(t *testing.T) {
		for name, value := range map[string]string{
			"no secret member": `{"other":"` + secret + `"}`,
			"too short":        `{"secret":"short-` + secret[:4] + `"}`,
		} {
			arn := createSecret(t, endpoint, value)
			_, err := lambdainit.SigningKey(lambdaEnv(endpoint, arn))
			if err == nil {
				t.Errorf("%s: accepted", name)
				continue
			}
			if strings.Contains(err.Error(), secret[:12]) {
				t.Errorf("%s: the error holds the secret: %v", name, err)
			}
		}
	})
	t.Run("an unknown secret", func(t *testing.T) {
		_, err := lambdainit.SigningKey(lambdaEnv(endpoint, "arn:aws:secretsmanager:us-east-1:123456789012:secret:nothing-here-AbCdEf"))
		if err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
			t.Errorf("err %v, want Secrets Manager's ResourceNotFoundException", err)
		}
	})
}

// BenchmarkSigningKeyFromSecretsManager is the init time the secret's read adds (one
// GetSecretValue), against moto on this machine.
func BenchmarkSigningKeyFromSecretsManager(b *testing.B) {
	endpoint := testenv.Endpoint(b, "LEADGATE_MOTO_ENDPOINT", motoRemedy)
	arn := createSecret(b, endpoint, `{"secret":"a-64-character-secret-as-the-template-generates-it-0123456789abc"}`)
	getenv := lambdaEnv(endpoint, arn)
	for b.Loop() {
		if _, err := lambdainit.SigningKey(getenv); err != nil {
			b.Fatal(err)
		}
	}
}

// The captcha secrets come from the secret CAPTCHA_SECRET_ARN names, a JSON object of
// the providers' keys; the environment holds none.
func TestCaptchaSecretsFromSecretsManager(t *testing.T) {
	endpoint := testenv.Endpoint(t, "LEADGATE_MOTO_ENDPOINT", motoRemedy)
	envWith := func(arn string) func(string) string {
		return env(map[string]string{
			"CAPTCHA_SECRET_ARN": arn, "AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoint, "AWS_REGION": "us-east-1",
			"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "test",
		})
	}
	got, err := lambdainit.CaptchaSecrets(envWith(createSecret(t, endpoint, `{"turnstile": "0x4AAA-turnstile-secret", "hcaptcha": ""}`)))
	if err != nil || len(got) != 1 || got[leadgate.CaptchaTurnstile] != "0x4AAA-turnstile-secret" {
		t.Fatalf("secrets %v, %v; want Turnstile's alone (hCaptcha's is empty)", got, err)
	}
	for name, value := range map[string]string{
		"a plain string":    "0x4AAA-turnstile-secret",
		"an unknown member": `{"recaptcha": "x"}`,
	} {
		if _, err := lambdainit.CaptchaSecrets(envWith(createSecret(t, endpoint, value))); err == nil {
			t.Errorf("%s: taken, want an init error", name)
		} else if strings.Contains(err.Error(), "0x4AAA") {
			t.Errorf("%s: the error shows the secret: %v", name, err)
		}
	}
	if _, err := lambdainit.CaptchaSecrets(envWith(strings.Replace(createSecret(t, endpoint, "{}"), "leadgate-test", "leadgate-missing", 1))); err == nil {
		t.Error("a secret that does not exist: taken, want an init error")
	}
	if got, err := lambdainit.CaptchaSecrets(env(map[string]string{"LEADGATE_TURNSTILE_SECRET": "from-env"})); err != nil || len(got) != 0 {
		t.Errorf("without CAPTCHA_SECRET_ARN: %v, %v; want no secrets, the environment's ignored", got, err)
	}
}
