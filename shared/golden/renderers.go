package golden

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// CheckRenderersCovered guards what golden files are for: every renderer of the
// package under test, each function of its source that takes a *markup.Writer,
// renders into at least one golden .html file. marks gives, for each renderer, a
// string that a file it rendered carries. A new renderer fails here until a golden
// file shows it and its mark is added; a mark of a renderer that is gone fails too.
func CheckRenderersCovered(t *testing.T, marks map[string]string) {
	t.Helper()
	renderers := markupRenderers(t)
	if len(renderers) == 0 {
		t.Fatal("found no function that writes to a *markup.Writer in the package's source")
	}
	files, err := filepath.Glob(filepath.Join(Dir, "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	var rendered []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rendered = append(rendered, string(data))
	}
	for _, name := range renderers {
		mark, ok := marks[name]
		if !ok {
			t.Errorf("%s has no golden file: add a case that renders it, and its mark", name)
			continue
		}
		if !slices.ContainsFunc(rendered, func(page string) bool { return strings.Contains(page, mark) }) {
			t.Errorf("no golden file carries %q, the mark of %s", mark, name)
		}
	}
	for name := range marks {
		if !slices.Contains(renderers, name) {
			t.Errorf("marks name %s, which is not a renderer of the package: remove it", name)
		}
	}
}

// markupRenderers returns the names of the functions of the package's source (not
// its tests) that take a *markup.Writer.
func markupRenderers(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && takesMarkupWriter(fn) {
				names = append(names, fn.Name.Name)
			}
		}
	}
	return names
}

func takesMarkupWriter(fn *ast.FuncDecl) bool {
	for _, param := range fn.Type.Params.List {
		if star, ok := param.Type.(*ast.StarExpr); ok {
			if sel, ok := star.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "Writer" {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "markup" {
					return true
				}
			}
		}
	}
	return false
}
