// Tests of the deployment and operations side of template.yaml and samconfig.toml: a
// first deploy has a value for every parameter, and the build is not cached by SAM.
package functions_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// samconfigEnvironments reads samconfig.toml's deploy parameter_overrides by
// environment ("default", "prod"): the file's one quoted string of Key=Value pairs
// each (no TOML library: the file is plain enough). Keys of the build sections come
// back under "<env>.build".
func samconfigEnvironments(t *testing.T) map[string]map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "samconfig.toml"))
	if err != nil {
		t.Fatal(err)
	}
	section := regexp.MustCompile(`^\[([a-z]+)\.([a-z]+)\.parameters\]$`)
	out := map[string]map[string]string{}
	env, cmd := "", ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if m := section.FindStringSubmatch(line); m != nil {
			env, cmd = m[1], m[2]
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") || env == "" {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case cmd == "deploy" && k == "parameter_overrides":
			s, err := strconv.Unquote(v)
			if err != nil {
				t.Fatalf("samconfig.toml [%s.deploy.parameters]: parameter_overrides: %v", env, err)
			}
			params := map[string]string{}
			for _, kv := range overrideFields(s) {
				name, value, _ := strings.Cut(kv, "=")
				params[name] = strings.Trim(value, `"`)
			}
			out[env] = params
		case cmd == "build":
			if out[env+".build"] == nil {
				out[env+".build"] = map[string]string{}
			}
			out[env+".build"][k] = v
		}
	}
	return out
}

// overrideFields splits parameter_overrides at spaces outside double quotes, as
// SAM does: Key="a value with spaces" is one field.
func overrideFields(s string) []string {
	var fields []string
	var b strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			if b.Len() > 0 {
				fields = append(fields, b.String())
				b.Reset()
			}
			continue
		}
		b.WriteRune(r)
	}
	if b.Len() > 0 {
		fields = append(fields, b.String())
	}
	return fields
}

// The first `sam deploy` (and every later one) of each samconfig environment has a
// value for every parameter without a default; --guided offers them as its answers.
func TestSamconfigGivesEveryRequiredParameter(t *testing.T) {
	tpl := loadTemplate(t)
	params, _ := tpl.raw["Parameters"].(map[string]any)
	envs := samconfigEnvironments(t)
	for _, env := range []string{"default", "prod"} {
		overrides, ok := envs[env]
		if !ok {
			t.Errorf("samconfig.toml has no [%s.deploy.parameters] parameter_overrides", env)
			continue
		}
		for name := range overrides {
			if _, ok := params[name]; !ok {
				t.Errorf("samconfig.toml [%s]: %s is not a parameter of template.yaml", env, name)
			}
		}
		for name, p := range params {
			if _, hasDefault := p.(map[string]any)["Default"]; hasDefault {
				continue
			}
			if overrides[name] == "" {
				t.Errorf("samconfig.toml [%s]: no value for %s, which has no default: sam deploy stops", env, name)
			}
		}
	}
	// Every parameter says what it is for, with an example or its default, for the
	// guided deploy's prompts.
	for name, p := range params {
		if d, _ := p.(map[string]any)["Description"].(string); d == "" {
			t.Errorf("template.yaml: parameter %s has no Description", name)
		}
	}
}

// SAM's build cache hashes the whole CodeUri (the repository, emulators and local
// store included) once per function and is never valid; Go's build cache and the
// build-ID check of each function's own binary (checkBuildTarget) are the ones that
// work, in the source tree, so the build sections leave SAM's off.
func TestSamBuildLeavesCachingToGo(t *testing.T) {
	envs := samconfigEnvironments(t)
	for _, env := range []string{"default", "prod"} {
		b := envs[env+".build"]
		if b["cached"] != "false" || b["build_in_source"] != "true" {
			t.Errorf("samconfig.toml [%s.build.parameters] = %v, want cached = false and build_in_source = true", env, b)
		}
	}
}

// The custom domain is optional: its parameters default to empty, and its resources
// exist only under the conditions that need them.
func TestCustomDomainIsOptional(t *testing.T) {
	tpl := loadTemplate(t)
	params, _ := tpl.raw["Parameters"].(map[string]any)
	for _, name := range []string{"DomainName", "CertificateArn", "HostedZoneId", "ApiBasePath"} {
		p, _ := params[name].(map[string]any)
		if d, ok := p["Default"]; !ok || d != "" {
			t.Errorf("parameter %s: Default %v, want an optional parameter (empty default)", name, d)
		}
	}
	conds, _ := tpl.raw["Conditions"].(map[string]any)
	for id, want := range map[string]string{"ApiDomainName": "HasDomain", "ApiDomainMapping": "HasDomain", "ApiDomainRecord": "HasDomainRecord"} {
		res, _ := tpl.resources()[id].(map[string]any)
		if res == nil {
			t.Errorf("template.yaml has no %s", id)
			continue
		}
		if res["Condition"] != want || conds[want] == nil {
			t.Errorf("%s: Condition %v, want %s (declared in Conditions)", id, res["Condition"], want)
		}
	}
	// Every function gets the mapping key, for shared/apigw to take off the path.
	for _, fn := range tpl.functions(t) {
		if _, ok := fn.Env["API_BASE_PATH"]; !ok {
			t.Errorf("%s: no API_BASE_PATH", fn.ID)
		}
	}
}

// apiRoutes returns the HTTP API's routes ("GET /p/{slug}") and the resource each
// reaches: a function's HttpApi events, and the console's AWS::ApiGatewayV2::Route
// resources (by their integration's function).
func apiRoutes(t *testing.T, tpl samTemplate) map[string]string {
	t.Helper()
	routes := map[string]string{}
	for id := range tpl.resources() {
		switch tpl.resourceType(id) {
		case "AWS::Serverless::Function":
			evs, _ := dig(tpl.resources(), id, "Properties", "Events").(map[string]any)
			for name, ev := range evs {
				if dig(ev, "Type") != "HttpApi" {
					continue
				}
				method, _ := dig(ev, "Properties", "Method").(string)
				path, _ := dig(ev, "Properties", "Path").(string)
				if method == "" || path == "" {
					t.Fatalf("%s event %s: no Method or Path", id, name)
				}
				routes[strings.ToUpper(method)+" "+path] = id
			}
		case "AWS::ApiGatewayV2::Route":
			key, _ := dig(tpl.resources(), id, "Properties", "RouteKey").(string)
			target, _ := dig(tpl.resources(), id, "Properties", "Target").(string)
			integ := strings.TrimSuffix(strings.TrimPrefix(target, "integrations/${"), "}")
			uri, _ := dig(tpl.resources(), integ, "Properties", "IntegrationUri").(string)
			routes[key] = strings.TrimSuffix(strings.TrimPrefix(uri, "${"), ".Arn}")
		}
	}
	return routes
}

// Preflights reach the capture function, which answers them with the page's own
// allowed_origins: no API-level CORS answers them first, for every origin at once.
func TestPreflightsReachTheCaptureFunction(t *testing.T) {
	tpl := loadTemplate(t)
	if cors := dig(tpl.resources(), "HttpApi", "Properties", "CorsConfiguration"); cors != nil {
		t.Errorf("HttpApi has a CorsConfiguration %v: API Gateway would answer preflights itself, for every page's origins", cors)
	}
	routes := apiRoutes(t, tpl)
	for _, route := range []string{"OPTIONS /v1/pages/{slug}/leads", "OPTIONS /v1/pages/{slug}/form-token"} {
		if routes[route] != "CaptureFunction" {
			t.Errorf("%s reaches %q, want CaptureFunction", route, routes[route])
		}
	}
}

// Every public GET route has its HEAD twin on the same function: net/http's mux
// answers HEAD wherever it answers GET, and link checkers and mail scanners ask
// with HEAD. The admin API's routes are for leadctl, which never asks with HEAD.
func TestEveryPublicGetRouteAnswersHead(t *testing.T) {
	routes := apiRoutes(t, loadTemplate(t))
	n := 0
	for route, fn := range routes {
		path, ok := strings.CutPrefix(route, "GET ")
		if !ok || strings.HasPrefix(path, "/v1/admin/") {
			continue
		}
		n++
		if routes["HEAD "+path] != fn {
			t.Errorf("%s reaches %s, HEAD %s reaches %q", route, fn, path, routes["HEAD "+path])
		}
	}
	if n < 7 {
		t.Errorf("%d public GET routes found, want the pages, downloads, links, form token and console", n)
	}
}

// alarms returns the template's CloudWatch alarms by logical ID, as plain values.
func alarms(tpl samTemplate) map[string]any {
	out := map[string]any{}
	for id, res := range tpl.resources() {
		if tpl.resourceType(id) == "AWS::CloudWatch::Alarm" {
			out[id] = dig(res, "Properties")
		}
	}
	return out
}

// alarmsTheTopic reports whether an alarm notifies the alarm topic.
func alarmsTheTopic(a any) bool {
	for _, act := range asList(dig(a, "AlarmActions")) {
		if act == "${AlarmTopic}" {
			return true
		}
	}
	return false
}

// hasAlarm reports whether some alarm watches namespace/metric with the dimension
// name=value and notifies the alarm topic.
func hasAlarm(tpl samTemplate, namespace, metric, name, value string) bool {
	for _, a := range alarms(tpl) {
		if dig(a, "Namespace") != namespace || dig(a, "MetricName") != metric || !alarmsTheTopic(a) {
			continue
		}
		for _, d := range asList(dig(a, "Dimensions")) {
			if dig(d, "Name") == name && dig(d, "Value") == value {
				return true
			}
		}
	}
	return false
}

// Every function has its errors and throttles alarmed, every queue its depth, and
// the stream, the API's 5xx and SES's reputation are watched; every alarm goes to
// the topic AlarmEmail subscribes to.
func TestEveryFunctionAndQueueIsAlarmed(t *testing.T) {
	tpl := loadTemplate(t)
	for _, fn := range tpl.functions(t) {
		for _, metric := range []string{"Errors", "Throttles"} {
			if !hasAlarm(tpl, "AWS/Lambda", metric, "FunctionName", "${"+fn.ID+"}") {
				t.Errorf("%s has no %s alarm to AlarmTopic", fn.ID, metric)
			}
		}
	}
	for id := range tpl.resources() {
		if tpl.resourceType(id) == "AWS::SQS::Queue" &&
			!hasAlarm(tpl, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "${"+id+".QueueName}") {
			t.Errorf("queue %s has no depth alarm to AlarmTopic", id)
		}
	}
	if !hasAlarm(tpl, "AWS/Lambda", "IteratorAge", "FunctionName", "${FollowupFunction}") {
		t.Error("no alarm on the follow-up stream's iterator age")
	}
	var ses []string
	for id, a := range alarms(tpl) {
		if !alarmsTheTopic(a) {
			t.Errorf("alarm %s notifies no one", id)
		}
		if dig(a, "Namespace") == "AWS/SES" {
			ses = append(ses, dig(a, "MetricName").(string))
		}
	}
	slices.Sort(ses)
	if !slices.Equal(ses, []string{"Reputation.BounceRate", "Reputation.ComplaintRate"}) {
		t.Errorf("SES alarms on %v, want the bounce and complaint rates", ses)
	}
	if a := alarms(tpl)["Api5xxRateAlarm"]; a == nil || !strings.Contains(fmt.Sprint(a), "5xx") {
		t.Error("no alarm on the API's 5xx rate")
	}
	if sub := tpl.resources()["AlarmEmailSubscription"]; dig(sub, "Condition") != "HasAlarmEmail" {
		t.Error("AlarmEmail subscribes no address (AlarmEmailSubscription under HasAlarmEmail)")
	}
	if tpl.resourceType("Dashboard") != "AWS::CloudWatch::Dashboard" {
		t.Error("no CloudWatch dashboard")
	}
}

// The API's access log holds no token, query string or client address: the route
// template, never the path.
func TestAccessLogsHoldNoPersonalData(t *testing.T) {
	tpl := loadTemplate(t)
	format, _ := dig(tpl.resources(), "HttpApi", "Properties", "AccessLogSettings", "Format").(string)
	var fields map[string]string
	if err := json.Unmarshal([]byte(format), &fields); err != nil {
		t.Fatalf("access log format %q is not JSON: %v", format, err)
	}
	for _, want := range []string{"$context.requestId", "$context.routeKey", "$context.status", "$context.responseLatency"} {
		if !strings.Contains(format, want) {
			t.Errorf("access log lacks %s", want)
		}
	}
	for _, banned := range []string{"$context.path", "$context.identity.sourceIp", "$context.http", "querystring", "$context.identity.userAgent"} {
		if strings.Contains(strings.ToLower(format), strings.ToLower(banned)) {
			t.Errorf("access log has %s", banned)
		}
	}
}

// No event source drops what fails: the stream's failures, the SNS deliveries and
// the schedule's runs each end in a queue, which has its alarm.
func TestNoEventIsDropped(t *testing.T) {
	tpl := loadTemplate(t)
	res := tpl.resources()
	isQueue := func(arn any) bool {
		s, _ := arn.(string)
		id, ok := strings.CutSuffix(strings.TrimPrefix(s, "${"), ".Arn}")
		return ok && tpl.resourceType(id) == "AWS::SQS::Queue"
	}
	stream := dig(res, "FollowupFunction", "Properties", "Events", "TableStream", "Properties", "DestinationConfig", "OnFailure", "Destination")
	if !isQueue(stream) {
		t.Errorf("the stream's failures go to %v, want a queue", stream)
	}
	ses := dig(res, "SesEventsFunction", "Properties")
	if d := dig(ses, "EventInvokeConfig", "DestinationConfig", "OnFailure", "Destination"); !isQueue(d) {
		t.Errorf("ses-events' failed invocations go to %v, want a queue", d)
	}
	if d := dig(ses, "Events", "EmailEvents", "Properties", "RedrivePolicy", "deadLetterTargetArn"); !isQueue(d) {
		t.Errorf("SNS's undeliverable messages go to %v, want a queue", d)
	}
	sched := dig(res, "DispatcherFunction", "Properties", "Events", "EveryMinute", "Properties")
	if dig(sched, "RetryPolicy", "MaximumRetryAttempts") == nil || !isQueue(dig(sched, "DeadLetterConfig", "Arn")) {
		t.Errorf("the dispatcher's schedule: %v, want a retry policy and a dead-letter queue", sched)
	}
	if d := dig(res, "DispatcherFunction", "Properties", "EventInvokeConfig", "DestinationConfig", "OnFailure", "Destination"); !isQueue(d) {
		t.Errorf("the dispatcher's failed runs go to %v, want a queue", d)
	}
}

// No function's configuration holds the signing secret: each that needs it gets the
// secret's ARN, and may read that one secret, nothing else of Secrets Manager.
func TestSigningSecretIsReadNotPassed(t *testing.T) {
	tpl := loadTemplate(t)
	n := 0
	for _, fn := range tpl.functions(t) {
		for k, v := range fn.Env {
			if strings.Contains(v, "resolve:secretsmanager") || strings.Contains(v, "resolve:ssm-secure") || k == "FORM_SIGNING_SECRET" {
				t.Errorf("%s: %s puts a secret in the environment", fn.ID, k)
			}
		}
		arn, reads := fn.Env["SIGNING_SECRET_ARN"]
		var granted []string
		for _, p := range asList(dig(tpl.resources(), fn.ID, "Properties", "Policies")) {
			for _, st := range asList(dig(p, "Statement")) {
				for _, a := range asList(dig(st, "Action")) {
					if s, _ := a.(string); strings.HasPrefix(s, "secretsmanager:") {
						granted = append(granted, fmt.Sprintf("%s on %v", s, dig(st, "Resource")))
					}
				}
			}
		}
		switch {
		case reads:
			n++
			if arn != "${SigningSecret}" {
				t.Errorf("%s: SIGNING_SECRET_ARN=%q, want the SigningSecret's ARN (its Ref)", fn.ID, arn)
			}
			if fn.Env["CAPTCHA_SECRET_ARN"] != "" { // and the captcha keys (TestCaptchaSecretIsReadNotPassed)
				granted = slices.DeleteFunc(granted, func(g string) bool { return g == "secretsmanager:GetSecretValue on ${CaptchaSecret}" })
			}
			if !slices.Equal(granted, []string{"secretsmanager:GetSecretValue on ${SigningSecret}"}) {
				t.Errorf("%s: Secrets Manager grants %v, want GetSecretValue on SigningSecret alone", fn.ID, granted)
			}
		case len(granted) > 0:
			t.Errorf("%s reads no secret, yet may %v", fn.ID, granted)
		}
	}
	if n < 7 {
		t.Errorf("%d functions read the signing secret, want the seven that sign or verify tokens", n)
	}
}

// Every function logs JSON (Lambda's LogFormat: JSON, the keys shared/lambdalog
// writes) into a log group of the stack's, /aws/lambda/<function>, which keeps its
// lines as long as the others: without one, Lambda creates the group itself on the
// first invocation and it keeps every line forever.
func TestEveryFunctionLogsJSONToAGroupWithRetention(t *testing.T) {
	tpl := loadTemplate(t)
	groups := map[string]any{} // LogGroupName: RetentionInDays
	for id := range tpl.resources() {
		if tpl.resourceType(id) != "AWS::Logs::LogGroup" {
			continue
		}
		name, _ := dig(tpl.resources(), id, "Properties", "LogGroupName").(string)
		groups[name] = dig(tpl.resources(), id, "Properties", "RetentionInDays")
	}
	fns := tpl.functions(t)
	if len(fns) < 9 {
		t.Fatalf("%d functions, want the nine", len(fns))
	}
	for _, fn := range fns {
		if fn.LogFormat != "JSON" {
			t.Errorf("%s: LogFormat %q, want JSON (Globals' LoggingConfig)", fn.ID, fn.LogFormat)
		}
		name := "/aws/lambda/${" + fn.ID + "}"
		days, ok := groups[name]
		if !ok {
			t.Errorf("%s has no log group %s: Lambda would make one that keeps its logs forever", fn.ID, name)
			continue
		}
		if fmt.Sprint(days) != "30" {
			t.Errorf("log group %s keeps its lines %v days, want 30 as the others", name, days)
		}
	}
	for name, days := range groups {
		if fmt.Sprint(days) != "30" {
			t.Errorf("log group %s keeps its lines %v days, want 30", name, days)
		}
	}
}
