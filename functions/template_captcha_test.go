package functions_test

import (
	"strings"
	"testing"
)

// The captcha keys sit in the CaptchaSecret, never in a function's environment or a
// parameter: the capture function, the one that verifies captchas, gets the
// secret's ARN and may read it; no other function may.
func TestCaptchaSecretIsReadNotPassed(t *testing.T) {
	tpl := loadTemplate(t)
	readers := 0
	for _, fn := range tpl.functions(t) {
		for k := range fn.Env {
			if strings.Contains(k, "TURNSTILE") || strings.Contains(k, "HCAPTCHA") {
				t.Errorf("%s: %s puts a captcha key in the environment", fn.ID, k)
			}
		}
		grants := 0
		for _, p := range asList(dig(tpl.resources(), fn.ID, "Properties", "Policies")) {
			for _, st := range asList(dig(p, "Statement")) {
				if dig(st, "Resource") == "${CaptchaSecret}" {
					grants++
				}
			}
		}
		arn, reads := fn.Env["CAPTCHA_SECRET_ARN"]
		switch {
		case fn.ID == "CaptureFunction":
			readers++
			if !reads || arn != "${CaptchaSecret}" || grants != 1 {
				t.Errorf("%s: CAPTCHA_SECRET_ARN=%q with %d grants, want the CaptchaSecret's ARN and GetSecretValue on it", fn.ID, arn, grants)
			}
		case reads || grants > 0:
			t.Errorf("%s verifies no captcha, yet names or may read the captcha secret", fn.ID)
		}
	}
	if readers != 1 {
		t.Error("template.yaml has no CaptureFunction")
	}
	if typ := dig(tpl.resources(), "CaptchaSecret", "Type"); typ != "AWS::SecretsManager::Secret" {
		t.Errorf("CaptchaSecret is %v, want a Secrets Manager secret", typ)
	}
	if _, ok := tpl.raw["Parameters"].(map[string]any)["CaptchaSecretKey"]; ok {
		t.Error("a captcha key is a parameter")
	}
}
