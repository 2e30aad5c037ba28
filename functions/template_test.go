// Tests of template.yaml (read with go.yaml.in/yaml/v3) against the code and the
// Makefile: the table matches dynamodb.TableDefinition, every function is built the
// way DESIGN says, each function's IAM statements are narrow, the bucket is private,
// and the `sam local` env file gives each function every variable it declares.
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
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"go.yaml.in/yaml/v3"

	"leadgate/shared/console"
	"leadgate/shared/dynamodb"
	"leadgate/shared/followup"
	"leadgate/shared/localdev"
	"leadgate/shared/signing"
)

// repoRoot is the module root: the tests run in functions/.
const repoRoot = ".."

// samTemplate is template.yaml as plain values (maps, lists, strings, numbers,
// booleans), with the intrinsic functions of Globals, Resources and Outputs resolved
// the way a reader would: a Ref to a parameter becomes its default; a Ref to a
// resource becomes "${Name}", a GetAtt "${Name.Attr}", a Ref to a pseudo parameter
// "${AWS::Region}"; a Sub keeps its resource and pseudo-parameter variables as
// written and fills in the parameters' defaults; an If takes the branch its
// condition gives with the parameters' defaults. A reference to a name the template
// does not declare, or an intrinsic this reader does not know, fails the test.
//
// The typed views the tests need (functions with Globals merged, the table, the
// buckets and their policies) are decoded from these values.
type samTemplate struct {
	raw map[string]any
}

func loadTemplate(t testing.TB) samTemplate {
	t.Helper()
	path := filepath.Join(repoRoot, "template.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tree, err := yamlValue(&doc)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	top, ok := tree.(map[string]any)
	if !ok {
		t.Fatalf("%s is not a map of sections", path)
	}
	r := resolver{tpl: top, conditions: map[string]bool{}, evaluating: map[string]bool{}}
	raw := maps.Clone(top)
	// Parameters, Conditions, Mappings and Rules hold no values a resource gets;
	// conditions are evaluated when an If asks for them.
	for _, section := range []string{"Globals", "Resources", "Outputs"} {
		if v, ok := top[section]; ok {
			resolved, err := r.resolve(v)
			if err != nil {
				t.Fatalf("%s: %s: %v", path, section, err)
			}
			raw[section] = resolved
		}
	}
	if _, ok := raw["Resources"].(map[string]any); !ok {
		t.Fatalf("%s has no Resources", path)
	}
	return samTemplate{raw: raw}
}

// yamlValue turns a node of template.yaml into plain values: maps, lists, strings,
// numbers, booleans and nil. A short-form intrinsic (!Ref X, !Sub ..., !If [...])
// becomes its long form ({"Ref": "X"}, {"Fn::Sub": ...}, {"Fn::If": [...]}), as
// CloudFormation reads it.
func yamlValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, fmt.Errorf("line %d: want one YAML document", n.Line)
		}
		return yamlValue(n.Content[0])
	case yaml.AliasNode:
		return yamlValue(n.Alias)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return shortFormIntrinsic(n)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return nil, fmt.Errorf("line %d: a key must be plain text", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: %s is there twice", k.Line, k.Value)
			}
			val, err := yamlValue(v)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			val, err := yamlValue(item)
			if err != nil {
				return nil, err
			}
			list = append(list, val)
		}
		return list, nil
	case yaml.ScalarNode:
		if n.Tag == "!!timestamp" {
			return n.Value, nil // CloudFormation reads dates as text
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

// shortFormIntrinsic returns the long form of a tagged node: !Ref and !Condition
// keep their names, every other tag is a Fn:: function.
func shortFormIntrinsic(n *yaml.Node) (any, error) {
	name := strings.TrimPrefix(n.Tag, "!")
	if name != "Ref" && name != "Condition" {
		name = "Fn::" + name
	}
	if n.Kind == yaml.ScalarNode {
		return map[string]any{name: n.Value}, nil // !GetAtt A.B is split when resolved
	}
	untagged := *n
	untagged.Tag = ""
	arg, err := yamlValue(&untagged)
	if err != nil {
		return nil, err
	}
	return map[string]any{name: arg}, nil
}

// noValue stands for AWS::NoValue: the property or list item holding it is left out.
type noValueMarker struct{}

var noValue any = noValueMarker{}

// resolver resolves the intrinsic functions of one template.
type resolver struct {
	tpl        map[string]any
	conditions map[string]bool // evaluated so far
	evaluating map[string]bool // to catch conditions that depend on themselves
}

// pseudoParameters are CloudFormation's AWS:: parameters; they have no value before
// deployment, so they stay "${AWS::Region}" and the like.
var pseudoParameters = []string{
	"AWS::AccountId", "AWS::NotificationARNs", "AWS::Partition", "AWS::Region",
	"AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
}

func (r *resolver) resolve(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for name, arg := range v {
				if resolved, ok, err := r.intrinsic(name, arg); ok || err != nil {
					if err != nil {
						return nil, fmt.Errorf("%s: %w", name, err)
					}
					return resolved, nil
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, item := range v {
			resolved, err := r.resolve(item)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			if resolved != noValue {
				out[k] = resolved
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for i, item := range v {
			resolved, err := r.resolve(item)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			if resolved != noValue {
				out = append(out, resolved)
			}
		}
		return out, nil
	default:
		return v, nil
	}
}

// intrinsic resolves the one-key map {name: arg} when name is an intrinsic
// function; ok is false when it is an ordinary property.
func (r *resolver) intrinsic(name string, arg any) (v any, ok bool, err error) {
	switch name {
	case "Ref":
		v, err = r.ref(arg)
	case "Fn::GetAtt":
		v, err = r.getAtt(arg)
	case "Fn::Sub":
		v, err = r.sub(arg)
	case "Fn::If":
		v, err = r.fnIf(arg)
	case "Fn::Join":
		v, err = r.join(arg)
	case "Fn::Select":
		v, err = r.selectItem(arg)
	case "Fn::Split":
		v, err = r.split(arg)
	case "Fn::FindInMap":
		v, err = r.findInMap(arg)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		v, err = r.conditionFunction(name, arg)
	case "Condition":
		s, isName := arg.(string)
		if !isName {
			return nil, false, nil // a property named Condition, as in IAM statements
		}
		v, err = r.condition(s)
	default:
		if strings.HasPrefix(name, "Fn::") {
			return nil, true, fmt.Errorf("this test's template reader does not resolve it; teach loadTemplate")
		}
		return nil, false, nil
	}
	return v, true, err
}

// parameter returns the template's parameter of that name.
func (r *resolver) parameter(name string) (map[string]any, bool) {
	p, ok := dig(r.tpl, "Parameters", name).(map[string]any)
	return p, ok
}

func (r *resolver) isResource(name string) bool {
	_, ok := dig(r.tpl, "Resources", name).(map[string]any)
	return ok
}

func (r *resolver) ref(arg any) (any, error) {
	name, ok := arg.(string)
	switch {
	case !ok:
		return nil, fmt.Errorf("%v: want the name of a parameter or resource", arg)
	case name == "AWS::NoValue":
		return noValue, nil
	case slices.Contains(pseudoParameters, name), r.isResource(name):
		return "${" + name + "}", nil
	}
	p, ok := r.parameter(name)
	if !ok {
		return nil, fmt.Errorf("%s is neither a parameter nor a resource of the template", name)
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
		return items, nil
	case list:
		return []any{}, nil
	case hasDefault:
		return fmt.Sprint(def), nil
	default:
		return "${" + name + "}", nil // no default: left for the reader to notice
	}
}

func (r *resolver) getAtt(arg any) (any, error) {
	arg, err := r.resolve(arg)
	if err != nil {
		return nil, err
	}
	var parts []string
	switch v := arg.(type) {
	case string:
		resource, attr, _ := strings.Cut(v, ".")
		parts = []string{resource, attr}
	case []any:
		for _, p := range v {
			s, ok := p.(string)
			if !ok {
				return nil, fmt.Errorf("%v: want text", p)
			}
			parts = append(parts, s)
		}
	}
	if len(parts) < 2 || parts[1] == "" {
		return nil, fmt.Errorf("%v: want Resource.Attribute", arg)
	}
	if !r.isResource(parts[0]) {
		return nil, fmt.Errorf("%s is not a resource of the template", parts[0])
	}
	return "${" + strings.Join(parts, ".") + "}", nil
}

var subVariable = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

func (r *resolver) sub(arg any) (any, error) {
	arg, err := r.resolve(arg)
	if err != nil {
		return nil, err
	}
	var src string
	vars := map[string]any{}
	switch v := arg.(type) {
	case string:
		src = v
	case []any:
		ok := len(v) == 2
		if ok {
			src, ok = v[0].(string)
		}
		if ok {
			vars, ok = v[1].(map[string]any)
		}
		if !ok {
			return nil, fmt.Errorf("%v: want [text, {variables}]", arg)
		}
	default:
		return nil, fmt.Errorf("%v: want text or [text, {variables}]", arg)
	}
	var unknown []string
	out := subVariable.ReplaceAllStringFunc(src, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := vars[name]; ok {
			if s, ok := v.(string); ok {
				return s
			}
			return m
		}
		if p, ok := r.parameter(name); ok {
			if def, ok := p["Default"]; ok {
				return fmt.Sprint(def)
			}
			return m
		}
		resource, _, _ := strings.Cut(name, ".")
		if !slices.Contains(pseudoParameters, name) && !r.isResource(resource) {
			unknown = append(unknown, m)
		}
		return m
	})
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%q: %v are neither parameters, resources nor variables", src, unknown)
	}
	return out, nil
}

func (r *resolver) fnIf(arg any) (any, error) {
	args, ok := arg.([]any)
	if !ok || len(args) != 3 {
		return nil, fmt.Errorf("%v: want [condition, value if true, value if false]", arg)
	}
	name, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("%v: want a condition's name", args[0])
	}
	on, err := r.condition(name)
	if err != nil {
		return nil, err
	}
	if on {
		return r.resolve(args[1])
	}
	return r.resolve(args[2])
}

// condition evaluates the template's condition of that name with the parameters'
// defaults.
func (r *resolver) condition(name string) (bool, error) {
	if on, ok := r.conditions[name]; ok {
		return on, nil
	}
	expr, ok := dig(r.tpl, "Conditions", name).(map[string]any)
	switch {
	case !ok:
		return false, fmt.Errorf("the template has no condition %s", name)
	case r.evaluating[name]:
		return false, fmt.Errorf("condition %s depends on itself", name)
	}
	r.evaluating[name] = true
	defer delete(r.evaluating, name)
	v, err := r.resolve(expr)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	on, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s is %v, want true or false", name, v)
	}
	r.conditions[name] = on
	return on, nil
}

// conditionFunction evaluates Fn::Equals, Fn::And, Fn::Or and Fn::Not.
func (r *resolver) conditionFunction(name string, arg any) (bool, error) {
	v, err := r.resolve(arg)
	if err != nil {
		return false, err
	}
	args, ok := v.([]any)
	if !ok {
		return false, fmt.Errorf("%v: want a list", v)
	}
	if name == "Fn::Equals" {
		if len(args) != 2 {
			return false, fmt.Errorf("%v: want two values", args)
		}
		a, b := fmt.Sprint(args[0]), fmt.Sprint(args[1])
		if strings.Contains(a+b, "${") {
			// A parameter without a default, a pseudo parameter or a resource: the
			// outcome is known only at deployment.
			return false, fmt.Errorf("%v: a value is known only at deployment", args)
		}
		return a == b, nil
	}
	var bools []bool
	for _, a := range args {
		b, ok := a.(bool)
		if !ok {
			return false, fmt.Errorf("%v: want conditions", args)
		}
		bools = append(bools, b)
	}
	switch {
	case name == "Fn::Not" && len(bools) == 1:
		return !bools[0], nil
	case name == "Fn::And" && len(bools) >= 2:
		return !slices.Contains(bools, false), nil
	case name == "Fn::Or" && len(bools) >= 2:
		return slices.Contains(bools, true), nil
	}
	return false, fmt.Errorf("%v: wrong number of conditions", args)
}

func (r *resolver) join(arg any) (any, error) {
	v, err := r.resolve(arg)
	if err != nil {
		return nil, err
	}
	args, _ := v.([]any)
	if len(args) != 2 {
		return nil, fmt.Errorf("%v: want [delimiter, [values]]", v)
	}
	delim, ok1 := args[0].(string)
	items, ok2 := args[1].([]any)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%v: want [delimiter, [values]]", v)
	}
	parts := make([]string, len(items))
	for i, item := range items {
		s, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("%v: want text", item)
		}
		parts[i] = s
	}
	return strings.Join(parts, delim), nil
}

func (r *resolver) selectItem(arg any) (any, error) {
	v, err := r.resolve(arg)
	if err != nil {
		return nil, err
	}
	args, _ := v.([]any)
	if len(args) != 2 {
		return nil, fmt.Errorf("%v: want [index, [values]]", v)
	}
	i, err := strconv.Atoi(fmt.Sprint(args[0]))
	items, ok := args[1].([]any)
	if err != nil || !ok || i < 0 || i >= len(items) {
		return nil, fmt.Errorf("%v: want [index, [values]] with the index in the list", v)
	}
	return items[i], nil
}

func (r *resolver) split(arg any) (any, error) {
	v, err := r.resolve(arg)
	if err != nil {
		return nil, err
	}
	args, _ := v.([]any)
	if len(args) != 2 {
		return nil, fmt.Errorf("%v: want [delimiter, text]", v)
	}
	delim, ok1 := args[0].(string)
	s, ok2 := args[1].(string)
	if !ok1 || !ok2 || delim == "" {
		return nil, fmt.Errorf("%v: want [delimiter, text]", v)
	}
	var out []any
	for part := range strings.SplitSeq(s, delim) {
		out = append(out, part)
	}
	return out, nil
}

func (r *resolver) findInMap(arg any) (any, error) {
	v, err := r.resolve(arg)
	if err != nil {
		return nil, err
	}
	args, _ := v.([]any)
	if len(args) != 3 {
		return nil, fmt.Errorf("%v: want [map, top-level key, second-level key]", v)
	}
	keys := make([]string, 3)
	for i, a := range args {
		s, ok := a.(string)
		if !ok || strings.Contains(s, "${") {
			return nil, fmt.Errorf("%v: a key is known only at deployment", v)
		}
		keys[i] = s
	}
	found := dig(r.tpl, append([]string{"Mappings"}, keys...)...)
	if found == nil {
		return nil, fmt.Errorf("%v: no such entry in Mappings", v)
	}
	return r.resolve(found)
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

// functionProperties are the properties of an AWS::Serverless::Function, or of
// Globals.Function, that the tests read.
type functionProperties struct {
	Runtime       *string
	Handler       *string
	CodeUri       any // "." or an S3 location
	MemorySize    *int
	Timeout       *int
	Architectures []string
	Environment   *struct {
		Variables map[string]string
	}
	LoggingConfig *struct {
		LogFormat *string
	}
}

// functions returns the template's functions, sorted by logical ID.
func (tpl samTemplate) functions(t testing.TB) []lambdaFunction {
	t.Helper()
	var global functionProperties // empty without Globals.Function
	decodeProperties(t, "Globals.Function", dig(tpl.raw, "Globals", "Function"), &global)
	var out []lambdaFunction
	for id, fn := range resourcesOfType[functionProperties](t, tpl, "AWS::Serverless::Function") {
		f := lambdaFunction{ID: id, MemorySize: 128, Timeout: 3, LogFormat: "Text", Env: map[string]string{}}
		for _, p := range []functionProperties{global, fn} {
			if p.Runtime != nil {
				f.Runtime = *p.Runtime
			}
			if p.Handler != nil {
				f.Handler = *p.Handler
			}
			if p.CodeUri != nil {
				f.CodeURI, _ = p.CodeUri.(string) // an S3 location is not "."
			}
			if p.MemorySize != nil {
				f.MemorySize = *p.MemorySize
			}
			if p.Timeout != nil {
				f.Timeout = *p.Timeout
			}
			f.Architectures = append(f.Architectures, p.Architectures...)
			if p.Environment != nil {
				maps.Copy(f.Env, p.Environment.Variables)
			}
			if p.LoggingConfig != nil && p.LoggingConfig.LogFormat != nil {
				f.LogFormat = *p.LoggingConfig.LogFormat
			}
		}
		if len(f.Architectures) == 0 {
			f.Architectures = []string{"x86_64"} // Lambda's default
		}
		f.BuildMethod, _ = dig(tpl.raw, "Resources", id, "Metadata", "BuildMethod").(string)
		out = append(out, f)
	}
	if len(out) == 0 {
		t.Fatal("template.yaml has no AWS::Serverless::Function")
	}
	slices.SortFunc(out, func(a, b lambdaFunction) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// resources returns the template's resources by logical ID.
func (tpl samTemplate) resources() map[string]any {
	return tpl.raw["Resources"].(map[string]any)
}

// resourcesOfType decodes the Properties of each resource of type typ into a T, by
// logical ID. A property of the wrong kind (a list for a map, text for a number)
// fails the test, as it would fail the deployment.
func resourcesOfType[T any](t testing.TB, tpl samTemplate, typ string) map[string]T {
	t.Helper()
	out := map[string]T{}
	for id, res := range tpl.resources() {
		if tpl.resourceType(id) != typ {
			continue
		}
		var v T
		decodeProperties(t, "Resources."+id+".Properties", dig(res, "Properties"), &v)
		out[id] = v
	}
	return out
}

// decodeProperties decodes the template values props into v, through JSON, as
// CloudFormation reads a template.
func decodeProperties(t testing.TB, where string, props, v any) {
	t.Helper()
	data, err := json.Marshal(props)
	if err == nil {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		t.Fatalf("%s of template.yaml: %v", where, err)
	}
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

// keySchemaElement is one key of a table or index.
type keySchemaElement struct {
	AttributeName string
	KeyType       string
}

// dynamoDBTable holds the properties of an AWS::DynamoDB::Table the tests compare.
type dynamoDBTable struct {
	BillingMode          *string
	KeySchema            []keySchemaElement
	AttributeDefinitions []struct {
		AttributeName string
		AttributeType string
	}
	GlobalSecondaryIndexes []struct {
		IndexName  string
		KeySchema  []keySchemaElement
		Projection *struct {
			ProjectionType   *string
			NonKeyAttributes []string
		}
	}
	LocalSecondaryIndexes []any
	ProvisionedThroughput map[string]any
	StreamSpecification   *struct {
		StreamViewType string
	}
	TimeToLiveSpecification *struct {
		AttributeName *string
		Enabled       bool
	}
	PointInTimeRecoverySpecification *struct {
		PointInTimeRecoveryEnabled *bool
	}
}

// s3Bucket holds the properties of an AWS::S3::Bucket the tests check.
type s3Bucket struct {
	CorsConfiguration *struct {
		CorsRules []struct {
			AllowedOrigins, AllowedMethods, AllowedHeaders, ExposedHeaders []string
		}
	}
	PublicAccessBlockConfiguration *struct {
		BlockPublicAcls       *bool
		BlockPublicPolicy     *bool
		IgnorePublicAcls      *bool
		RestrictPublicBuckets *bool
	}
	BucketEncryption *struct {
		ServerSideEncryptionConfiguration []struct {
			ServerSideEncryptionByDefault *struct {
				SSEAlgorithm string
			}
		}
	}
}

// s3BucketPolicy holds the properties of an AWS::S3::BucketPolicy.
type s3BucketPolicy struct {
	Bucket         string
	PolicyDocument any
}

func TestTableMatchesTableDefinition(t *testing.T) {
	tpl := loadTemplate(t)
	tables := resourcesOfType[dynamoDBTable](t, tpl, "AWS::DynamoDB::Table")
	if len(tables) != 1 {
		t.Fatalf("%d DynamoDB tables in template.yaml, want the one table", len(tables))
	}
	var got dynamoDBTable
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
	outputs := map[string]string{}
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
			out := checkBuildTarget(t, fn.ID)
			if other, ok := outputs[out]; ok && out != "" {
				t.Errorf("build-%s and build-%s both build %s: each would relink over the other's binary", fn.ID, other, out)
			}
			outputs[out] = fn.ID
		})
	}
}

// checkBuildTarget checks, with make -n, the commands of the function's
// build-<LogicalId> target: go build with the Lambda flags into a binary of the
// function's own that outlives sam build (which empties ARTIFACTS_DIR each time, so
// go build would link every function again), ignored by git, then copied to
// $(ARTIFACTS_DIR)/bootstrap. It returns the binary's path.
func checkBuildTarget(t *testing.T, id string) string {
	t.Helper()
	const artifacts = "/sam-artifacts-dir"
	cmd := exec.Command("make", "--no-print-directory", "-n", "-C", repoRoot, "build-"+id, "ARTIFACTS_DIR="+artifacts)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build-%s: %v\n%s", id, err, out)
	}
	var build, bin string
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, line := range lines {
		if regexp.MustCompile(`\sbuild\s`).MatchString(line) {
			build = line
			if m := regexp.MustCompile(`\s-o[= ](\S+)`).FindStringSubmatch(line); m != nil {
				bin = m[1]
			}
			lines = lines[i+1:]
			break
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
	} {
		if !regexp.MustCompile(want.pattern).MatchString(build) {
			t.Errorf("build-%s lacks %s:\n\t%s", id, want.what, build)
		}
	}
	dir, file := filepath.Split(bin)
	if file != "bootstrap" || filepath.IsAbs(bin) || !filepath.IsLocal(dir) || strings.Contains(bin, "$") {
		t.Fatalf("build-%s builds %q, want a bootstrap of its own in the repository, kept between builds:\n\t%s", id, bin, build)
	}
	if top, _, _ := strings.Cut(filepath.ToSlash(bin), "/"); !gitignores(t, "/"+top+"/") {
		t.Errorf("build-%s builds into %s, which .gitignore does not name", id, top)
	}
	if !slices.Equal(lines, []string{"cp " + bin + " " + artifacts + "/bootstrap"}) {
		t.Errorf("build-%s: after go build %v, want %q", id, lines, "cp "+bin+" $(ARTIFACTS_DIR)/bootstrap")
	}
	return bin
}

// gitignores reports whether .gitignore has the line.
func gitignores(t *testing.T, line string) bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	return slices.Contains(strings.Split(string(data), "\n"), line)
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
	for id, res := range tpl.resources() {
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
	// A Ref of these types gives the ARN itself.
	if id, ok := strings.CutSuffix(strings.TrimPrefix(s, "${"), "}"); ok && !strings.ContainsAny(id, ".:/") {
		switch tpl.resourceType(id) {
		case "AWS::SecretsManager::Secret", "AWS::SNS::Topic":
			return ""
		}
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
	buckets := resourcesOfType[s3Bucket](t, tpl, "AWS::S3::Bucket")
	if _, ok := buckets["MagnetsBucket"]; !ok {
		t.Fatal("template.yaml declares no MagnetsBucket")
	}
	policies := resourcesOfType[s3BucketPolicy](t, tpl, "AWS::S3::BucketPolicy")
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
				// "Parameters" sets a variable for every function.
				if _, ok := file["Parameters"][name]; ok {
					continue
				}
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

// checkLocalSecret checks that the env file names the secret infra/local/moto.sh
// seeds, a local fake that verifies the events' form tokens, and that
// FORM_TOKEN_MAX_AGE outlasts them by a year.
func checkLocalSecret(t *testing.T, vars map[string]string, tokens []string) {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(repoRoot, "infra", "local", "moto.sh"))
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`(?m)^local_secret_name="([^"]+)"`).FindSubmatch(script)
	value := regexp.MustCompile(`(?m)^local_secret='\{"secret":"([^"]+)"\}'`).FindSubmatch(script)
	if name == nil || value == nil {
		t.Fatal("infra/local/moto.sh: no local_secret_name and local_secret={\"secret\":...}")
	}
	if u, err := url.Parse(vars["AWS_ENDPOINT_URL_SECRETS_MANAGER"]); err != nil || u.Hostname() != "host.docker.internal" {
		t.Errorf("AWS_ENDPOINT_URL_SECRETS_MANAGER=%q: inside the function's container moto is at host.docker.internal", vars["AWS_ENDPOINT_URL_SECRETS_MANAGER"])
	}
	if vars["SIGNING_SECRET_ARN"] != string(name[1]) {
		t.Errorf("SIGNING_SECRET_ARN=%q, want the secret moto.sh seeds, %s", vars["SIGNING_SECRET_ARN"], name[1])
	}
	secret := string(value[1])
	key, err := signing.NewKey([]byte(secret))
	if err != nil {
		t.Fatalf("moto.sh's local secret: %v", err)
	}
	if !strings.Contains(secret, "never-used-in-a-deployment") {
		t.Errorf("moto.sh's local secret %q should say it is a local fake", secret)
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
	for id, res := range tpl.resources() {
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
			case path == "" || path == "$default" || catchesAdmin(path):
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
	// Routes declared as resources (the console's) get the same rule, and reach
	// neither /v1/admin/ nor any path their function does not serve.
	for id := range tpl.resources() {
		if tpl.resourceType(id) != "AWS::ApiGatewayV2::Route" {
			continue
		}
		key, _ := dig(tpl.raw, "Resources", id, "Properties", "RouteKey").(string)
		method, path, _ := strings.Cut(key, " ")
		switch {
		case path == "" || key == "$default" || catchesAdmin(path):
			t.Errorf("%s (%s): a catch-all route would reach /v1/admin/ without IAM auth", key, id)
		case strings.HasPrefix(path, "/v1/admin/"):
			t.Errorf("%s (%s): only %s may serve /v1/admin/, through its events", key, id, adminFunction)
		case !strings.HasPrefix(path, "/console"):
			t.Errorf("%s (%s): only the console's routes are declared as resources", key, id)
		}
		if method == "ANY" {
			t.Errorf("%s (%s): name the methods the console takes", key, id)
		}
	}
	if adminRoutes < 14 {
		t.Errorf("%d admin routes in template.yaml, want the 14 of adminapi.API", adminRoutes)
	}
}

// catchesAdmin reports whether a route's path has a greedy variable ({name+})
// whose fixed part could match a path under /v1/admin/: /{proxy+} or
// /v1/{proxy+} could, /console/{proxy+} cannot.
func catchesAdmin(path string) bool {
	i := strings.Index(path, "{")
	if i < 0 || !strings.Contains(path[i:], "+}") {
		return false
	}
	return strings.HasPrefix("/v1/admin/", path[:i])
}

// TestClaimLeaseOutlastsTheSendingFunctions checks followup's lease against the
// template: a claimed send is left to its worker longer than any function that sends
// can run (its Timeout, or Globals' when it has none), and a send's own deadline ends
// before the lease, so that no send is claimed again while it may still be going
// out.
func TestClaimLeaseOutlastsTheSendingFunctions(t *testing.T) {
	tpl := loadTemplate(t)
	shortest := 0
	sending := map[string]bool{}
	for _, fn := range tpl.functions(t) {
		// The functions that send follow-up email (and claim each send first) are
		// the ones given a send rate; the console sends only sign-in links, which
		// no one claims.
		if _, ok := fn.Env["SEND_RATE"]; !ok {
			continue
		}
		sending[fn.ID] = true
		if shortest == 0 || fn.Timeout < shortest {
			shortest = fn.Timeout
		}
		if timeout := time.Duration(fn.Timeout) * time.Second; followup.SendTimeout >= timeout {
			t.Errorf("%s: Timeout %v, but a send may take followup.SendTimeout, %v: the invocation could end mid-send",
				fn.ID, timeout, followup.SendTimeout)
		}
	}
	for _, id := range []string{"FollowupFunction", "DispatcherFunction"} {
		if !sending[id] {
			t.Errorf("%s has no SEND_RATE: this test no longer sees it send", id)
		}
	}
	if got, want := followup.ShortestSendingTimeout, time.Duration(shortest)*time.Second; got != want {
		t.Errorf("followup.ShortestSendingTimeout = %v, want %v, the shortest Timeout of a sending function in template.yaml", got, want)
	}
	if followup.SendTimeout >= followup.ClaimLease {
		t.Errorf("followup.SendTimeout = %v, want less than followup.ClaimLease (%v): a send still under way could be claimed again and sent twice",
			followup.SendTimeout, followup.ClaimLease)
	}
}

// TestMagnetsBucketCORSAllowsTheConsoleOnly checks the bucket's CORS rule: the
// console's upload script PUTs files to presigned URLs from the console's origin,
// the ConsoleOrigin parameter when the console has a domain of its own, else the
// API's execute-api host, which the bucket cannot name (the API depends on
// functions that name the bucket), so the region's execute-api hosts; from nowhere
// else. The URL's signature is what lets a file in; the rule decides whose script
// may read the answer.
func TestMagnetsBucketCORSAllowsTheConsoleOnly(t *testing.T) {
	tpl := loadTemplate(t)
	param, ok := dig(tpl.raw, "Parameters", "ConsoleOrigin").(map[string]any)
	if !ok {
		t.Fatal("template.yaml has no ConsoleOrigin parameter")
	}
	pattern, _ := param["AllowedPattern"].(string)
	re, err := regexp.Compile(pattern)
	if err != nil || pattern == "" {
		t.Fatalf("ConsoleOrigin AllowedPattern %q: %v", pattern, err)
	}
	for origin, want := range map[string]bool{
		"https://console.example.com": true, "https://console.example.com:8443": true, "": true,
		"*": false, "https://*.example.com": false, "http://console.example.com": false,
		"https://console.example.com/": false, "https://console.example.com/path": false,
	} {
		if re.MatchString(origin) != want {
			t.Errorf("ConsoleOrigin pattern takes %q: %v, want %v", origin, !want, want)
		}
	}
	// As written: ConsoleOrigin when set, else the execute-api hosts.
	data, err := os.ReadFile(filepath.Join(repoRoot, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	written, err := yamlValue(&doc)
	if err != nil {
		t.Fatal(err)
	}
	const apiHosts = "https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}"
	origins := dig(written, "Resources", "MagnetsBucket", "Properties", "CorsConfiguration", "CorsRules")
	wantOrigins := []any{map[string]any{"Fn::If": []any{"ConsoleOriginSet", map[string]any{"Ref": "ConsoleOrigin"}, map[string]any{"Fn::Sub": apiHosts}}}}
	if rules, _ := origins.([]any); len(rules) != 1 || !reflect.DeepEqual(dig(rules[0], "AllowedOrigins"), wantOrigins) {
		t.Errorf("CORS rules %v, want one whose AllowedOrigins is %v", origins, wantOrigins)
	}
	wantCondition := map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "ConsoleOrigin"}, ""}}}}
	if got := dig(written, "Conditions", "ConsoleOriginSet"); !reflect.DeepEqual(got, wantCondition) {
		t.Errorf("condition ConsoleOriginSet %v, want %v", got, wantCondition)
	}
	bucket := resourcesOfType[s3Bucket](t, tpl, "AWS::S3::Bucket")["MagnetsBucket"]
	if bucket.CorsConfiguration == nil || len(bucket.CorsConfiguration.CorsRules) != 1 {
		t.Fatalf("MagnetsBucket CORS %+v, want one rule", bucket.CorsConfiguration)
	}
	rule := bucket.CorsConfiguration.CorsRules[0]
	if !slices.Equal(rule.AllowedOrigins, []string{apiHosts}) {
		t.Errorf("CORS origins with the parameters' defaults %q, want the execute-api hosts alone", rule.AllowedOrigins)
	}
	if !slices.Equal(rule.AllowedMethods, []string{"PUT"}) {
		t.Errorf("CORS methods %q, want PUT only", rule.AllowedMethods)
	}
	if !slices.Equal(rule.AllowedHeaders, []string{"content-type"}) {
		t.Errorf("CORS headers %q, want content-type, the one header the presigned PUT signs that a script sets", rule.AllowedHeaders)
	}
	for _, list := range [][]string{rule.AllowedMethods, rule.AllowedHeaders, rule.ExposedHeaders} {
		if slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, "*") }) {
			t.Errorf("CORS rule %+v has a wildcard", rule)
		}
	}
}

// TestConsoleAreasRouteToTheirFunctions checks that API Gateway sends each area of
// the console to the function that serves it (shared/console's areas): every
// route of console.PagesAreaRoutes targets ConsoleEditorFunction's integration,
// every one of console.ContentAreaRoutes ConsoleContentFunction's, each with its
// HEAD twin for a GET, and those integrations have no other routes; every other
// console route is ConsoleFunction's.
func TestConsoleAreasRouteToTheirFunctions(t *testing.T) {
	tpl := loadTemplate(t)
	got := map[string]map[string]bool{} // integration: route keys
	for id := range tpl.resources() {
		if tpl.resourceType(id) != "AWS::ApiGatewayV2::Route" {
			continue
		}
		key, _ := dig(tpl.raw, "Resources", id, "Properties", "RouteKey").(string)
		target, _ := dig(tpl.resources(), id, "Properties", "Target").(string)
		integration := strings.TrimSuffix(strings.TrimPrefix(target, "integrations/${"), "}")
		if got[integration] == nil {
			got[integration] = map[string]bool{}
		}
		got[integration][key] = true
	}
	for integration, routes := range map[string][]string{
		"ConsoleEditorIntegration":  console.PagesAreaRoutes,
		"ConsoleContentIntegration": console.ContentAreaRoutes,
	} {
		want := map[string]bool{}
		for _, r := range routes {
			want[r] = true
			if path, ok := strings.CutPrefix(r, "GET "); ok {
				want["HEAD "+path] = true
			}
		}
		if !maps.Equal(got[integration], want) {
			t.Errorf("%s routes %v, want %v", integration, slices.Sorted(maps.Keys(got[integration])), slices.Sorted(maps.Keys(want)))
		}
		uri, _ := dig(tpl.resources(), integration, "Properties", "IntegrationUri").(string)
		if fn := strings.TrimSuffix(integration, "Integration") + "Function"; uri != "${"+fn+".Arn}" {
			t.Errorf("%s integrates %v, want %s", integration, uri, fn)
		}
	}
	for key := range got["ConsoleIntegration"] {
		if _, path, _ := strings.Cut(key, " "); path != "/console" && path != "/console/{proxy+}" {
			t.Errorf("ConsoleFunction has the route %s: the areas' routes are their functions'", key)
		}
	}
}
