package manifests_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
)

// TestRBACMatchesCode scans the controller's Go sources for the API calls it makes
// and compares them with install.yaml's ClusterRole and leader election Role, both
// ways: every call is granted, and every grant is used by some call (least
// privilege), except the few rules in grantedAhead. It sees the typed clients
// (kube.AppsV1().ReplicaSets(ns).Create(...)), informers built from the shared
// factories (factory.Apps().V1().Deployments(): list and watch), the metadata
// informer for pods, the event sink and the leader election lock.
func TestRBACMatchesCode(t *testing.T) {
	used := scanAccesses(t)
	if len(used) == 0 {
		t.Fatal("the scan found no API calls; has the code moved?")
	}
	b := load(t, "install.yaml")
	granted := grants(append(append([]rbacv1.PolicyRule{}, b.clusterRoles[0].Rules...), b.roles[0].Rules...))

	for _, a := range sortedAccesses(used) {
		if !granted[a] {
			t.Errorf("%s is called (%s) but not granted: add it to manifests/base/clusterrole.yaml (and namespace-role.yaml) with a comment, then run 'make manifests'",
				a, strings.Join(used[a], ", "))
		}
	}
	for _, a := range sortedAccesses(granted) {
		if _, ok := used[a]; ok {
			continue
		}
		if _, ok := grantedAhead[a.group+" "+a.resource]; ok {
			continue
		}
		t.Errorf("%s is granted but no controller code calls it: remove it from the RBAC rules (least privilege), or list it in grantedAhead with the reason", a)
	}
}

// controllerSources are the trees whose API calls the controller process makes.
// rollout/plan is pure; pkg/cli is the kubectl plugin, which runs with the user's
// rights.
var controllerSources = []string{"../rollout", "../analysis", "../internal", "../pkg/controller", "../pkg/metrics", "../notifications"}

// grantedAhead are rules the code needs without a client call the scan can see,
// keyed by "group resource", with the reason.
var grantedAhead = map[string]string{
	"sluice.dev rollouts/finalizers":     "ReplicaSets and AnalysisRuns set blockOwnerDeletion on their Rollout owner reference (OwnerReferencesPermissionEnforcement)",
	"sluice.dev analysisruns/finalizers": "Jobs set blockOwnerDeletion on their AnalysisRun owner reference",
	// Traffic routing (SPEC §4): granted ahead of the routers, which are being written.
	"networking.istio.io virtualservices":            "Istio router",
	"networking.istio.io destinationrules":           "Istio router",
	"gateway.networking.k8s.io httproutes":           "Gateway API router",
	"apiextensions.k8s.io customresourcedefinitions": "detecting whether Istio and Gateway API are installed",
}

// access is one RBAC permission: a verb on a group's resource (with subresource).
type access struct{ group, resource, verb string }

func (a access) String() string {
	g := a.group
	if g == "" {
		g = "core"
	}
	return fmt.Sprintf("%s %s %s", g, a.resource, a.verb)
}

// clientGroups maps a typed clientset's group-version accessor (kube.AppsV1()) to
// its API group. An accessor missing here fails the test: add it with its group.
var clientGroups = map[string]string{
	"CoreV1": "", "AppsV1": "apps", "BatchV1": "batch", "DiscoveryV1": "discovery.k8s.io",
	"PolicyV1": "policy", "CoordinationV1": "coordination.k8s.io", "EventsV1": "events.k8s.io",
	"SluiceV1alpha1": "sluice.dev", "ApiextensionsV1": "apiextensions.k8s.io",
	"NetworkingV1alpha3": "networking.istio.io", "NetworkingV1beta1": "networking.istio.io",
	"GatewayV1": "gateway.networking.k8s.io", "GatewayV1beta1": "gateway.networking.k8s.io",
}

// informerGroups maps a shared informer factory's group accessor
// (factory.Apps().V1().Deployments()) to its API group.
var informerGroups = map[string]string{
	"Core": "", "Apps": "apps", "Batch": "batch", "Discovery": "discovery.k8s.io",
	"Coordination": "coordination.k8s.io", "Sluice": "sluice.dev",
	"Apiextensions": "apiextensions.k8s.io", "Gateway": "gateway.networking.k8s.io",
}

// clientVerbs maps a typed client method to the verb and subresource it needs.
var clientVerbs = map[string]struct{ verb, subresource string }{
	"Get": {"get", ""}, "List": {"list", ""}, "Watch": {"watch", ""},
	"Create": {"create", ""}, "Update": {"update", ""}, "Patch": {"patch", ""},
	"Delete": {"delete", ""}, "DeleteCollection": {"deletecollection", ""}, "Apply": {"patch", ""},
	"UpdateStatus": {"update", "status"}, "ApplyStatus": {"patch", "status"},
	"GetScale": {"get", "scale"}, "UpdateScale": {"update", "scale"},
}

// scanAccesses parses the controller's non-test Go files and returns every access
// they need, with the places that need it.
func scanAccesses(t *testing.T) map[access][]string {
	t.Helper()
	used := map[access][]string{}
	fset := token.NewFileSet()
	add := func(pos token.Pos, group, resource string, verbs ...string) {
		p := fset.Position(pos)
		where := filepath.ToSlash(strings.TrimPrefix(p.Filename, "../")) + ":" + strconv.Itoa(p.Line)
		for _, v := range verbs {
			a := access{group, resource, v}
			used[a] = append(used[a], where)
		}
	}
	for _, root := range controllerSources {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					scanCall(t, n, add)
				case *ast.SelectorExpr:
					scanKnownTypes(n, add)
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatalf("scan %s: %v", root, err)
		}
	}
	return used
}

// scanCall recognises a typed client call, an informer request and the
// metadata informer's resource.
func scanCall(t *testing.T, call *ast.CallExpr, add func(token.Pos, string, string, ...string)) {
	t.Helper()
	method, recv := calledMethod(call)
	if method == "" {
		return
	}
	// kube.AppsV1().ReplicaSets(ns).Create(ctx, …)
	if resCall, ok := recv.(*ast.CallExpr); ok {
		resource, gvRecv := calledMethod(resCall)
		if gvCall, ok := gvRecv.(*ast.CallExpr); ok && len(gvCall.Args) == 0 {
			gv, _ := calledMethod(gvCall)
			if group, known := clientGroups[gv]; known {
				if resource == "Evictions" && group == "policy" && method == "Evict" {
					add(call.Pos(), "", "pods/eviction", "create")
					return
				}
				v, ok := clientVerbs[method]
				if !ok {
					return // not a request (e.g. RESTClient())
				}
				res := strings.ToLower(resource)
				if v.subresource != "" {
					res += "/" + v.subresource
				} else if method == "Patch" && len(call.Args) > 5 {
					res += "/" + stringLit(t, call.Args[5])
				}
				add(call.Pos(), group, res, v.verb)
				return
			} else if strings.HasSuffix(gv, "V1") || strings.Contains(gv, "V1alpha") || strings.Contains(gv, "V1beta") {
				if _, isVerb := clientVerbs[method]; isVerb && resource != "" {
					t.Errorf("unknown client group accessor %s(): add it to clientGroups", gv)
				}
			}
		}
	}
	// factory.Apps().V1().Deployments(): an informer, so list and watch.
	if len(call.Args) == 0 {
		if versionCall, ok := recv.(*ast.CallExpr); ok && len(versionCall.Args) == 0 {
			version, groupRecv := calledMethod(versionCall)
			if groupCall, ok := groupRecv.(*ast.CallExpr); ok && len(groupCall.Args) == 0 && isVersion(version) {
				g, _ := calledMethod(groupCall)
				if group, known := informerGroups[g]; known {
					add(call.Pos(), group, strings.ToLower(method), "list", "watch")
				}
			}
		}
	}
	// corev1.SchemeGroupVersion.WithResource("pods"): the metadata informer.
	if method == "WithResource" && len(call.Args) == 1 {
		if sel, ok := recv.(*ast.SelectorExpr); ok && sel.Sel.Name == "SchemeGroupVersion" {
			pkg, _ := sel.X.(*ast.Ident)
			if pkg == nil || pkg.Name != "corev1" {
				t.Errorf("metadata informer for a resource of %v: teach rbac_test.go its group", sel.X)
				return
			}
			add(call.Pos(), "", stringLit(t, call.Args[0]), "list", "watch")
		}
	}
}

// scanKnownTypes recognises client-go helpers that make requests inside
// client-go: the event sink and the Lease lock.
func scanKnownTypes(sel *ast.SelectorExpr, add func(token.Pos, string, string, ...string)) {
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return
	}
	switch pkg.Name + "." + sel.Sel.Name {
	case "typedcorev1.EventSinkImpl":
		// tools/record creates events, and patches a repeated one's count.
		add(sel.Pos(), "", "events", "create", "patch")
	case "resourcelock.LeaseLock":
		add(sel.Pos(), "coordination.k8s.io", "leases", "get", "create", "update")
	}
}

// calledMethod returns the name of a called method and its receiver expression.
func calledMethod(call *ast.CallExpr) (string, ast.Expr) {
	if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
		return sel.Sel.Name, sel.X
	}
	return "", nil
}

func isVersion(s string) bool {
	return s == "V1" || strings.HasPrefix(s, "V1alpha") || strings.HasPrefix(s, "V1beta") || s == "V2"
}

func stringLit(t *testing.T, e ast.Expr) string {
	t.Helper()
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		t.Errorf("expected a string literal, got %T", e)
		return ""
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		t.Error(err)
	}
	return s
}

// grants expands rules into the set of accesses they allow.
func grants(rules []rbacv1.PolicyRule) map[access]bool {
	out := map[access]bool{}
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out[access{g, res, v}] = true
				}
			}
		}
	}
	return out
}

func sortedAccesses[V any](m map[access]V) []access {
	out := make([]access, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// TestRBACScanner checks the scanner on a small source file, so a scan that
// silently stops seeing calls is caught.
func TestRBACScanner(t *testing.T) {
	src := `package x
func f() {
	c.kube.AppsV1().ReplicaSets(ns).Create(ctx, rs, opts)
	c.sluice.SluiceV1alpha1().Rollouts(ns).UpdateStatus(ctx, ro, opts)
	c.kube.CoreV1().Pods(ns).Patch(ctx, name, pt, data, opts, "status")
	c.kube.PolicyV1().Evictions(ns).Evict(ctx, ev)
	c.rsLister.ReplicaSets(ns).Get(name)
	f.Batch().V1().Jobs()
	m.ForResource(corev1.SchemeGroupVersion.WithResource("pods"))
	_ = &typedcorev1.EventSinkImpl{}
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	add := func(_ token.Pos, group, resource string, verbs ...string) {
		for _, v := range verbs {
			got = append(got, access{group, resource, v}.String())
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			scanCall(t, n, add)
		case *ast.SelectorExpr:
			scanKnownTypes(n, add)
		}
		return true
	})
	sort.Strings(got)
	want := []string{
		"apps replicasets create", "batch jobs list", "batch jobs watch",
		"core events create", "core events patch", "core pods list", "core pods watch",
		"core pods/eviction create", "core pods/status patch", "sluice.dev rollouts/status update",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scan (-want +got):\n%s", diff)
	}
}
