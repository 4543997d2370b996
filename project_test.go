package mangopay

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Checks of the project's own rules that would otherwise only be checked by
// reading: godoc on every exported name, the dependency budget, the go
// directive, and the shape of network methods.

// parseDir parses the non-test Go files of dir, with comments.
func parseDir(t *testing.T, dir string) (*token.FileSet, []*ast.File) {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	fset := token.NewFileSet()
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		require.NoError(t, err)
		files = append(files, f)
	}
	require.NotEmpty(t, files, "no Go files in %s", dir)
	return fset, files
}

// receiverName returns the base type name of a method's receiver.
func receiverName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	x := fd.Recv.List[0].Type
	for {
		switch e := x.(type) {
		case *ast.StarExpr:
			x = e.X
		case *ast.IndexExpr: // Page[T]
			x = e.X
		case *ast.IndexListExpr: // Pair[K, V]
			x = e.X
		case *ast.Ident:
			return e.Name
		default:
			return ""
		}
	}
}

// startsWithName reports whether a doc comment begins with name, optionally
// after an article ("A Token is ...").
func startsWithName(doc *ast.CommentGroup, name string) bool {
	text := doc.Text()
	for _, article := range []string{"", "A ", "An ", "The "} {
		rest, ok := strings.CutPrefix(text, article)
		if ok && strings.HasPrefix(rest, name) {
			after := strings.TrimPrefix(rest, name)
			if after == "" || !isIdentRune(after[0]) {
				return true
			}
		}
	}
	return false
}

func isIdentRune(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// undocumented lists what `go doc` would show without documentation in f:
// exported functions, methods of exported types, types, interface methods,
// constants and variables (a constant or variable in a documented
// parenthesised group counts as documented, as in go doc), and exported
// fields of exported struct types. Functions, methods and types must also
// start their doc with their name.
func undocumented(fset *token.FileSet, f *ast.File) []string {
	var out []string
	report := func(pos token.Pos, what string) {
		p := fset.Position(pos)
		out = append(out, filepath.Base(p.Filename)+":"+strconv.Itoa(p.Line)+": "+what)
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			name := d.Name.Name
			if d.Recv != nil {
				recv := receiverName(d)
				if !ast.IsExported(recv) {
					continue // not shown by go doc
				}
				name = recv + "." + name
			}
			switch {
			case d.Doc == nil:
				report(d.Pos(), name+" has no doc comment")
			case !startsWithName(d.Doc, d.Name.Name):
				report(d.Pos(), name+": doc comment does not start with "+d.Name.Name)
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					doc := s.Doc
					if doc == nil && !d.Lparen.IsValid() {
						doc = d.Doc
					}
					switch {
					case doc == nil:
						report(s.Pos(), "type "+s.Name.Name+" has no doc comment")
					case !startsWithName(doc, s.Name.Name):
						report(s.Pos(), "type "+s.Name.Name+": doc comment does not start with its name")
					}
					if st, ok := s.Type.(*ast.StructType); ok {
						undocumentedFields(st, s.Name.Name, report)
					}
					if it, ok := s.Type.(*ast.InterfaceType); ok {
						for _, m := range it.Methods.List {
							for _, n := range m.Names {
								if n.IsExported() && m.Doc == nil && m.Comment == nil {
									report(n.Pos(), s.Name.Name+"."+n.Name+" (interface method) has no doc comment")
								}
							}
						}
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() && s.Doc == nil && s.Comment == nil && d.Doc == nil {
							report(n.Pos(), n.Name+" has no doc comment")
						}
					}
				}
			}
		}
	}
	return out
}

// undocumentedFields reports the exported fields of st (and of struct types
// nested in them, which go doc shows too) that have neither a doc comment nor
// a trailing line comment. Embedded fields are exempt: their type carries the
// doc.
func undocumentedFields(st *ast.StructType, owner string, report func(token.Pos, string)) {
	for _, fld := range st.Fields.List {
		for _, n := range fld.Names {
			if !n.IsExported() {
				continue
			}
			if fld.Doc == nil && fld.Comment == nil {
				report(n.Pos(), owner+"."+n.Name+" (field) has no doc comment")
			}
		}
		if len(fld.Names) > 0 && fld.Names[0].IsExported() {
			if nested := nestedStruct(fld.Type); nested != nil {
				undocumentedFields(nested, owner+"."+fld.Names[0].Name, report)
			}
		}
	}
}

// nestedStruct returns the struct type literal inside a field type such as
// struct{...}, *struct{...}, []struct{...} or map[K]struct{...}, or nil.
func nestedStruct(x ast.Expr) *ast.StructType {
	for {
		switch e := x.(type) {
		case *ast.StructType:
			return e
		case *ast.StarExpr:
			x = e.X
		case *ast.ArrayType:
			x = e.Elt
		case *ast.MapType:
			x = e.Value
		default:
			return nil
		}
	}
}

func TestExportedNamesAreDocumented(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{".", "mangopaytest"} {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			fset, files := parseDir(t, dir)
			var missing []string
			pkgDoc := 0
			for _, f := range files {
				if f.Doc != nil && f.Name.Name != "main" {
					pkgDoc++
				}
				missing = append(missing, undocumented(fset, f)...)
			}
			assert.Equal(t, 1, pkgDoc, "exactly one file (doc.go) carries the package doc comment")
			assert.Empty(t, missing, "undocumented exported names:\n%s", strings.Join(missing, "\n"))
		})
	}
}

// TestUndocumentedChecker proves the checker above catches what it must.
func TestUndocumentedChecker(t *testing.T) {
	t.Parallel()
	src := `package p

func Bare() {}

// Wrong says nothing about Good.
func Good() {}

// Documented is fine.
func Documented() {}

func unexported() {}

type T struct{}

func (T) Method() {}

// hidden is unexported, so are its methods.
type hidden struct{}

func (hidden) Method() {}

// I is an interface.
type I interface {
	Get()
	// Set is documented.
	Set()
}

const Loose = 1

// Grouped constants share the group's doc.
const (
	GroupedA = 1
	GroupedB = 2
)

var (
	Lonely = 1
	Commented = 2 // Commented has a line comment.
)

// An Article may start a type's doc.
type Article struct{}

// Gen is generic.
type Gen[X any] struct{}

func (g *Gen[X]) Next() {}

// Documentedness does not name Document.
type Document struct{}

// Fields has fields.
type Fields struct {
	Bare int
	// Doc is documented.
	Doc int
	Trailing int // Trailing has a line comment.
	hidden int
	Embedded
	*Pointer
	io.Reader
	A, B int
	// First and Second share a comment, which documents only First.
	First  int
	Second int
	// Nested is documented; its own fields are checked too.
	Nested struct {
		Inner int
		// Fine is documented.
		Fine int
	}
	// Items holds anonymous structs.
	Items []*struct {
		Item int
	}
	// secret is unexported, so go doc shows none of its fields.
	secret struct {
		Shown int
	}
}

// fieldsOfHidden is unexported, so go doc shows none of its fields.
type fieldsOfHidden struct {
	Bare int
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	require.NoError(t, err)
	got := undocumented(fset, f)
	want := []string{
		"p.go:3: Bare has no doc comment",
		"p.go:6: Good: doc comment does not start with Good",
		"p.go:13: type T has no doc comment",
		"p.go:15: T.Method has no doc comment",
		"p.go:24: I.Get (interface method) has no doc comment",
		"p.go:29: Loose has no doc comment",
		"p.go:38: Lonely has no doc comment",
		"p.go:48: Gen.Next has no doc comment",
		"p.go:51: type Document: doc comment does not start with its name",
		"p.go:55: Fields.Bare (field) has no doc comment",
		"p.go:63: Fields.A (field) has no doc comment",
		"p.go:63: Fields.B (field) has no doc comment",
		"p.go:66: Fields.Second (field) has no doc comment",
		"p.go:69: Fields.Nested.Inner (field) has no doc comment",
		"p.go:75: Fields.Items.Item (field) has no doc comment",
	}
	assert.Equal(t, want, got)
}

// TestRuntimeDependencies keeps the module's non-test code on the standard
// library and go-querystring (DESIGN.md: one runtime dependency).
func TestRuntimeDependencies(t *testing.T) {
	t.Parallel()
	const self = "github.com/scaforge/mangopay"
	allowed := func(path string) bool {
		first, _, _ := strings.Cut(path, "/")
		return !strings.Contains(first, ".") || // the standard library
			path == "github.com/google/go-querystring/query" ||
			path == self || strings.HasPrefix(path, self+"/")
	}
	dirs := []string{".", "mangopaytest", filepath.Join("cmd", "mangopay-sandbox")}
	for _, dir := range dirs {
		_, files := parseDir(t, dir)
		for _, f := range files {
			for _, imp := range f.Imports {
				path, err := strconv.Unquote(imp.Path.Value)
				require.NoError(t, err)
				assert.True(t, allowed(path), "%s imports %s: runtime code may use only the standard library and go-querystring", dir, path)
			}
		}
	}
}

// TestGoMod checks the module path, a go directive no newer than 1.24, and
// that every direct requirement is one of the agreed ones (go-querystring at
// run time; testify, httpmock and goleak in tests).
func TestGoMod(t *testing.T) {
	t.Parallel()
	f, err := os.Open("go.mod")
	require.NoError(t, err)
	defer f.Close()
	direct := map[string]bool{}
	var module, goVersion string
	inRequire := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0 || strings.HasPrefix(line, "//"):
		case inRequire && line == ")":
			inRequire = false
		case inRequire:
			if !strings.Contains(line, "// indirect") {
				direct[fields[0]] = true
			}
		case fields[0] == "module" && len(fields) == 2:
			module = fields[1]
		case fields[0] == "go" && len(fields) == 2:
			goVersion = fields[1]
		case fields[0] == "require" && len(fields) >= 2 && fields[1] == "(":
			inRequire = true
		case fields[0] == "require" && len(fields) >= 3:
			if !strings.Contains(line, "// indirect") {
				direct[fields[1]] = true
			}
		}
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, "github.com/scaforge/mangopay", module)

	parts := strings.Split(goVersion, ".")
	require.GreaterOrEqual(t, len(parts), 2, "go directive %q", goVersion)
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	require.NoError(t, err1)
	require.NoError(t, err2)
	assert.True(t, major == 1 && minor <= 24, "go directive %s is newer than 1.24", goVersion)

	agreed := map[string]bool{
		"github.com/google/go-querystring": true, // runtime
		"github.com/stretchr/testify":      true, // tests
		"github.com/jarcoal/httpmock":      true, // tests
		"go.uber.org/goleak":               true, // tests: TestMain
	}
	assert.True(t, direct["github.com/google/go-querystring"], "go-querystring is required")
	for dep := range direct {
		assert.True(t, agreed[dep], "go.mod requires %s, which is not an agreed dependency", dep)
	}
}

// TestNetworkMethodsTakeContextFirst checks every exported method of the
// services (c.Users, c.Wallets, ...): context.Context first, and an error
// (or an iter.Seq2 of items and errors) last; and every exported function
// or method taking a context.Context first: ...RequestOption last, but for
// the listed exceptions.
func TestNetworkMethodsTakeContextFirst(t *testing.T) {
	t.Parallel()
	_, files := parseDir(t, ".")
	isSelector := func(e ast.Expr, pkg, name string) bool {
		se, ok := e.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		id, ok := se.X.(*ast.Ident)
		return ok && id.Name == pkg && se.Sel.Name == name
	}
	n := 0
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !fd.Name.IsExported() || !strings.HasSuffix(receiverName(fd), "Service") {
				continue
			}
			n++
			name := receiverName(fd) + "." + fd.Name.Name
			params := fd.Type.Params.List
			if assert.NotEmpty(t, params, name) {
				assert.True(t, isSelector(params[0].Type, "context", "Context"), "%s: the first parameter must be ctx context.Context", name)
			}
			results := fd.Type.Results
			if !assert.NotNil(t, results, name) {
				continue
			}
			last := results.List[len(results.List)-1].Type
			if ix, ok := last.(*ast.IndexListExpr); ok && isSelector(ix.X, "iter", "Seq2") {
				continue
			}
			id, ok := last.(*ast.Ident)
			assert.True(t, ok && id.Name == "error", "%s: the last result must be error", name)
		}
	}
	assert.Greater(t, n, 20, "the services' methods were found")

	// Every exported function or method that takes a context first is a
	// call that may reach Mangopay, and takes ...RequestOption last, so a
	// caller can set an Idempotency-Key or capture the response on any of
	// them. The exceptions, each with its reason:
	exceptions := map[string]string{
		// Its signature is the ResourceFetcher interface's, which a
		// platform's own fetcher (a cache, a fake) implements too.
		"Client.FetchResource": "ResourceFetcher interface method",
		// Runs a webhook delivery: the platform's function and the
		// handler's confirmation (configured on the handler), not one call.
		"WebhookHandler.Process": "EventProcessor interface method",
		// Storage interfaces the platform implements too (a database, Redis):
		// local storage, no request to Mangopay.
		"MemoryTokenStore.Get":       "TokenStore interface method, no request",
		"MemoryTokenStore.Set":       "TokenStore interface method, no request",
		"MemoryDeliveryStore.Begin":  "DeliveryStore interface method, no request",
		"MemoryDeliveryStore.Finish": "DeliveryStore interface method, no request",
	}
	withCtx := 0
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || !fd.Name.IsExported() || (fd.Recv != nil && !ast.IsExported(receiverName(fd))) {
				continue
			}
			params := fd.Type.Params.List
			if len(params) == 0 || !isSelector(params[0].Type, "context", "Context") {
				continue
			}
			withCtx++
			name := fd.Name.Name
			if r := receiverName(fd); r != "" {
				name = r + "." + name
			}
			if _, ok := exceptions[name]; ok {
				delete(exceptions, name)
				continue
			}
			variadic, ok := params[len(params)-1].Type.(*ast.Ellipsis)
			var elt *ast.Ident
			if ok {
				elt, _ = variadic.Elt.(*ast.Ident)
			}
			assert.True(t, elt != nil && elt.Name == "RequestOption",
				"%s takes a context.Context first, so its last parameter must be ...RequestOption (or list it in exceptions with a reason)", name)
		}
	}
	assert.Greater(t, withCtx, n, "the package-level and other methods were checked too")
	assert.Empty(t, exceptions, "an exception that no longer exists is removed from the list")
}

// TestDesignLayoutNamesEveryFile: docs/DESIGN.md's Layout names every Go
// file of the root package, and only files that exist, so the map of the
// package cannot go stale after a split.
func TestDesignLayoutNamesEveryFile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("docs/DESIGN.md")
	require.NoError(t, err)
	doc := string(b)
	start := strings.Index(doc, "## Layout\n")
	require.GreaterOrEqual(t, start, 0, "DESIGN.md has a Layout section")
	layout := doc[start:]
	layout = layout[:strings.Index(layout, "\n## ")]
	named := map[string]bool{}
	for _, w := range strings.FieldsFunc(layout, func(r rune) bool { return r == ' ' || r == ',' || r == '\n' || r == '(' || r == ')' }) {
		if strings.HasSuffix(w, ".go") && !strings.Contains(w, "/") {
			named[w] = true
		}
	}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			assert.True(t, named[f], "docs/DESIGN.md Layout does not name %s", f)
			delete(named, f)
		}
	}
	assert.Empty(t, named, "docs/DESIGN.md Layout names files that do not exist")
}
