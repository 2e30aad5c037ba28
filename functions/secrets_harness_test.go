package functions_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"leadgate/shared/testenv"
)

// motoEndpointEnv names moto's endpoint: the bootstraps read the signing secret from
// its Secrets Manager, as they read theirs on AWS.
const motoEndpointEnv = "LEADGATE_MOTO_ENDPOINT"

const motoRemedy = "start moto: bash infra/local/moto.sh install && MOTO_PORT=5000 bash infra/local/moto.sh start, then " + motoEndpointEnv + "=http://127.0.0.1:5000"

var harnessSecrets sync.Map // secret value -> ARN in moto

// motoSecret returns moto's endpoint and the ARN of a secret holding value in the
// template's shape ({"secret": value}), created once per test binary.
func motoSecret(t testing.TB, value string) (endpoint, arn string) {
	t.Helper()
	inner, _ := json.Marshal(map[string]string{"secret": value})
	return motoSecretString(t, string(inner))
}

// motoSecretString returns moto's endpoint and the ARN of a secret whose
// SecretString is value as it is, created once per test binary.
func motoSecretString(t testing.TB, value string) (endpoint, arn string) {
	t.Helper()
	endpoint = testenv.Endpoint(t, motoEndpointEnv, motoRemedy)
	if arn, ok := harnessSecrets.Load(value); ok {
		return endpoint, arn.(string)
	}
	body, _ := json.Marshal(map[string]string{"Name": fmt.Sprintf("leadgate-harness-%d", time.Now().UnixNano()), "SecretString": value})
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager.CreateSecret")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=harness/20260101/"+region+"/secretsmanager/aws4_request, SignedHeaders=host, Signature=0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("moto at %s: %v", endpoint, err)
	}
	defer res.Body.Close()
	var out struct{ ARN string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK || out.ARN == "" {
		t.Fatalf("CreateSecret in moto: %s (%v)", res.Status, err)
	}
	actual, _ := harnessSecrets.LoadOrStore(value, out.ARN)
	return endpoint, actual.(string)
}
