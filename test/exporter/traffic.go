package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// The traffic follower makes the simulated traffic of an application follow a
// Rollout: every followInterval it reads the canary's share from the objects
// that carry it — the VirtualService or HTTPRoute weights of a routed canary,
// the ratio of available pods without a router — and splits the application's
// request rate between the versions "<app>-stable" and "<app>-canary"
// accordingly. Prometheus then sees the canary's share of requests as a user
// would, which is what tests and the demo check against the weights.
//
//	POST   /apps        {"name":"shop","namespace":"ns","rollout":"web","rate":100}
//	GET    /apps        the followed apps and their current canary share
//	DELETE /apps/{name}

const followInterval = 250 * time.Millisecond

var (
	rolloutsGVR    = schema.GroupVersionResource{Group: "sluice.dev", Version: "v1alpha1", Resource: "rollouts"}
	vsGVR          = schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}
	httpRoutesGVR  = schema.GroupVersionResource{Group: "gateway.networking.k8s.io", Version: "v1", Resource: "httproutes"}
	replicaSetsGVR = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
)

// followedApp is one application whose traffic follows a Rollout.
type followedApp struct {
	Name      string  `json:"name"`
	Namespace string  `json:"namespace"`
	Rollout   string  `json:"rollout"`
	Rate      float64 `json:"rate"`
	// Share is the canary's share last read (0..1).
	Share float64 `json:"share"`
}

type follower struct {
	sim        *Simulator
	kubeconfig string

	mu     sync.Mutex
	client dynamic.Interface
	apps   map[string]*followedApp
}

func newFollower(sim *Simulator, kubeconfig string) *follower {
	return &follower{sim: sim, kubeconfig: kubeconfig, apps: map[string]*followedApp{}}
}

// dynamicClient is built on first use: the exporter starts before the API server.
func (f *follower) dynamicClient() (dynamic.Interface, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.client != nil {
		return f.client, nil
	}
	if f.kubeconfig == "" {
		return nil, fmt.Errorf("the exporter was started without --kubeconfig")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", f.kubeconfig)
	if err != nil {
		return nil, err
	}
	f.client, err = dynamic.NewForConfig(cfg)
	return f.client, err
}

// run updates every app's split until ctx ends.
func (f *follower) run(ctx context.Context) {
	t := time.NewTicker(followInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.mu.Lock()
			apps := make([]*followedApp, 0, len(f.apps))
			for _, a := range f.apps {
				apps = append(apps, a)
			}
			f.mu.Unlock()
			for _, a := range apps {
				f.follow(ctx, a)
			}
		}
	}
}

func (f *follower) follow(ctx context.Context, a *followedApp) {
	client, err := f.dynamicClient()
	if err != nil {
		return
	}
	share, err := canaryShare(ctx, client, a.Namespace, a.Rollout)
	if err != nil {
		log.Printf("exporter: app %s: %v", a.Name, err)
		return
	}
	f.mu.Lock()
	a.Share = share
	f.mu.Unlock()
	f.sim.SetRate(a.Name+"-canary", a.Rate*share)
	f.sim.SetRate(a.Name+"-stable", a.Rate*(1-share))
}

// canaryShare reads the canary's share of a Rollout's traffic from the objects.
func canaryShare(ctx context.Context, client dynamic.Interface, ns, name string) (float64, error) {
	ro, err := client.Resource(rolloutsGVR).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return 0, err
	}
	canaryService, _, _ := unstructured.NestedString(ro.Object, "spec", "strategy", "canary", "canaryService")
	routing, routed, _ := unstructured.NestedMap(ro.Object, "spec", "strategy", "canary", "trafficRouting")
	if !routed {
		return podShare(ctx, client, ns, ro)
	}
	if route, ok, _ := unstructured.NestedString(routing, "gatewayAPI", "httpRoute"); ok {
		obj, err := client.Resource(httpRoutesGVR).Namespace(ns).Get(ctx, route, metav1.GetOptions{})
		if err != nil {
			return 0, err
		}
		return httpRouteShare(obj, canaryService), nil
	}
	vsName, _, _ := unstructured.NestedString(routing, "istio", "virtualService", "name")
	if vsName == "" {
		list, _, _ := unstructured.NestedSlice(routing, "istio", "virtualServices")
		if len(list) > 0 {
			vsName, _ = list[0].(map[string]any)["name"].(string)
		}
	}
	canarySubset, _, _ := unstructured.NestedString(routing, "istio", "destinationRule", "canarySubsetName")
	obj, err := client.Resource(vsGVR).Namespace(ns).Get(ctx, vsName, metav1.GetOptions{})
	if err != nil {
		return 0, err
	}
	return virtualServiceShare(obj, canaryService, canarySubset), nil
}

// virtualServiceShare is the canary weight of the first weighted HTTP route.
func virtualServiceShare(vs *unstructured.Unstructured, canaryService, canarySubset string) float64 {
	routes, _, _ := unstructured.NestedSlice(vs.Object, "spec", "http")
	for _, raw := range routes {
		dests, _ := raw.(map[string]any)["route"].([]any)
		var canary, total int64
		found := false
		for _, d := range dests {
			dm, _ := d.(map[string]any)
			dest, _ := dm["destination"].(map[string]any)
			w, _ := dm["weight"].(int64)
			total += w
			host, _ := dest["host"].(string)
			subset, _ := dest["subset"].(string)
			if (canarySubset != "" && subset == canarySubset) || (canarySubset == "" && (host == canaryService || strings.HasPrefix(host, canaryService+"."))) {
				canary, found = w, true
			}
		}
		if found && len(dests) > 1 && total > 0 {
			return float64(canary) / float64(total)
		}
	}
	return 0
}

// httpRouteShare is the canary weight of the first rule naming the canary
// Service among several backends.
func httpRouteShare(route *unstructured.Unstructured, canaryService string) float64 {
	rules, _, _ := unstructured.NestedSlice(route.Object, "spec", "rules")
	for _, raw := range rules {
		refs, _ := raw.(map[string]any)["backendRefs"].([]any)
		var canary, total int64
		found := false
		for _, r := range refs {
			rm, _ := r.(map[string]any)
			w, ok := rm["weight"].(int64)
			if !ok {
				w = 1
			}
			total += w
			if rm["name"] == canaryService {
				canary, found = w, true
			}
		}
		if found && len(refs) > 1 && total > 0 {
			return float64(canary) / float64(total)
		}
	}
	return 0
}

// podShare is the canary's share of available pods (a canary without router).
func podShare(ctx context.Context, client dynamic.Interface, ns string, ro *unstructured.Unstructured) (float64, error) {
	current, _, _ := unstructured.NestedString(ro.Object, "status", "currentPodHash")
	stable, _, _ := unstructured.NestedString(ro.Object, "status", "stableRS")
	if current == "" || current == stable {
		return 0, nil
	}
	list, err := client.Resource(replicaSetsGVR).Namespace(ns).List(ctx, metav1.ListOptions{LabelSelector: "sluice.dev/pod-template-hash in (" + current + "," + stable + ")"})
	if err != nil {
		return 0, err
	}
	var canary, total int64
	for _, rs := range list.Items {
		available, _, _ := unstructured.NestedInt64(rs.Object, "status", "availableReplicas")
		total += available
		if rs.GetLabels()["sluice.dev/pod-template-hash"] == current {
			canary = available
		}
	}
	if total == 0 {
		return 0, nil
	}
	return float64(canary) / float64(total), nil
}

// register adds the /apps endpoints to mux.
func (f *follower) register(mux *http.ServeMux) {
	mux.HandleFunc("POST /apps", func(w http.ResponseWriter, r *http.Request) {
		var a followedApp
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil || !validVersion(a.Name+"-canary") || a.Namespace == "" || a.Rollout == "" || a.Rate <= 0 {
			httpError(w, http.StatusBadRequest, fmt.Errorf("want {name, namespace, rollout, rate > 0} (%v)", err))
			return
		}
		f.mu.Lock()
		f.apps[a.Name] = &a
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, a)
	})
	mux.HandleFunc("GET /apps", func(w http.ResponseWriter, _ *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		writeJSON(w, http.StatusOK, f.apps)
	})
	mux.HandleFunc("DELETE /apps/{name}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		delete(f.apps, r.PathValue("name"))
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
}
