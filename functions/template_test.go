// Tests of template.yaml (read with goformation) against the code and the Makefile:
// the table matches dynamodb.TableDefinition, every function is built the way DESIGN
// says, each function's IAM statements are narrow, the bucket is private, and the
// `sam local` env file gives each function every variable it declares.
package functions_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	cfnddb "github.com/awslabs/goformation/v7/cloudformation/dynamodb"
	"github.com/awslabs/goformation/v7/intrinsics"

	"leadgate/shared/dynamodb"
	"leadgate/shared/localdev"
	"leadgate/shared/signing"
)

// repoRoot is the module root: the tests run in functions/.
const repoRoot = ".."

// samTemplate is template.yaml, typed by goformation and, for the parts its types do
// not hold (mixed policy lists, LoggingConfig), as the same processed JSON, untyped.
//
// Intrinsic functions are resolved the way a reader would: a Ref to a parameter
// becomes its default; a Ref to a resource becomes "${Name}", a GetAtt "${Name.Attr}";
// a Sub keeps its resource variables as written and fills in the parameters'
// defaults. goformation's own handlers would turn resource references into nothing.
type samTemplate struct {
	*cloudformation.Template
	raw map[string]any
}

func loadTemplate(t testing.TB) samTemplate {
	t.Helper()
	path := filepath.Join(repoRoot, "template.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	processed, err := intrinsics.ProcessYAML(data, &intrinsics.ProcessorOptions{
		IntrinsicHandlerOverrides: map[string]intrinsics.IntrinsicHandler{
			"Ref":        keepRef,
			"Fn::GetAtt": keepGetAtt,
			"Fn::Sub":    keepSub,
		},
	})
	if err != nil {
		t.Fatalf("process %s: %v", path, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(processed, &raw); err != nil {
		t.Fatal(err)
	}
	// goformation v7.14.9 cannot read some valid resources (it takes an HttpApi's
	// RouteSettings for one setting, not a map of routes) and then fails the whole
	// template; the typed view leaves those out, the untyped one keeps them.
	typed := maps.Clone(raw)
	resources := maps.Clone(raw["Resources"].(map[string]any))
	for id, res := range resources {
		one, _ := json.Marshal(map[string]any{"Resources": map[string]any{id: res}})
		if _, err := goformation.ParseJSONWithOptions(one, &intrinsics.ProcessorOptions{NoProcess: true}); err != nil {
			delete(resources, id)
		}
	}
	typed["Resources"] = resources
	data, err = json.Marshal(typed)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := goformation.ParseJSONWithOptions(data, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		t.Fatalf("read %s with goformation: %v", path, err)
	}
	return samTemplate{Template: tpl, raw: raw}
}

// parameter returns the template's parameter of that name.
func parameter(template any, name string) (map[string]any, bool) {
	tpl, _ := template.(map[string]any)
	params, _ := tpl["Parameters"].(map[string]any)
	p, ok := params[name].(map[string]any)
	return p, ok
}

func keepRef(_ string, input, template any) any {
	name, _ := input.(string)
	p, ok := parameter(template, name)
	if !ok {
		return "${" + name + "}"
	}
	def, hasDefault := p["Default"]
	typ, _ := p["Type"].(string)
	list := typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<")
	switch {
	case list && hasDefault:
		var items []any
		for item := range strings.SplitSeq(fmt.Sprint(def), ",") {
			items = append(items, strings.TrimSpace(item))
		}
		return items
	case list:
		return []any{}
	case hasDefault:
		return fmt.Sprint(def) // 5, not 5.0: the template's numbers are whole
	default:
		return "${" + name + "}" // no default: left for the reader to notice
	}
}

func keepGetAtt(_ string, input, _ any) any {
	switch v := input.(type) {
	case string:
		return "${" + v + "}"
	case []any:
		parts := make([]string, len(v))
		for i, p := range v {
			parts[i] = fmt.Sprint(p)
		}
		return "${" + strings.Join(parts, ".") + "}"
	}
	return nil
}

var subVariable = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

func keepSub(_ string, input, template any) any {
	var src string
	vars := map[string]any{}
	switch v := input.(type) {
	case string:
		src = v
	case []any:
		if len(v) == 2 {
			src, _ = v[0].(string)
			vars, _ = v[1].(map[string]any)
		}
	}
	return subVariable.ReplaceAllStringFunc(src, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := vars[name].(string); ok {
			return v
		}
		if p, ok := parameter(template, name); ok {
			if def, ok := p["Default"]; ok {
				return fmt.Sprint(def)
			}
		}
		return m
	})
}

// lambdaFunction is an AWS::Serverless::Function with the Globals merged in, the
// way SAM merges them: the function's scalars win, maps merge, lists add up.
type lambdaFunction struct {
	ID            string
	Runtime       string
	Architectures []string
	Handler       string
	CodeURI       string
	MemorySize    int
	Timeout       int
	BuildMethod   string
	LogFormat     string
	Env           map[string]string
}

// functions returns the template's functions, sorted by logical ID.
func (tpl samTemplate) functions(t testing.TB) []lambdaFunction {
	t.Helper()
	global, _ := tpl.GetServerlessGlobalFunction() // nil without Globals.Function
	var out []lambdaFunction
	for id, fn := range tpl.GetAllServerlessFunctionResources() {
		f := lambdaFunction{ID: id, MemorySize: 128, Timeout: 3, Env: map[string]string{}}
		if global != nil {
			f.Runtime = aws.ToString(global.Runtime)
			f.Handler = aws.ToString(global.Handler)
			if global.CodeUri != nil {
				f.CodeURI = aws.ToString(global.CodeUri.String)
			}
			if global.MemorySize != nil {
				f.MemorySize = *global.MemorySize
			}
			if global.Timeout != nil {
				f.Timeout = *global.Timeout
			}
			if global.Architectures != nil {
				f.Architectures = append(f.Architectures, *global.Architectures...)
			}
			if global.Environment != nil {
				maps.Copy(f.Env, global.Environment.Variables)
			}
		}
		if fn.Runtime != nil {
			f.Runtime = *fn.Runtime
		}
		if fn.Handler != nil {
			f.Handler = *fn.Handler
		}
		if fn.CodeUri != nil && fn.CodeUri.String != nil {
			f.CodeURI = *fn.CodeUri.String
		}
		if fn.MemorySize != nil {
			f.MemorySize = *fn.MemorySize
		}
		if fn.Timeout != nil {
			f.Timeout = *fn.Timeout
		}
		f.Architectures = append(f.Architectures, fn.Architectures...)
		if len(f.Architectures) == 0 {
			f.Architectures = []string{"x86_64"} // Lambda's default
		}
		if fn.Environment != nil {
			maps.Copy(f.Env, fn.Environment.Variables)
		}
		f.BuildMethod, _ = fn.AWSCloudFormationMetadata["BuildMethod"].(string)
		f.LogFormat = "Text"
		for _, props := range []any{dig(tpl.raw, "Globals", "Function"), dig(tpl.raw, "Resources", id, "Properties")} {
			if v, ok := dig(props, "LoggingConfig", "LogFormat").(string); ok {
				f.LogFormat = v
			}
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	for id := range tpl.raw["Resources"].(map[string]any) {
		if tpl.resourceType(id) == "AWS::Serverless::Function" && !slices.ContainsFunc(out, func(f lambdaFunction) bool { return f.ID == id }) {
			t.Fatalf("goformation cannot read function %s of template.yaml", id)
		}
	}
	if len(out) == 0 {
		t.Fatal("template.yaml has no AWS::Serverless::Function")
	}
	return out
}

// dig walks nested maps of the untyped template.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// resourceType returns the Type of the template resource with that logical ID.
func (tpl samTemplate) resourceType(id string) string {
	typ, _ := dig(tpl.raw, "Resources", id, "Type").(string)
	return typ
}

func TestTableMatchesTableDefinition(t *testing.T) {
	tpl := loadTemplate(t)
	tables := tpl.GetAllDynamoDBTableResources()
	if len(tables) != 1 {
		t.Fatalf("%d DynamoDB tables in template.yaml, want the one table", len(tables))
	}
	var got *cfnddb.Table
	for _, table := range tables {
		got = table
	}
	want := dynamodb.TableDefinition("any")

	t.Run("key schema", func(t *testing.T) {
		var gotKeys, wantKeys []string
		for _, k := range got.KeySchema {
			gotKeys = append(gotKeys, k.AttributeName+" "+k.KeyType)
		}
		for _, k := range want.KeySchema {
			wantKeys = append(wantKeys, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
		}
		if !slices.Equal(gotKeys, wantKeys) {
			t.Errorf("template %v, TableDefinition %v", gotKeys, wantKeys)
		}
	})
	t.Run("attribute definitions", func(t *testing.T) {
		var gotAttrs, wantAttrs []string
		for _, a := range got.AttributeDefinitions {
			gotAttrs = append(gotAttrs, a.AttributeName+" "+a.AttributeType)
		}
		for _, a := range want.AttributeDefinitions {
			wantAttrs = append(wantAttrs, aws.ToString(a.AttributeName)+" "+string(a.AttributeType))
		}
		slices.Sort(gotAttrs)
		slices.Sort(wantAttrs)
		if !slices.Equal(gotAttrs, wantAttrs) {
			t.Errorf("template %v, TableDefinition %v", gotAttrs, wantAttrs)
		}
	})
	t.Run("global secondary indexes", func(t *testing.T) {
		index := func(name string, keys []string, projection string, nonKey []string) string {
			sorted := slices.Clone(nonKey)
			slices.Sort(sorted)
			return fmt.Sprintf("%s keys=%v projection=%s nonkey=%v", name, keys, projection, sorted)
		}
		var gotGSIs, wantGSIs []string
		for _, g := range got.GlobalSecondaryIndexes {
			var keys []string
			for _, k := range g.KeySchema {
				keys = append(keys, k.AttributeName+" "+k.KeyType)
			}
			projection, nonKey := "", []string(nil)
			if g.Projection != nil {
				projection, nonKey = aws.ToString(g.Projection.ProjectionType), g.Projection.NonKeyAttributes
			}
			gotGSIs = append(gotGSIs, index(g.IndexName, keys, projection, nonKey))
		}
		for _, g := range want.GlobalSecondaryIndexes {
			var keys []string
			for _, k := range g.KeySchema {
				keys = append(keys, aws.ToString(k.AttributeName)+" "+string(k.KeyType))
			}
			projection, nonKey := "", []string(nil)
			if g.Projection != nil {
				projection, nonKey = string(g.Projection.ProjectionType), g.Projection.NonKeyAttributes
			}
			wantGSIs = append(wantGSIs, index(aws.ToString(g.IndexName), keys, projection, nonKey))
		}
		slices.Sort(gotGSIs)
		slices.Sort(wantGSIs)
		if !slices.Equal(gotGSIs, wantGSIs) {
			t.Errorf("template\n\t%s\nTableDefinition\n\t%s", strings.Join(gotGSIs, "\n\t"), strings.Join(wantGSIs, "\n\t"))
		}
		if len(got.LocalSecondaryIndexes) != len(want.LocalSecondaryIndexes) {
			t.Errorf("template has %d local secondary indexes, TableDefinition %d", len(got.LocalSecondaryIndexes), len(want.LocalSecondaryIndexes))
		}
	})
	t.Run("stream", func(t *testing.T) {
		wantOn := want.StreamSpecification != nil && aws.ToBool(want.StreamSpecification.StreamEnabled)
		switch {
		case !wantOn && got.StreamSpecification != nil:
			t.Errorf("template streams %s, TableDefinition has no stream", got.StreamSpecification.StreamViewType)
		case wantOn && got.StreamSpecification == nil:
			t.Errorf("template has no stream, TableDefinition streams %s", want.StreamSpecification.StreamViewType)
		case wantOn && got.StreamSpecification.StreamViewType != string(want.StreamSpecification.StreamViewType):
			t.Errorf("stream view type: template %s, TableDefinition %s", got.StreamSpecification.StreamViewType, want.StreamSpecification.StreamViewType)
		}
	})
	t.Run("billing mode", func(t *testing.T) {
		if aws.ToString(got.BillingMode) != string(want.BillingMode) {
			t.Errorf("template %q, TableDefinition %q", aws.ToString(got.BillingMode), want.BillingMode)
		}
		if (got.ProvisionedThroughput != nil) != (want.ProvisionedThroughput != nil) {
			t.Errorf("provisioned throughput: template %v, TableDefinition %v", got.ProvisionedThroughput, want.ProvisionedThroughput)
		}
	})
	// CreateTableInput holds neither TTL nor point-in-time recovery: dynamodb.CreateTable
	// turns TTL on for AttrExpiresAt after creating the table, and DESIGN asks for
	// point-in-time recovery on the deployed table.
	t.Run("time to live", func(t *testing.T) {
		if ttl := got.TimeToLiveSpecification; ttl == nil || !ttl.Enabled || aws.ToString(ttl.AttributeName) != dynamodb.AttrExpiresAt {
			desc := "none"
			if ttl != nil {
				desc = fmt.Sprintf("on %q, enabled %t", aws.ToString(ttl.AttributeName), ttl.Enabled)
			}
			t.Errorf("template TTL %s, want enabled on %s (what dynamodb.CreateTable sets)", desc, dynamodb.AttrExpiresAt)
		}
	})
	t.Run("point-in-time recovery", func(t *testing.T) {
		if p := got.PointInTimeRecoverySpecification; p == nil || !aws.ToBool(p.PointInTimeRecoveryEnabled) {
			t.Error("template leaves point-in-time recovery off, want PointInTimeRecoveryEnabled: true")
		}
	})
	if want.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("TableDefinition billing %q, want on demand (DESIGN)", want.BillingMode)
	}
}

func TestFunctionsAreBuiltForProvidedAL2023OnARM64(t *testing.T) {
	tpl := loadTemplate(t)
	for _, fn := range tpl.functions(t) {
		t.Run(fn.ID, func(t *testing.T) {
			if fn.Runtime != "provided.al2023" {
				t.Errorf("Runtime %q, want provided.al2023", fn.Runtime)
			}
			if !slices.Equal(fn.Architectures, []string{"arm64"}) {
				t.Errorf("Architectures %v (Globals and function together), want [arm64]", fn.Architectures)
			}
			if fn.Handler != "bootstrap" {
				t.Errorf("Handler %q, want bootstrap", fn.Handler)
			}
			if fn.BuildMethod != "makefile" {
				t.Errorf("Metadata.BuildMethod %q, want makefile", fn.BuildMethod)
			}
			if fn.CodeURI != "." {
				t.Errorf("CodeUri %q, want . (the Makefile is at the root)", fn.CodeURI)
			}
			checkBuildTarget(t, fn.ID)
		})
	}
}

// checkBuildTarget checks, with make -n, the commands of the function's
// build-<LogicalId> target.
func checkBuildTarget(t *testing.T, id string) {
	t.Helper()
	const artifacts = "/sam-artifacts-dir"
	cmd := exec.Command("make", "--no-print-directory", "-n", "-C", repoRoot, "build-"+id, "ARTIFACTS_DIR="+artifacts)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build-%s: %v\n%s", id, err, out)
	}
	var build string
	for line := range strings.SplitSeq(string(out), "\n") {
		if regexp.MustCompile(`\sbuild\s`).MatchString(line) {
			build = line
		}
	}
	if build == "" {
		t.Fatalf("the Makefile has no build-%s target that runs go build:\n%s", id, out)
	}
	for _, want := range []struct{ what, pattern string }{
		{"CGO_ENABLED=0", `(^|\s)CGO_ENABLED=0(\s|$)`},
		{"GOOS=linux", `(^|\s)GOOS=linux(\s|$)`},
		{"GOARCH=arm64", `(^|\s)GOARCH=arm64(\s|$)`},
		{"-tags lambda.norpc", `\s-tags[= ]["']?[\w.,]*\blambda\.norpc\b`},
		{`-ldflags "-s -w"`, `\s-ldflags[= ]["'](?:[^"']* )?-s -w(?: [^"']*)?["']`},
		{"-trimpath", `\s-trimpath(\s|$)`},
		{"-o $(ARTIFACTS_DIR)/bootstrap", `\s-o[= ]` + regexp.QuoteMeta(artifacts+"/bootstrap") + `(\s|$)`},
	} {
		if !regexp.MustCompile(want.pattern).MatchString(build) {
			t.Errorf("build-%s lacks %s:\n\t%s", id, want.what, build)
		}
	}
}

func TestFunctionPoliciesAreLeastPrivilege(t *testing.T) {
	tpl := loadTemplate(t)
	for _, fn := range tpl.functions(t) {
		t.Run(fn.ID, func(t *testing.T) {
			props := dig(tpl.raw, "Resources", fn.ID, "Properties")
			if role := dig(props, "Role"); role != nil {
				t.Errorf("Role %v: give the function Policies so SAM builds its role and this test reads them", role)
			}
			var docs []any
			switch p := dig(props, "Policies").(type) {
			case nil:
			case string:
				t.Errorf("Policies: managed policy %q: write out the statements the function needs", p)
			case map[string]any:
				docs = append(docs, p)
			case []any:
				for _, item := range p {
					switch item := item.(type) {
					case string:
						t.Errorf("Policies: managed policy %q: write out the statements the function needs", item)
					case map[string]any:
						if _, ok := item["Statement"]; !ok {
							t.Errorf("Policies: SAM policy template %v: write out the statements it grants, so they can be checked", slices.Sorted(maps.Keys(item)))
							continue
						}
						docs = append(docs, item)
					}
				}
			}
			for _, doc := range docs {
				for _, st := range asList(dig(doc, "Statement")) {
					checkStatement(t, tpl, st)
				}
			}
		})
	}
	// Roles and policies declared as resources get the same rules.
	for id, res := range tpl.raw["Resources"].(map[string]any) {
		props := dig(res, "Properties")
		var docs []any
		switch tpl.resourceType(id) {
		case "AWS::IAM::Role":
			for _, p := range asList(dig(props, "Policies")) {
				docs = append(docs, dig(p, "PolicyDocument"))
			}
			if arns := asList(dig(props, "ManagedPolicyArns")); len(arns) > 0 {
				t.Errorf("%s: managed policies %v: write out the statements the role needs", id, arns)
			}
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy":
			docs = append(docs, dig(props, "PolicyDocument"))
		}
		for _, doc := range docs {
			for _, st := range asList(dig(doc, "Statement")) {
				t.Run(id, func(t *testing.T) { checkStatement(t, tpl, st) })
			}
		}
	}
}

// asList returns v as a list: a single value is a list of one.
func asList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

// checkStatement checks one IAM statement: an Allow names each action (no * at
// all, so neither "*" nor "service:*") on specific ARNs.
func checkStatement(t *testing.T, tpl samTemplate, st any) {
	t.Helper()
	if effect, _ := dig(st, "Effect").(string); effect != "Allow" {
		return // a Deny only narrows
	}
	for _, key := range []string{"NotAction", "NotResource"} {
		if dig(st, key) != nil {
			t.Errorf("statement %v: %s in an Allow grants everything else", st, key)
		}
	}
	actions := asList(dig(st, "Action"))
	if len(actions) == 0 {
		t.Errorf("statement %v has no Action", st)
	}
	for _, a := range actions {
		action, _ := a.(string)
		if action == "" || strings.Contains(action, "*") {
			t.Errorf("action %q: name each action the function uses, without wildcards", a)
		}
	}
	resources := asList(dig(st, "Resource"))
	if len(resources) == 0 {
		t.Errorf("statement %v has no Resource", st)
	}
	for _, r := range resources {
		if why := unspecificResource(tpl, r); why != "" {
			t.Errorf("resource %v of %v: %s", r, actions, why)
		}
	}
}

var (
	resourceAttr  = regexp.MustCompile(`^\$\{([A-Za-z0-9]+)\.Arn\}`)
	pseudoParam   = regexp.MustCompile(`\$\{AWS::[A-Za-z]+\}`)
	wildcardInARN = regexp.MustCompile(`^([A-Za-z0-9-]+[/:])?\*$`)
)

// unspecificResource says why r is not one specific ARN, or returns "".
func unspecificResource(tpl samTemplate, r any) string {
	s, ok := r.(string)
	switch {
	case !ok || s == "":
		return "not an ARN"
	case s == "*":
		return `"*" is every resource of the account: name the ARN`
	}
	if m := resourceAttr.FindStringSubmatch(s); m != nil {
		if tpl.resourceType(m[1]) == "" {
			return "GetAtt of " + m[1] + ", which the template does not declare"
		}
		return "" // a resource of this stack (or its items, "/*", "/index/...")
	}
	// ${AWS::Region} and its kind hold colons of their own.
	parts := strings.SplitN(pseudoParam.ReplaceAllString(s, "pseudo"), ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return "not an ARN (a Ref gives a name; use GetAtt .Arn or arn:${AWS::Partition}:...)"
	}
	if parts[2] == "" || parts[2] == "*" {
		return "ARN of any service"
	}
	if wildcardInARN.MatchString(parts[5]) {
		return "ARN of every " + parts[2] + " resource: name the resource"
	}
	return ""
}

func TestMagnetsBucketIsPrivateEncryptedAndTLSOnly(t *testing.T) {
	tpl := loadTemplate(t)
	buckets := tpl.GetAllS3BucketResources()
	if _, ok := buckets["MagnetsBucket"]; !ok {
		t.Fatal("template.yaml declares no MagnetsBucket")
	}
	policies := tpl.GetAllS3BucketPolicyResources()
	for id, b := range buckets {
		t.Run(id, func(t *testing.T) {
			if pab := b.PublicAccessBlockConfiguration; pab == nil {
				t.Error("no PublicAccessBlockConfiguration, want all four settings true")
			} else {
				for name, on := range map[string]*bool{
					"BlockPublicAcls": pab.BlockPublicAcls, "BlockPublicPolicy": pab.BlockPublicPolicy,
					"IgnorePublicAcls": pab.IgnorePublicAcls, "RestrictPublicBuckets": pab.RestrictPublicBuckets,
				} {
					if !aws.ToBool(on) {
						t.Errorf("PublicAccessBlockConfiguration.%s is not true", name)
					}
				}
			}
			encrypted := false
			if b.BucketEncryption != nil {
				for _, rule := range b.BucketEncryption.ServerSideEncryptionConfiguration {
					if d := rule.ServerSideEncryptionByDefault; d != nil && slices.Contains([]string{"AES256", "aws:kms", "aws:kms:dsse"}, d.SSEAlgorithm) {
						encrypted = true
					}
				}
			}
			if !encrypted {
				t.Errorf("BucketEncryption %+v, want a default SSE algorithm", b.BucketEncryption)
			}
			denied := map[string]bool{"${" + id + ".Arn}": false, "${" + id + ".Arn}/*": false}
			for _, p := range policies {
				if p.Bucket != "${"+id+"}" {
					continue
				}
				for _, st := range asList(dig(p.PolicyDocument, "Statement")) {
					if !deniesInsecureTransport(st) {
						continue
					}
					for _, r := range asList(dig(st, "Resource")) {
						if s, ok := r.(string); ok {
							if _, ok := denied[s]; ok {
								denied[s] = true
							}
						}
					}
				}
			}
			for r, ok := range denied {
				if !ok {
					t.Errorf("no bucket policy statement denies s3:* on %s to everyone when aws:SecureTransport is false", r)
				}
			}
		})
	}
}

// deniesInsecureTransport reports whether st denies every S3 action to everyone
// over plain HTTP.
func deniesInsecureTransport(st any) bool {
	if dig(st, "Effect") != "Deny" {
		return false
	}
	principal := dig(st, "Principal")
	if principal != "*" && dig(principal, "AWS") != "*" {
		return false
	}
	if !slices.ContainsFunc(asList(dig(st, "Action")), func(a any) bool { return a == "s3:*" || a == "*" }) {
		return false
	}
	secure := dig(st, "Condition", "Bool", "aws:SecureTransport")
	return secure == "false" || secure == false
}

// samLocalEnvFile is the --env-vars file for sam local invoke and start-api.
const samLocalEnvFile = "infra/sam-local-env.json"

func TestSAMLocalEnvFileCoversEveryFunction(t *testing.T) {
	tpl := loadTemplate(t)
	data, err := os.ReadFile(filepath.Join(repoRoot, samLocalEnvFile))
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]map[string]string
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatalf("%s: %v (want {\"<LogicalId>\": {\"NAME\": \"value\"}})", samLocalEnvFile, err)
	}
	fns := tpl.functions(t)
	ids := map[string]bool{}
	for _, fn := range fns {
		ids[fn.ID] = true
	}
	for id := range file {
		if !ids[id] && id != "Parameters" {
			t.Errorf("%s sets variables for %s, which template.yaml does not declare", samLocalEnvFile, id)
		}
	}
	tokens := eventFormTokens(t)
	for _, fn := range fns {
		t.Run(fn.ID, func(t *testing.T) {
			vars, ok := file[fn.ID]
			if !ok {
				t.Fatalf("%s has no entry for %s", samLocalEnvFile, fn.ID)
			}
			for name := range fn.Env {
				if _, ok := vars[name]; !ok {
					t.Errorf("%s does not set %s, which template.yaml gives %s", samLocalEnvFile, name, fn.ID)
				}
			}
			var ignored []string
			for name := range vars {
				if _, ok := fn.Env[name]; !ok {
					ignored = append(ignored, name)
				}
			}
			if len(ignored) > 0 {
				slices.Sort(ignored)
				// sam local applies only the variables the template declares.
				t.Errorf("sam local would ignore %v for %s: template.yaml must declare them (an empty value will do)", ignored, fn.ID)
			}
			if ep, ok := vars["AWS_ENDPOINT_URL_DYNAMODB"]; ok {
				u, err := url.Parse(ep)
				if err != nil || u.Hostname() != "host.docker.internal" {
					t.Errorf("AWS_ENDPOINT_URL_DYNAMODB=%q: inside the function's container the host is host.docker.internal", ep)
				}
			}
			// Functions that verify form tokens must accept the events' old ones.
			if _, ok := fn.Env["FORM_TOKEN_MAX_AGE"]; ok {
				checkLocalSecret(t, vars, tokens)
			}
		})
	}
}

// checkLocalSecret checks that the env file's secret is a local fake that verifies
// the events' form tokens, and that FORM_TOKEN_MAX_AGE outlasts them by a year.
func checkLocalSecret(t *testing.T, vars map[string]string, tokens []string) {
	t.Helper()
	secret := vars["FORM_SIGNING_SECRET"]
	key, err := signing.NewKey([]byte(secret))
	if err != nil {
		t.Fatalf("FORM_SIGNING_SECRET: %v", err)
	}
	if !strings.Contains(secret, "never-used-in-a-deployment") {
		t.Errorf("FORM_SIGNING_SECRET %q should say it is a local fake", secret)
	}
	maxAge, err := time.ParseDuration(vars["FORM_TOKEN_MAX_AGE"])
	if err != nil {
		t.Fatalf("FORM_TOKEN_MAX_AGE=%q: %v", vars["FORM_TOKEN_MAX_AGE"], err)
	}
	for _, tok := range tokens {
		rendered, err := key.VerifyFormToken(tok, localdev.SampleSlug)
		if err != nil {
			t.Errorf("the events' form token %s does not verify with the file's secret: %v", tok, err)
			continue
		}
		if age := time.Since(rendered); maxAge < age+365*24*time.Hour {
			t.Errorf("FORM_TOKEN_MAX_AGE=%s: the events' tokens are %s old; give them at least a year more", maxAge, age.Round(time.Hour))
		}
	}
}

// eventFormTokens returns the form tokens the events/capture-*.json files carry.
func eventFormTokens(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot, "events", "capture-*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Body            string `json:"body"`
			IsBase64Encoded bool   `json:"isBase64Encoded"`
		}
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		body := ev.Body
		if ev.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(body)
			if err != nil {
				t.Fatalf("%s: body: %v", f, err)
			}
			body = string(b)
		}
		var fields struct {
			FormToken string `json:"form_token"`
		}
		if json.Unmarshal([]byte(body), &fields) != nil {
			if form, err := url.ParseQuery(body); err == nil {
				fields.FormToken = form.Get("form_token")
			}
		}
		if ms, _, ok := strings.Cut(fields.FormToken, "."); ok {
			if _, err := strconv.ParseInt(ms, 10, 64); err == nil {
				tokens = append(tokens, fields.FormToken)
			}
		}
	}
	if len(tokens) == 0 {
		t.Fatal("no form tokens in events/capture-*.json")
	}
	slices.Sort(tokens)
	return slices.Compact(tokens)
}

// adminFunction is the one function that serves the admin API.
const adminFunction = "AdminFunction"

// TestAdminRoutesUseIAMAuth checks that every HTTP API route under /v1/admin/ has
// AWS_IAM auth and belongs to the admin function, that the admin function serves
// nothing else, and that no other route could reach /v1/admin/ (a greedy path or
// $default). The admin handler trusts API Gateway's check: it has no token of its
// own on AWS.
func TestAdminRoutesUseIAMAuth(t *testing.T) {
	tpl := loadTemplate(t)
	if on := dig(tpl.raw, "Resources", "HttpApi", "Properties", "Auth", "EnableIamAuthorizer"); on != true {
		t.Errorf("HttpApi Auth.EnableIamAuthorizer is %v, want true (AWS_IAM routes need it)", on)
	}
	adminRoutes := 0
	for id, res := range tpl.raw["Resources"].(map[string]any) {
		if tpl.resourceType(id) != "AWS::Serverless::Function" {
			continue
		}
		events, _ := dig(res, "Properties", "Events").(map[string]any)
		for name, ev := range events {
			if dig(ev, "Type") != "HttpApi" {
				continue
			}
			path, _ := dig(ev, "Properties", "Path").(string)
			method, _ := dig(ev, "Properties", "Method").(string)
			route := fmt.Sprintf("%s %s (%s.%s)", method, path, id, name)
			admin := strings.HasPrefix(path, "/v1/admin/")
			switch {
			case path == "" || path == "$default" || strings.Contains(path, "+}"):
				t.Errorf("%s: a catch-all route would reach /v1/admin/ without IAM auth", route)
			case admin && id != adminFunction:
				t.Errorf("%s: only %s may serve /v1/admin/", route, adminFunction)
			case !admin && id == adminFunction:
				t.Errorf("%s: %s serves only /v1/admin/ routes", route, adminFunction)
			}
			if admin {
				adminRoutes++
				if auth := dig(ev, "Properties", "Auth", "Authorizer"); auth != "AWS_IAM" {
					t.Errorf("%s: Auth.Authorizer %v, want AWS_IAM", route, auth)
				}
			}
		}
	}
	if adminRoutes < 14 {
		t.Errorf("%d admin routes in template.yaml, want the 14 of httpapi.AdminAPI", adminRoutes)
	}
}
