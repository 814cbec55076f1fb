package all

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestKernelsDoNotWriteCapturedVariables guards the rule that makes
// Session.Run safe for concurrent use: a kernel — the func literal a bind
// function returns — must not assign to variables it captured from the
// bind call (a shared err, a scratch buffer): every run would share them.
// The check is syntactic: inside each kernel literal, an `=` assignment to
// a plain name must target a name the literal itself declared earlier.
func TestKernelsDoNotWriteCapturedVariables(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.FuncLit)
			if !ok || !isKernel(lit.Type) {
				return true
			}
			local := declared(lit)
			ast.Inspect(lit.Body, func(m ast.Node) bool {
				as, ok := m.(*ast.AssignStmt)
				if !ok || as.Tok == token.DEFINE {
					return true
				}
				for _, e := range as.Lhs {
					if id, ok := e.(*ast.Ident); ok && id.Name != "_" && !declaredBefore(local, id) {
						t.Errorf("%s: kernel assigns to captured variable %s", fset.Position(id.Pos()), id.Name)
					}
				}
				return true
			})
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// isKernel matches ops.Kernel and ops.ValueKernel signatures: one slice
// parameter, results (slice, error).
func isKernel(ft *ast.FuncType) bool {
	if ft.Params == nil || len(ft.Params.List) != 1 || ft.Results == nil || len(ft.Results.List) != 2 {
		return false
	}
	_, in := ft.Params.List[0].Type.(*ast.ArrayType)
	_, out := ft.Results.List[0].Type.(*ast.ArrayType)
	errID, isErr := ft.Results.List[1].Type.(*ast.Ident)
	return in && out && isErr && errID.Name == "error"
}

// declaredBefore reports whether the literal declared id's name before id.
func declaredBefore(decls map[string][]token.Pos, id *ast.Ident) bool {
	for _, p := range decls[id.Name] {
		if p < id.Pos() {
			return true
		}
	}
	return false
}

// declared lists where the literal declares each name: parameters,
// results, := assignments, var declarations and range variables.
func declared(lit *ast.FuncLit) map[string][]token.Pos {
	names := map[string][]token.Pos{}
	add := func(id *ast.Ident) { names[id.Name] = append(names[id.Name], id.Pos()) }
	for _, fl := range []*ast.FieldList{lit.Type.Params, lit.Type.Results} {
		if fl == nil {
			continue
		}
		for _, f := range fl.List {
			for _, n := range f.Names {
				add(n)
			}
		}
	}
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		switch s := n.(type) {
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE {
				for _, e := range s.Lhs {
					if id, ok := e.(*ast.Ident); ok {
						add(id)
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range s.Names {
				add(id)
			}
		case *ast.RangeStmt:
			if s.Tok == token.DEFINE {
				for _, e := range []ast.Expr{s.Key, s.Value} {
					if id, ok := e.(*ast.Ident); ok {
						add(id)
					}
				}
			}
		case *ast.FuncLit:
			for _, fl := range []*ast.FieldList{s.Type.Params, s.Type.Results} {
				if fl == nil {
					continue
				}
				for _, f := range fl.List {
					for _, id := range f.Names {
						add(id)
					}
				}
			}
		}
		return true
	})
	return names
}
