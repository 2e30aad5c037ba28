package functions_test

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Packages no function may link, whatever the build tags, and why (DESIGN.md,
// "Rendering and size").
var unwantedEverywhere = map[string]string{
	"text/template": "its reflect.Value.MethodByName turns off the linker's dead-code " +
		"elimination of methods: every operation of every SDK client stays in the binary",
	"html/template": "it runs text/template (see there)",
	"net/rpc":       "it imports html/template for its debug pages (see text/template)",
	"github.com/aws/aws-lambda-go/lambda": "without -tags lambda.norpc it links net/rpc (see there); " +
		"start the function with lambdaruntime.Start",
	"github.com/aws/aws-sdk-go-v2/config": "LoadDefaultConfig links STS, SSO, IMDS and the shared " +
		"config files; build the configuration with lambdainit.AWSConfigFrom",
	"github.com/go-webauthn/webauthn/protocol": "it registers every attestation format's verifier " +
		"(TPM, Android, SafetyNet, with their CBOR, ASN.1, JWT and metadata codecs): about 2 MB; " +
		"shared/consoleauth checks passkeys itself (webauthn.go)",
	"github.com/aws/aws-sdk-go-v2/service/s3": "no function uploads: even unused, the client package " +
		"links its endpoint tables and SigV4a; presign with leadgate/shared/s3url",
	"go.yaml.in/yaml/v3": "about 190 KB; leadgate/shared/pagefile writes page files itself, and only " +
		"leadctl reads them (leadgate/shared/pagefile/reader)",
	"github.com/aws/aws-sdk-go-v2/service/sesv2": "even for its types alone, the client package " +
		"links about 0.45 MB, its client 0.3 MB more; send with leadgate/shared/sesmail",
}

// Packages one function may not link, by the function's directory.
var unwantedIn = map[string]map[string]string{
	"capture": {
		"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams": "only the stream's readers need " +
			"the Streams client; capture writes to the table",
	},
}

// Packages only the functions that save pages (by their directory) may link: the
// Markdown renderer runs when a page is saved (admin.Service.RenderTexts, given
// richtext.HTML by WithMarkdown), and when the console previews a page as typed
// (console-content); the hosted page writes the HTML stored with it, and the
// console function leaves the pages to the other two.
var (
	savesPages           = map[string]bool{"admin": true, "console-editor": true, "console-content": true}
	unwantedUnlessSaving = map[string]string{
		"leadgate/shared/richtext": "a page's Markdown is rendered when it is saved; " +
			"write the stored Page.DescriptionHTML and ThankYouHTML",
		"github.com/yuin/goldmark": "the Markdown renderer: see leadgate/shared/richtext",
	}
)

// TestFunctionsLinkNoHeavyPackages checks, with go list, what each functions/<name>
// package links for linux/arm64, as make builds it (-tags lambda.norpc) and as a
// plain go build does (no tags): none of unwantedEverywhere, nothing of its own
// unwantedIn, and none of unwantedUnlessSaving unless it saves pages. A failure
// names the chain of imports that brings the package in.
func TestFunctionsLinkNoHeavyPackages(t *testing.T) {
	mains, err := filepath.Glob("*/main.go")
	if err != nil {
		t.Fatal(err)
	}
	var dirs, pkgs []string
	for _, m := range mains {
		dir := filepath.Dir(m)
		dirs = append(dirs, dir)
		pkgs = append(pkgs, "./"+dir)
	}
	if len(dirs) == 0 {
		t.Fatal("no functions/<name>/main.go")
	}
	for _, tags := range []string{lambdaTags, ""} {
		graph := importGraphOf(t, tags, pkgs...)
		for _, dir := range dirs {
			t.Run(fmt.Sprintf("%s/%s", dir, cmp.Or(tags, "no-tags")), func(t *testing.T) {
				root := "leadgate/functions/" + dir
				if _, ok := graph[root]; !ok {
					t.Fatalf("go list did not list %s", root)
				}
				unwanted := map[string]string{}
				maps.Copy(unwanted, unwantedEverywhere)
				maps.Copy(unwanted, unwantedIn[dir])
				if !savesPages[dir] {
					maps.Copy(unwanted, unwantedUnlessSaving)
				}
				for _, pkg := range slices.Sorted(maps.Keys(unwanted)) {
					if chain := graph.chain(root, pkg); chain != nil {
						t.Errorf("links %s (%s) through %s", pkg, unwanted[pkg], strings.Join(chain, " -> "))
					}
				}
			})
		}
	}
}

// importGraph maps an import path to the packages it imports.
type importGraph map[string][]string

// lambdaTags are the build tags of make's build-<LogicalId> targets.
const lambdaTags = "lambda.norpc"

// lambdaImportGraph lists pkgs and everything they import as make's build-<LogicalId>
// targets build them: GOOS=linux GOARCH=arm64 CGO_ENABLED=0 -tags lambda.norpc.
// pkgs are import paths, or patterns relative to functions/, where the tests run.
func lambdaImportGraph(t testing.TB, pkgs ...string) importGraph {
	t.Helper()
	return importGraphOf(t, lambdaTags, pkgs...)
}

// importGraphOf lists pkgs and everything they import for linux/arm64 without cgo,
// with the build tags tags ("" for none).
func importGraphOf(t testing.TB, tags string, pkgs ...string) importGraph {
	t.Helper()
	args := append([]string{"list", "-deps", "-tags", tags, "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}"}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	g := importGraph{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 0 {
			g[fields[0]] = fields[1:]
		}
	}
	return g
}

// chain returns the shortest chain of imports from root to pkg, both included, or nil
// if root does not link pkg.
func (g importGraph) chain(root, pkg string) []string {
	from := map[string]string{root: ""}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == pkg {
			var chain []string
			for ; p != ""; p = from[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			return chain
		}
		for _, imp := range g[p] {
			if _, seen := from[imp]; !seen {
				from[imp] = p
				queue = append(queue, imp)
			}
		}
	}
	return nil
}

// deps returns every package root links, root included.
func (g importGraph) deps(root string) map[string]bool {
	seen := map[string]bool{root: true}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, imp := range g[p] {
			if !seen[imp] {
				seen[imp] = true
				queue = append(queue, imp)
			}
		}
	}
	return seen
}
