// Package manifests_test checks the install manifests offline: every object decodes
// strictly into its Kubernetes type, the Deployment matches the controller's flags and
// the Pod Security "restricted" profile, the CRDs are the generated ones, and the RBAC
// rules have the agreed shape.
package manifests_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/sluice-dev/sluice/pkg/controller"
)

const (
	installNamespace = "sluice-system"
	controllerName   = "sluice-controller"
	image            = "ghcr.io/sluice-dev/sluice-controller:latest"
	healthzPath      = "/healthz"
	readyzPath       = "/readyz"
)

// bundle is one manifest file, decoded.
type bundle struct {
	file                string
	namespaces          []corev1.Namespace
	serviceAccounts     []corev1.ServiceAccount
	clusterRoles        []rbacv1.ClusterRole
	clusterRoleBindings []rbacv1.ClusterRoleBinding
	roles               []rbacv1.Role
	roleBindings        []rbacv1.RoleBinding
	deployments         []appsv1.Deployment
	services            []corev1.Service
	// crds are kept as generic objects, keyed by name; rawDocs keep every
	// document's text (comments included) for the comment check.
	crds    map[string]any
	rawDocs []string
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// splitDocs returns the non-empty YAML documents of a file.
func splitDocs(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	for _, d := range docSeparator.Split(string(data), -1) {
		var probe map[string]any
		if err := yaml.Unmarshal([]byte(d), &probe); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(probe) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

// load decodes every document of file strictly into the type its kind names; an
// unknown kind, an unknown field or a duplicate key fails the test.
func load(t *testing.T, file string) *bundle {
	t.Helper()
	b := &bundle{file: file, crds: map[string]any{}}
	for i, doc := range splitDocs(t, file) {
		b.rawDocs = append(b.rawDocs, doc)
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			t.Fatalf("%s#%d: %v", file, i, err)
		}
		strict := func(into any) {
			if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
				t.Fatalf("%s#%d (%s): %v", file, i, tm.Kind, err)
			}
		}
		switch tm.APIVersion + " " + tm.Kind {
		case "v1 Namespace":
			var o corev1.Namespace
			strict(&o)
			b.namespaces = append(b.namespaces, o)
		case "v1 ServiceAccount":
			var o corev1.ServiceAccount
			strict(&o)
			b.serviceAccounts = append(b.serviceAccounts, o)
		case "v1 Service":
			var o corev1.Service
			strict(&o)
			b.services = append(b.services, o)
		case "apps/v1 Deployment":
			var o appsv1.Deployment
			strict(&o)
			b.deployments = append(b.deployments, o)
		case "rbac.authorization.k8s.io/v1 ClusterRole":
			var o rbacv1.ClusterRole
			strict(&o)
			b.clusterRoles = append(b.clusterRoles, o)
		case "rbac.authorization.k8s.io/v1 ClusterRoleBinding":
			var o rbacv1.ClusterRoleBinding
			strict(&o)
			b.clusterRoleBindings = append(b.clusterRoleBindings, o)
		case "rbac.authorization.k8s.io/v1 Role":
			var o rbacv1.Role
			strict(&o)
			b.roles = append(b.roles, o)
		case "rbac.authorization.k8s.io/v1 RoleBinding":
			var o rbacv1.RoleBinding
			strict(&o)
			b.roleBindings = append(b.roleBindings, o)
		case "apiextensions.k8s.io/v1 CustomResourceDefinition":
			var o map[string]any
			strict(&o)
			var meta struct {
				Metadata metav1.ObjectMeta `json:"metadata"`
			}
			if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
				t.Fatal(err)
			}
			b.crds[meta.Metadata.Name] = o
		default:
			t.Fatalf("%s#%d: unexpected object %s %s", file, i, tm.APIVersion, tm.Kind)
		}
	}
	return b
}

func TestInstall(t *testing.T) {
	b := load(t, "install.yaml")

	if len(b.namespaces) != 1 || b.namespaces[0].Name != installNamespace {
		t.Errorf("want exactly the Namespace %s, got %v", installNamespace, b.namespaces)
	}
	for _, n := range b.namespaced() {
		if n.ns != installNamespace {
			t.Errorf("%s %s is in namespace %q, want %s", n.kind, n.name, n.ns, installNamespace)
		}
	}
	checkCRDsAreGenerated(t, b)
	dep := checkDeployment(t, b)
	if got := argValue(dep, "--namespace"); got != "" {
		t.Errorf("cluster-wide install passes --namespace=%s", got)
	}
	checkMetricsService(t, b, dep)

	if len(b.clusterRoles) != 1 || len(b.clusterRoleBindings) != 1 {
		t.Fatalf("want one ClusterRole and one ClusterRoleBinding, got %d and %d", len(b.clusterRoles), len(b.clusterRoleBindings))
	}
	cr := b.clusterRoles[0]
	checkRules(t, "ClusterRole "+cr.Name, cr.Rules)
	checkBinding(t, b.clusterRoleBindings[0].RoleRef, b.clusterRoleBindings[0].Subjects, "ClusterRole", cr.Name, installNamespace)

	// Leases only in the install namespace, through a Role.
	if slices.ContainsFunc(cr.Rules, func(r rbacv1.PolicyRule) bool { return slices.Contains(r.Resources, "leases") }) {
		t.Error("the ClusterRole grants Leases cluster-wide; they belong in the leader election Role")
	}
	if len(b.roles) != 1 || len(b.roleBindings) != 1 {
		t.Fatalf("want one leader election Role and RoleBinding, got %d and %d", len(b.roles), len(b.roleBindings))
	}
	le := b.roles[0]
	checkRules(t, "Role "+le.Name, le.Rules)
	if want := []rbacv1.PolicyRule{{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "create", "update"}}}; !cmp.Equal(le.Rules, want) {
		t.Errorf("leader election Role rules = %+v, want %+v", le.Rules, want)
	}
	checkBinding(t, b.roleBindings[0].RoleRef, b.roleBindings[0].Subjects, "Role", le.Name, installNamespace)
	checkRuleComments(t, b)
}

func TestNamespaceInstall(t *testing.T) {
	b := load(t, "namespace-install.yaml")
	if len(b.namespaces)+len(b.crds)+len(b.clusterRoles)+len(b.clusterRoleBindings) != 0 {
		t.Errorf("namespace-install.yaml must hold no cluster-scoped object (Namespace, CRD, ClusterRole, ClusterRoleBinding)")
	}
	for _, n := range b.namespaced() {
		if n.ns != "" {
			t.Errorf("%s %s names namespace %q; namespace-install.yaml objects take the namespace of `kubectl apply -n`", n.kind, n.name, n.ns)
		}
	}
	dep := checkDeployment(t, b)
	if got := argValue(dep, "--namespace"); got != "$(POD_NAMESPACE)" {
		t.Errorf("--namespace = %q, want $(POD_NAMESPACE)", got)
	}
	checkMetricsService(t, b, dep)

	if len(b.roles) != 1 || len(b.roleBindings) != 1 {
		t.Fatalf("want one Role and one RoleBinding, got %d and %d", len(b.roles), len(b.roleBindings))
	}
	role := b.roles[0]
	checkRules(t, "Role "+role.Name, role.Rules)
	checkBinding(t, b.roleBindings[0].RoleRef, b.roleBindings[0].Subjects, "Role", role.Name, "")
	checkRuleComments(t, b)

	// The Role is the ClusterRole without its cluster-scoped rules, plus the Lease.
	cluster := load(t, "install.yaml")
	var want []rbacv1.PolicyRule
	for _, r := range cluster.clusterRoles[0].Rules {
		if !isClusterScoped(r) {
			want = append(want, r)
		}
	}
	want = append(want, cluster.roles[0].Rules...)
	if diff := cmp.Diff(normalize(want), normalize(role.Rules)); diff != "" {
		t.Errorf("namespace Role differs from install.yaml's namespaced rules (-want +got):\n%s", diff)
	}
}

func TestNamespaceInstallClusterReads(t *testing.T) {
	b := load(t, "namespace-install-cluster-reads.yaml")
	if len(b.clusterRoles) != 1 || len(b.rawDocs) != 1 {
		t.Fatalf("want exactly one ClusterRole, got %d objects", len(b.rawDocs))
	}
	cr := b.clusterRoles[0]
	checkRules(t, "ClusterRole "+cr.Name, cr.Rules)
	checkRuleComments(t, b)
	cluster := load(t, "install.yaml")
	var want []rbacv1.PolicyRule
	for _, r := range cluster.clusterRoles[0].Rules {
		if isClusterScoped(r) {
			want = append(want, r)
		}
	}
	if diff := cmp.Diff(normalize(want), normalize(cr.Rules)); diff != "" {
		t.Errorf("cluster reads differ from install.yaml's cluster-scoped rules (-want +got):\n%s", diff)
	}
	for _, r := range cr.Rules {
		for _, v := range r.Verbs {
			if v != "get" && v != "list" && v != "watch" {
				t.Errorf("cluster reads grant %q on %v", v, r.Resources)
			}
		}
	}
}

func TestKustomization(t *testing.T) {
	data, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Resources  []string `json:"resources"`
	}
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatal(err)
	}
	if k.Kind != "Kustomization" || !cmp.Equal(k.Resources, []string{"install.yaml"}) {
		t.Errorf("kustomization.yaml = %+v, want a Kustomization of install.yaml", k)
	}
}

// TestDockerfileUser keeps the image's user and the pod's runAsUser together.
func TestDockerfileUser(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var user, entrypoint string
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if u, ok := strings.CutPrefix(line, "USER "); ok {
			user = u
		}
		if e, ok := strings.CutPrefix(line, "ENTRYPOINT "); ok {
			entrypoint = e
		}
	}
	dep := load(t, "install.yaml").deployments[0]
	sc := dep.Spec.Template.Spec.SecurityContext
	if want := fmt.Sprintf("%d:%d", *sc.RunAsUser, *sc.RunAsGroup); user != want {
		t.Errorf("Dockerfile USER %q, want %q (the pod's runAsUser:runAsGroup)", user, want)
	}
	if entrypoint != `["/sluice-controller"]` {
		t.Errorf("Dockerfile ENTRYPOINT %s, want [\"/sluice-controller\"]", entrypoint)
	}
}

// TestDashboard checks that the Grafana dashboard parses and charts every metric of
// SPEC §5.
func TestDashboard(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("dashboards", "sluice-grafana.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash map[string]any
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	var exprs []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if e, ok := v["expr"].(string); ok {
				exprs = append(exprs, e)
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(dash)
	all := strings.Join(exprs, "\n")
	for _, m := range []string{
		"sluice_rollout_info", "sluice_rollout_reconcile_duration_seconds_bucket",
		"sluice_rollout_reconcile_errors_total", "sluice_analysis_run_info",
		"sluice_analysis_measurements_total", "sluice_rollout_events_total",
		"sluice_rollout_duration_seconds", "workqueue_depth", "workqueue_queue_duration_seconds_bucket",
	} {
		if !strings.Contains(all, m) {
			t.Errorf("no panel queries %s", m)
		}
	}
	ids := map[float64]bool{}
	for _, p := range dash["panels"].([]any) {
		id := p.(map[string]any)["id"].(float64)
		if ids[id] {
			t.Errorf("duplicate panel id %v", id)
		}
		ids[id] = true
	}
}

// checkCRDsAreGenerated compares install.yaml's CRDs with manifests/crds.
func checkCRDsAreGenerated(t *testing.T, b *bundle) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("crds", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs under manifests/crds (%v)", err)
	}
	want := map[string]any{}
	for _, f := range files {
		for name, crd := range load(t, f).crds {
			want[name] = crd
		}
	}
	if diff := cmp.Diff(want, b.crds); diff != "" {
		t.Errorf("install.yaml CRDs differ from manifests/crds: run 'make manifests' (-want +got):\n%s", diff)
	}
}

// checkDeployment checks the controller Deployment and returns it.
func checkDeployment(t *testing.T, b *bundle) appsv1.Deployment {
	t.Helper()
	if len(b.deployments) != 1 {
		t.Fatalf("%s: want one Deployment, got %d", b.file, len(b.deployments))
	}
	dep := b.deployments[0]
	spec := dep.Spec.Template.Spec
	if dep.Name != controllerName || ptr(dep.Spec.Replicas) != 2 {
		t.Errorf("Deployment %s with %d replicas, want %s with 2", dep.Name, ptr(dep.Spec.Replicas), controllerName)
	}
	if len(b.serviceAccounts) != 1 || spec.ServiceAccountName != b.serviceAccounts[0].Name || spec.ServiceAccountName != controllerName {
		t.Errorf("serviceAccountName %q, want the ServiceAccount %s of the same file", spec.ServiceAccountName, controllerName)
	}
	sel, err := metav1.LabelSelectorAsSelector(dep.Spec.Selector)
	if err != nil || sel.Empty() || !sel.Matches(labels.Set(dep.Spec.Template.Labels)) {
		t.Errorf("Deployment selector %v does not select its pod template (%v)", dep.Spec.Selector, err)
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(spec.Containers))
	}
	c := spec.Containers[0]
	if c.Image != image {
		t.Errorf("image %q, want %q", c.Image, image)
	}
	if len(c.Command) != 0 {
		t.Errorf("command %v overrides the image's entrypoint", c.Command)
	}

	// The arguments parse as the controller parses them, and the probes and ports
	// follow the resulting addresses.
	o := parseArgs(t, c.Args)
	if !o.LeaderElect {
		t.Error("leader election is off; two replicas would both act")
	}
	if o.LeaderElectionNamespace == "" && envFieldRef(c, "POD_NAMESPACE") != "metadata.namespace" {
		t.Error("neither --leader-election-namespace nor POD_NAMESPACE from metadata.namespace is set")
	}
	if strings.Contains(o.Namespace, "$(POD_NAMESPACE)") && envFieldRef(c, "POD_NAMESPACE") != "metadata.namespace" {
		t.Error("--namespace uses $(POD_NAMESPACE), which is not set from metadata.namespace")
	}
	healthPort, metricsPort := port(t, o.HealthAddr), port(t, o.MetricsAddr)
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"liveness", c.LivenessProbe, healthzPath}, {"readiness", c.ReadinessProbe, readyzPath}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("no HTTP %s probe", p.name)
			continue
		}
		if p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s probe path %q, want %q", p.name, p.probe.HTTPGet.Path, p.path)
		}
		if got := containerPort(t, c, p.probe.HTTPGet.Port); got != healthPort {
			t.Errorf("%s probe port %d, want --health-addr's %d", p.name, got, healthPort)
		}
	}
	if containerPort(t, c, intstr.FromString("metrics")) != metricsPort {
		t.Errorf("container port \"metrics\" is not --metrics-addr's %d", metricsPort)
	}

	for name, q := range map[string]corev1.ResourceList{"requests": c.Resources.Requests, "limits": c.Resources.Limits} {
		if q.Cpu().IsZero() || q.Memory().IsZero() {
			t.Errorf("resources.%s must set cpu and memory, got %v", name, q)
		}
	}
	checkRestricted(t, spec.SecurityContext, c.SecurityContext)
	return dep
}

// checkRestricted checks the settings of the Pod Security "restricted" profile
// plus a read-only root filesystem.
func checkRestricted(t *testing.T, pod *corev1.PodSecurityContext, sc *corev1.SecurityContext) {
	t.Helper()
	if pod == nil || sc == nil {
		t.Fatal("pod and container securityContext must be set")
	}
	if !ptr(pod.RunAsNonRoot) || !ptr(sc.RunAsNonRoot) {
		t.Error("runAsNonRoot must be true for the pod and the container")
	}
	if ptr(pod.RunAsUser) == 0 || ptr(pod.RunAsGroup) == 0 {
		t.Error("runAsUser and runAsGroup must be set and non-zero")
	}
	for what, p := range map[string]*corev1.SeccompProfile{"pod": pod.SeccompProfile, "container": sc.SeccompProfile} {
		if p == nil || p.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s seccompProfile must be RuntimeDefault, got %v", what, p)
		}
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation must be false")
	}
	if !ptr(sc.ReadOnlyRootFilesystem) {
		t.Error("readOnlyRootFilesystem must be true")
	}
	if sc.Capabilities == nil || !cmp.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0 {
		t.Errorf("capabilities must drop ALL and add none, got %+v", sc.Capabilities)
	}
	if ptr(sc.Privileged) {
		t.Error("privileged must not be set")
	}
}

// checkMetricsService checks that the Service selects the controller's pods and
// targets the metrics port.
func checkMetricsService(t *testing.T, b *bundle, dep appsv1.Deployment) {
	t.Helper()
	if len(b.services) != 1 {
		t.Fatalf("%s: want one metrics Service, got %d", b.file, len(b.services))
	}
	svc := b.services[0]
	if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(dep.Spec.Template.Labels)) {
		t.Errorf("Service %s selector %v does not select the controller's pods", svc.Name, svc.Spec.Selector)
	}
	c := dep.Spec.Template.Spec.Containers[0]
	metricsPort := port(t, parseArgs(t, c.Args).MetricsAddr)
	if len(svc.Spec.Ports) != 1 || containerPort(t, c, svc.Spec.Ports[0].TargetPort) != metricsPort {
		t.Errorf("Service %s ports %+v do not target --metrics-addr's port %d", svc.Name, svc.Spec.Ports, metricsPort)
	}
}

// checkRules enforces the shape of every rule: no wildcards, no empty lists, and
// Secrets get-only.
func checkRules(t *testing.T, owner string, rules []rbacv1.PolicyRule) {
	t.Helper()
	if len(rules) == 0 {
		t.Errorf("%s has no rules", owner)
	}
	for i, r := range rules {
		if isNotificationsRule(r) {
			continue
		}
		if len(r.NonResourceURLs) > 0 || len(r.ResourceNames) > 0 {
			t.Errorf("%s rule %d: unexpected nonResourceURLs/resourceNames %+v", owner, i, r)
		}
		for field, list := range map[string][]string{"apiGroups": r.APIGroups, "resources": r.Resources, "verbs": r.Verbs} {
			if len(list) == 0 {
				t.Errorf("%s rule %d: empty %s", owner, i, field)
			}
			for _, v := range list {
				if strings.Contains(v, "*") {
					t.Errorf("%s rule %d: wildcard %q in %s", owner, i, v, field)
				}
			}
		}
		if slices.Contains(r.Resources, "secrets") && (!cmp.Equal(r.Verbs, []string{"get"}) || len(r.Resources) != 1) {
			t.Errorf("%s rule %d: Secrets must have a rule of their own with only get, got %+v", owner, i, r)
		}
	}
}

// isNotificationsRule is the one rule with resourceNames: the notifications
// ConfigMap and Secret, listed and watched by name, nothing else.
func isNotificationsRule(r rbacv1.PolicyRule) bool {
	return cmp.Equal(r.APIGroups, []string{""}) && cmp.Equal(r.Resources, []string{"configmaps", "secrets"}) &&
		cmp.Equal(r.ResourceNames, []string{"sluice-notifications"}) && cmp.Equal(r.Verbs, []string{"list", "watch"}) &&
		len(r.NonResourceURLs) == 0
}

// checkRuleComments requires a comment line right above every rule of every
// (Cluster)Role, saying which code needs it.
func checkRuleComments(t *testing.T, b *bundle) {
	t.Helper()
	for _, doc := range b.rawDocs {
		if !strings.Contains(doc, "\nkind: ClusterRole\n") && !strings.Contains(doc, "\nkind: Role\n") {
			continue
		}
		lines := strings.Split(doc, "\n")
		for i, l := range lines {
			if strings.HasPrefix(l, "- apiGroups:") && (i == 0 || !strings.HasPrefix(lines[i-1], "#")) {
				t.Errorf("%s: rule %q has no comment above it", b.file, l)
			}
		}
	}
}

func checkBinding(t *testing.T, ref rbacv1.RoleRef, subjects []rbacv1.Subject, kind, name, namespace string) {
	t.Helper()
	if ref.APIGroup != rbacv1.GroupName || ref.Kind != kind || ref.Name != name {
		t.Errorf("binding roleRef %+v, want %s %s", ref, kind, name)
	}
	want := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: controllerName, Namespace: namespace}}
	if !cmp.Equal(subjects, want) {
		t.Errorf("binding subjects %+v, want %+v", subjects, want)
	}
}

// isClusterScoped reports whether a rule is about cluster-scoped resources, which
// a Role cannot grant.
func isClusterScoped(r rbacv1.PolicyRule) bool {
	return slices.Contains(r.Resources, "clusteranalysistemplates") || slices.Contains(r.Resources, "customresourcedefinitions")
}

// normalize sorts rules so two lists compare as sets.
func normalize(rules []rbacv1.PolicyRule) []string {
	var out []string
	for _, r := range rules {
		out = append(out, fmt.Sprintf("%v %v %v", r.APIGroups, r.Resources, r.Verbs))
	}
	sort.Strings(out)
	return out
}

// parseArgs parses container arguments with the controller's own flags.
func parseArgs(t *testing.T, args []string) controller.Options {
	t.Helper()
	fs := flag.NewFlagSet(controllerName, flag.ContinueOnError)
	fs.SetOutput(&bytes.Buffer{})
	o := controller.DefaultOptions()
	o.AddFlags(fs)
	controller.AddKlogFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("controller arguments %v: %v", args, err)
	}
	if fs.NArg() > 0 {
		t.Fatalf("controller arguments %v: unexpected %q", args, fs.Arg(0))
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("controller arguments %v: %v", args, err)
	}
	return o
}

// argValue returns the value of --name=value in the container's arguments.
func argValue(dep appsv1.Deployment, name string) string {
	for _, a := range dep.Spec.Template.Spec.Containers[0].Args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

func envFieldRef(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			return e.ValueFrom.FieldRef.FieldPath
		}
	}
	return ""
}

// port is the port number of a listen address such as ":8080".
func port(t *testing.T, addr string) int32 {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	n, err := strconv.ParseInt(p, 10, 32)
	if err != nil {
		t.Fatalf("address %q: %v", addr, err)
	}
	return int32(n)
}

// containerPort resolves a probe or Service target port (number or name) to a
// port the container declares; 0 when it declares none such.
func containerPort(t *testing.T, c corev1.Container, p intstr.IntOrString) int32 {
	t.Helper()
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return cp.ContainerPort
		}
	}
	t.Errorf("container %s declares no port %s", c.Name, p.String())
	return 0
}

type namespacedObject struct{ kind, name, ns string }

// namespaced lists the namespaced objects of a bundle with their namespace.
func (b *bundle) namespaced() []namespacedObject {
	var out []namespacedObject
	for _, o := range b.serviceAccounts {
		out = append(out, namespacedObject{"ServiceAccount", o.Name, o.Namespace})
	}
	for _, o := range b.roles {
		out = append(out, namespacedObject{"Role", o.Name, o.Namespace})
	}
	for _, o := range b.roleBindings {
		out = append(out, namespacedObject{"RoleBinding", o.Name, o.Namespace})
	}
	for _, o := range b.deployments {
		out = append(out, namespacedObject{"Deployment", o.Name, o.Namespace})
	}
	for _, o := range b.services {
		out = append(out, namespacedObject{"Service", o.Name, o.Namespace})
	}
	return out
}

func ptr[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
