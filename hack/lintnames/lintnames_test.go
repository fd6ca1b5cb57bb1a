// Package lintnames holds a test that keeps kubectl command lines in the scripts,
// docs and tests on sluice's fully qualified resource names.
//
// Argo Rollouts' CRDs have the same kinds and short names as sluice's (Rollout/ro,
// AnalysisRun/ar, AnalysisTemplate/at, ClusterAnalysisTemplate/cat). On a cluster
// that has both, as one moving from Argo Rollouts does, kubectl resolves a bare
// `rollout` or `ro` to one of the two groups: `make demo`'s wait once went to
// rollouts.argoproj.io and failed. So every resource name given to kubectl is
// written rollouts.sluice.dev, analysisruns.sluice.dev, analysistemplates.sluice.dev
// or clusteranalysistemplates.sluice.dev.
package lintnames

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// bareNames are the resource names, plural, singular and short, that both
// sluice.dev and argoproj.io serve.
var bareNames = map[string]bool{
	"rollout": true, "rollouts": true, "ro": true,
	"analysisrun": true, "analysisruns": true, "ar": true,
	"analysistemplate": true, "analysistemplates": true, "at": true,
	"clusteranalysistemplate": true, "clusteranalysistemplates": true, "cat": true,
}

// resourceVerbs are the kubectl commands whose first argument is a resource
// (TYPE, TYPE,TYPE or TYPE/NAME).
var resourceVerbs = map[string]bool{
	"get": true, "describe": true, "wait": true, "patch": true, "edit": true, "delete": true,
	"label": true, "annotate": true, "scale": true, "autoscale": true, "explain": true,
	"expose": true,
}

// valueFlags are kubectl flags that take the next argument as their value when
// not written --flag=value.
var valueFlags = map[string]bool{
	"-n": true, "--namespace": true, "--context": true, "--kubeconfig": true, "--cluster": true,
	"--user": true, "-s": true, "--server": true, "--token": true, "--as": true, "--as-group": true,
	"-l": true, "--selector": true, "-o": true, "--output": true, "-f": true, "--filename": true,
	"-k": true, "--kustomize": true, "-c": true, "--container": true, "-p": true, "--patch": true,
	"--type": true, "--for": true, "--timeout": true, "--field-selector": true, "--sort-by": true,
	"--template": true, "-L": true, "--label-columns": true, "--subresource": true,
	"--request-timeout": true, "--cascade": true, "--grace-period": true, "--replicas": true,
}

// A finding is one kubectl command line naming a bare resource.
type finding struct {
	pos  string // file:line
	name string // the resource argument as written
	text string // the line
}

// TestKubectlResourceNamesAreQualified scans the scripts, docs and tests for
// kubectl command lines that name a sluice resource by a name Argo Rollouts also
// serves, and fails with file:line for each.
func TestKubectlResourceNamesAreQualified(t *testing.T) {
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found from %s: %v", root, err)
	}
	files, err := filesToScan(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found only %d files to scan under %s: %v", len(files), root, files)
	}
	self, _ := filepath.Abs("lintnames_test.go")
	for _, file := range files {
		if abs, _ := filepath.Abs(file); abs == self {
			continue // its own examples
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, file)
		for _, f := range scan(filepath.ToSlash(rel), data) {
			t.Errorf("%s: kubectl names the resource %q, which Argo Rollouts serves too: write "+
				"rollouts.sluice.dev, analysisruns.sluice.dev, analysistemplates.sluice.dev or "+
				"clusteranalysistemplates.sluice.dev\n\t%s", f.pos, f.name, strings.TrimSpace(f.text))
		}
	}
}

// filesToScan lists hack/**/*.{sh,md,go}, docs/**/*.md, README.md, test/**/*.go,
// the kubectl plugin's sources (pkg/cli and the packages it was split into:
// pkg/view, pkg/lint, pkg/convert) and the example manifests.
func filesToScan(root string) ([]string, error) {
	var files []string
	add := func(dir string, exts ...string) error {
		return filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			if d.IsDir() {
				switch d.Name() {
				case ".git", ".cluster", ".bench", "bin", "_output", "node_modules":
					return filepath.SkipDir
				}
				return nil
			}
			for _, ext := range exts {
				if strings.HasSuffix(path, ext) {
					files = append(files, path)
					break
				}
			}
			return nil
		})
	}
	for _, d := range []struct {
		dir  string
		exts []string
	}{
		{"hack", []string{".sh", ".md", ".go"}},
		{"docs", []string{".md"}},
		{"test", []string{".go", ".md", ".sh"}},
		{"pkg/cli", []string{".go"}},
		{"pkg/view", []string{".go"}},
		{"pkg/lint", []string{".go"}},
		{"pkg/convert", []string{".go"}},
		{"manifests/examples", []string{".yaml", ".yml"}},
	} {
		if err := add(d.dir, d.exts...); err != nil {
			return nil, err
		}
	}
	files = append(files, filepath.Join(root, "README.md"))
	sort.Strings(files)
	return files, nil
}

// scan returns the findings in one file: every line is read as text (shell,
// Markdown, comments and strings in Go), and Go files are also parsed for kubectl
// calls whose arguments span lines or come from a []string.
func scan(name string, data []byte) []finding {
	var out []finding
	seen := map[int]bool{}
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		if bad, ok := checkLine(line); ok {
			seen[i+1] = true
			out = append(out, finding{pos: name + ":" + strconv.Itoa(i+1), name: bad, text: line})
		}
	}
	if strings.HasSuffix(name, ".go") {
		for _, f := range scanGo(data) {
			if !seen[f.line] {
				seen[f.line] = true
				out = append(out, finding{pos: name + ":" + strconv.Itoa(f.line), name: f.name, text: lines[f.line-1]})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return lineOf(out[i].pos) < lineOf(out[j].pos) })
	return out
}

func lineOf(pos string) int {
	n, _ := strconv.Atoi(pos[strings.LastIndexByte(pos, ':')+1:])
	return n
}

// splitRE splits a line into words: at spaces, parentheses (`$(kubectl ...)`,
// `exec.Command("kubectl", ...`) and a Markdown table's pipes.
var splitRE = regexp.MustCompile(`[\s()]+`)

// checkLine finds a kubectl command on a line of text and checks its resource
// argument. Every kubectl on the line is checked (`$(kubectl ...)` inside
// another command).
func checkLine(line string) (string, bool) {
	words := splitRE.Split(line, -1)
	for i, w := range words {
		if !isKubectl(w) {
			continue
		}
		var argv []string
		for _, a := range words[i+1:] {
			if a == "|" || a == "||" || a == "&&" || a == ";" || a == "&" || strings.HasPrefix(a, "#") ||
				strings.HasPrefix(a, ">") || strings.HasPrefix(a, "2>") {
				break
			}
			argv = append(argv, a)
		}
		if bad, ok := checkArgv(argv); ok {
			return bad, true
		}
	}
	return "", false
}

// isKubectl reports whether a word is the kubectl program: `kubectl`,
// "${kubectl}", /usr/local/bin/kubectl, cluster.Info.Kubectl; not kubectl-sluice
// (the plugin's binary), kubectl=..., or kubectl.kubernetes.io/... .
func isKubectl(word string) bool {
	w := strings.Trim(word, "\"'`,;{}[]$:*")
	if i := strings.LastIndexByte(w, '/'); i >= 0 {
		w = w[i+1:]
	}
	if i := strings.LastIndexByte(w, '.'); i >= 0 {
		w = w[i+1:]
	}
	return strings.EqualFold(strings.Trim(w, "\"'`{}$"), "kubectl")
}

// clean strips the quoting and punctuation around a word: quotes, backticks, a
// trailing comma in Go, ${...} in shell.
func clean(word string) string {
	return strings.Trim(word, "\"'`,;{}[]\\")
}

// checkArgv checks kubectl's arguments: the first that is neither a flag nor a
// flag's value is the command; for the commands that take a resource, the next
// such argument is the resource. `kubectl rollout ...` (the built-in command for
// Deployments) and `kubectl sluice ...` (the plugin) name no resource.
func checkArgv(argv []string) (string, bool) {
	var verb string
	events := false
	for i := 0; i < len(argv); i++ {
		a := clean(argv[i])
		if a == "" {
			continue
		}
		if strings.HasPrefix(a, "-") {
			flag, value, hasValue := strings.Cut(a, "=")
			if events && flag == "--for" {
				// kubectl events --for TYPE/NAME
				if !hasValue && i+1 < len(argv) {
					value = clean(argv[i+1])
				}
				if bad, ok := bareResource(value); ok {
					return bad, true
				}
			}
			if !hasValue && valueFlags[flag] {
				i++
			}
			continue
		}
		if verb == "" {
			verb = a
			switch verb {
			case "events":
				events = true
			case "auth":
				// kubectl auth can-i VERB RESOURCE
				verb, i = "get", i+2
			case "set":
				// kubectl set image TYPE/NAME ...
				verb, i = "get", i+1
			}
			if !resourceVerbs[verb] && !events {
				return "", false
			}
			continue
		}
		if events {
			continue
		}
		return bareResource(a)
	}
	return "", false
}

// bareResource reports whether a resource argument (TYPE, TYPE/NAME,
// TYPE,TYPE, TYPE.field for explain) names one of bareNames.
func bareResource(arg string) (string, bool) {
	typ, _, _ := strings.Cut(arg, "/")
	for _, t := range strings.Split(typ, ",") {
		t = strings.ToLower(strings.TrimSpace(t))
		if bareNames[t] {
			return arg, true
		}
		// explain's rollout.spec.strategy; rollouts.sluice.dev (and
		// rollouts.argoproj.io, meant as such) are qualified.
		if first, rest, ok := strings.Cut(t, "."); ok && bareNames[first] &&
			!strings.HasPrefix(rest, "sluice.dev") && !strings.HasPrefix(rest, "argoproj.io") {
			return arg, true
		}
	}
	return "", false
}

// A goFinding is a kubectl call found in Go source.
type goFinding struct {
	line int
	name string
}

// scanGo finds calls that run kubectl in Go source, exec.Command(kubectl, ...)
// or a helper named like Kubectl(...), with arguments written over several lines
// or given as a []string, and checks their arguments.
func scanGo(data []byte) []goFinding {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "x.go", data, parser.SkipObjectResolution)
	if err != nil {
		return nil // not our business: the compiler reports it
	}
	// The []string values local variables were given (args := []string{...},
	// args = append(args, ...)), to follow exec.Command(kubectl, args...).
	slices := map[string][]ast.Expr{}
	ast.Inspect(file, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				id, ok := lhs.(*ast.Ident)
				if !ok || i >= len(n.Rhs) {
					continue
				}
				switch rhs := n.Rhs[i].(type) {
				case *ast.CompositeLit:
					slices[id.Name] = rhs.Elts
				case *ast.CallExpr:
					if fn, ok := rhs.Fun.(*ast.Ident); ok && fn.Name == "append" && len(rhs.Args) > 0 {
						var elts []ast.Expr
						for _, a := range rhs.Args {
							elts = append(elts, expand(a, slices)...)
						}
						slices[id.Name] = elts
					}
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if i < len(n.Values) {
					if lit, ok := n.Values[i].(*ast.CompositeLit); ok {
						slices[id.Name] = lit.Elts
					}
				}
			}
		}
		return true
	})
	var out []goFinding
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		var args []ast.Expr
		switch name := calleeName(call.Fun); {
		case name == "Command" || name == "CommandContext":
			prog := 0
			if name == "CommandContext" {
				prog = 1
			}
			if len(call.Args) <= prog || !isKubectl(exprText(call.Args[prog])) {
				return true
			}
			args = call.Args[prog+1:]
		case strings.Contains(strings.ToLower(name), "kubectl") && !strings.Contains(strings.ToLower(name), "sluice"):
			args = call.Args
			// Leading non-string arguments (a context, a namespace) are not argv.
			for len(args) > 0 && stringLit(args[0]) == nil {
				args = args[1:]
			}
		default:
			return true
		}
		var argv []string
		var pos []token.Pos
		for _, a := range args {
			for _, e := range expand(a, slices) {
				if s := stringLit(e); s != nil {
					argv = append(argv, *s)
				} else {
					argv = append(argv, "<expr>")
				}
				pos = append(pos, e.Pos())
			}
		}
		if bad, ok := checkArgv(argv); ok {
			line := fset.Position(call.Pos()).Line
			for i, a := range argv {
				if a == bad {
					line = fset.Position(pos[i]).Line
				}
			}
			out = append(out, goFinding{line: line, name: bad})
		}
		return true
	})
	return out
}

// expand turns an argument into the expressions it stands for: the elements of
// a []string literal, or of a local slice passed as xs... .
func expand(e ast.Expr, slices map[string][]ast.Expr) []ast.Expr {
	switch e := e.(type) {
	case *ast.CompositeLit:
		return e.Elts
	case *ast.Ident:
		if elts, ok := slices[e.Name]; ok {
			return elts
		}
	case *ast.CallExpr:
		if fn, ok := e.Fun.(*ast.Ident); ok && fn.Name == "append" {
			var elts []ast.Expr
			for _, a := range e.Args {
				elts = append(elts, expand(a, slices)...)
			}
			return elts
		}
	}
	return []ast.Expr{e}
}

func calleeName(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// exprText renders an identifier, selector or string literal: enough to tell
// cluster.Info.Kubectl or "kubectl" from the rest.
func exprText(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprText(e.X) + "." + e.Sel.Name
	case *ast.BasicLit:
		if s := stringLit(e); s != nil {
			return *s
		}
	}
	return ""
}

func stringLit(e ast.Expr) *string {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return nil
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		return nil
	}
	return &s
}

// TestScanFindsBareNames checks the scanner on the forms the repository uses, and
// on the look-alikes it must leave alone.
func TestScanFindsBareNames(t *testing.T) {
	for _, tc := range []struct {
		file, src string
		want      []string // file:line of each finding
	}{
		// Found.
		{"a.sh", "kubectl get rollout x\n", []string{"a.sh:1"}},
		{"a.sh", `"${kubectl}" wait rollout/demo --for=jsonpath='{.status.phase}'=Healthy` + "\n", []string{"a.sh:1"}},
		{"a.sh", "kubectl -n ns get ro\n", []string{"a.sh:1"}},
		{"a.sh", "kubectl --kubeconfig /tmp/kc -n ns get ar my-run -o yaml\n", []string{"a.sh:1"}},
		{"a.sh", "x=$(kubectl get analysisrun <name> -o jsonpath='{.metadata.uid}')\n", []string{"a.sh:1"}},
		{"a.sh", `"${kubectl}" patch rollouts demo --type=json -p='[]'` + "\n", []string{"a.sh:1"}},
		{"a.sh", "kubectl get rs,ro\nkubectl delete at/success-rate\nkubectl get clusteranalysistemplates\n", []string{"a.sh:1", "a.sh:2", "a.sh:3"}},
		{"a.sh", "/usr/local/bin/kubectl describe cat x\n", []string{"a.sh:1"}},
		{"a.md", "```sh\nkubectl get rollout web -o yaml   # the status\n```\n", []string{"a.md:2"}},
		{"a.md", "counts from `kubectl get rollout` can lag\n", []string{"a.md:1"}},
		{"a.md", "kubectl explain rollout.spec.strategy\nkubectl events --for rollout/web\nkubectl auth can-i patch rollouts\n", []string{"a.md:1", "a.md:2", "a.md:3"}},
		{"a.go", "package x\nvar _ = exec.Command(\"kubectl\", \"get\", \"rollout\", \"web\")\n", []string{"a.go:2"}},
		{"a.go", "package x\nfunc f() {\n\tcmd := exec.Command(cluster.Info.Kubectl, \"--kubeconfig\", kc,\n\t\t\"wait\",\n\t\t\"rollout/web\", \"--for=condition=Healthy\")\n\t_ = cmd\n}\n", []string{"a.go:5"}},
		{"a.go", "package x\nfunc f() {\n\targs := []string{\"-n\", ns, \"get\", \"ro\", name}\n\texec.CommandContext(ctx, kubectl, args...)\n}\n", []string{"a.go:3"}},
		{"a.go", "package x\nfunc f() {\n\tf.Kubectl(ctx,\n\t\t\"get\", \"rollout\", \"web\")\n}\n", []string{"a.go:4"}},
		{"a.go", "package x\nfunc f() {\n\tt.Logf(\"see kubectl get rollout %s -o yaml\", name)\n}\n", []string{"a.go:3"}},

		// Left alone.
		{"b.sh", "kubectl rollout status deployment/x\nkubectl -n sluice-system rollout status deployment/sluice-controller\n", nil},
		{"b.sh", "kubectl sluice get rollout x\nkubectl sluice list rollouts -A\nkubectl sluice create analysisrun --from t\n", nil},
		{"b.sh", `"${bin}/kubectl-sluice" get rollout demo --no-color` + "\n", nil},
		{"b.sh", "kubectl get rollouts.sluice.dev x\nkubectl wait rollouts.sluice.dev/demo --for=jsonpath='{.status.phase}'=Healthy\n", nil},
		{"b.sh", "kubectl get analysisruns.sluice.dev,analysistemplates.sluice.dev\nkubectl get rollouts.argoproj.io web -o yaml | kubectl sluice convert -f -\n", nil},
		{"b.sh", "kubectl get events --field-selector involvedObject.kind=Rollout,involvedObject.name=web\n", nil},
		{"b.sh", "alias kubectl=${kubectl}\nkubectl get deployment web -o yaml > web.yaml\nkubectl scale deployment web --replicas 0\n", nil},
		{"b.md", "kubectl runs any executable called `kubectl-<name>`; the bare `rollout` or `ro` may resolve to either group\n", nil},
		{"b.md", "annotations like kubectl.kubernetes.io/last-applied-configuration, at rollout time\n", nil},
		{"b.go", "package x\nfunc f() {\n\tf.StartPlugin(\"get\", \"rollout\", \"web\", \"-w\")\n\tc.run(\"get\", \"ro\", \"web\")\n}\n", nil},
		{"b.go", "package x\nfunc f() {\n\texec.Command(pluginBin, \"get\", \"rollout\", \"web\")\n\texec.Command(kubectl, \"rollout\", \"status\", \"deployment/web\")\n}\n", nil},
		{"b.go", "package x\nfunc f() {\n\texec.Command(cluster.Info.Kubectl, \"--kubeconfig=\"+kc, \"apply\", \"--dry-run=server\", \"-f\", \"-\")\n}\n", nil},
	} {
		var got []string
		for _, f := range scan(tc.file, []byte(tc.src)) {
			got = append(got, f.pos)
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("scan(%s):\n%s\ngot findings %v, want %v", tc.file, tc.src, got, tc.want)
		}
	}
}

// TestFilesToScanCoversTheRepository guards the file list: the places the
// qualified names were fixed in must stay in it.
func TestFilesToScanCoversTheRepository(t *testing.T) {
	root := filepath.Join("..", "..")
	files, err := filesToScan(root)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		have[filepath.ToSlash(rel)] = true
	}
	want := []string{"hack/demo.sh", "README.md", "docs/getting-started.md", "docs/troubleshooting.md",
		"test/e2e/framework/plugin.go", "test/bench/main.go", "pkg/cli/convert.go", "pkg/lint/refs.go", "pkg/view/tree.go"}
	for _, w := range want {
		if !have[w] {
			t.Errorf("filesToScan misses %s", w)
		}
	}
}
