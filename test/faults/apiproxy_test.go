//go:build faults

package faults

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/sluice-dev/sluice/test/e2e/framework"
)

// apiProxy stands between one controller process and the API server: the
// controller talks plain HTTP to it on loopback, and it forwards each request
// over the cluster's TLS with the admin's credentials. Seeing every request
// in clear lets a scenario record the controller's writes (which object,
// when, by which of its clients) and end all of its open requests at once
// (its watches included) while the API server itself stays up.
type apiProxy struct {
	server     *http.Server
	listener   net.Listener
	kubeconfig string

	mu       sync.Mutex
	requests []apiRequest
	open     map[*http.Request]context.CancelFunc
	// held, while not nil, keeps new requests waiting until it is closed.
	held chan struct{}
}

// apiRequest is one request the controller sent.
type apiRequest struct {
	at        time.Time
	method    string
	path      string
	query     url.Values
	userAgent string
}

func (r apiRequest) write() bool { return r.method != http.MethodGet && r.method != http.MethodHead }

// relist reports whether the request lists a collection from scratch: a
// plain list, or a watch that starts with the current state
// (sendInitialEvents, client-go's streaming list). A watch that resumes from
// a resourceVersion is neither.
func (r apiRequest) relist() bool {
	if r.method != http.MethodGet {
		return false
	}
	if r.query.Get("watch") == "true" || r.query.Get("watch") == "1" {
		return r.query.Get("sendInitialEvents") == "true"
	}
	return true
}

// rewatch reports whether the request is a watch resuming from a
// resourceVersion.
func (r apiRequest) rewatch() bool {
	return r.method == http.MethodGet && (r.query.Get("watch") == "true" || r.query.Get("watch") == "1") &&
		r.query.Get("sendInitialEvents") != "true" && r.query.Get("resourceVersion") != ""
}

func startAPIProxy(t *testing.T, c *framework.Cluster) *apiProxy {
	t.Helper()
	target, err := url.Parse(c.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(c.Config)
	cfg.UserAgent = "" // the controller's own User-Agent passes through
	transport, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &apiProxy{listener: ln, open: map[*http.Request]context.CancelFunc{}}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
		},
		Transport:     transport,
		FlushInterval: -1, // watches stream event by event
	}
	p.server = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		held := p.held
		p.mu.Unlock()
		if held != nil {
			select {
			case <-held:
			case <-r.Context().Done():
				return
			}
		}
		p.mu.Lock()
		p.requests = append(p.requests, apiRequest{at: time.Now(), method: r.Method, path: r.URL.Path, query: r.URL.Query(), userAgent: r.UserAgent()})
		p.mu.Unlock()
		ctx, cancel := context.WithCancel(r.Context())
		r = r.WithContext(ctx)
		p.mu.Lock()
		p.open[r] = cancel
		p.mu.Unlock()
		defer func() {
			p.mu.Lock()
			delete(p.open, r)
			p.mu.Unlock()
			cancel()
		}()
		rp.ServeHTTP(w, r)
	})}
	go func() { _ = p.server.Serve(ln) }()
	t.Cleanup(func() { _ = p.server.Close() })

	kc := clientcmdapi.NewConfig()
	kc.Clusters["proxy"] = &clientcmdapi.Cluster{Server: "http://" + ln.Addr().String()}
	kc.AuthInfos["proxy"] = &clientcmdapi.AuthInfo{}
	kc.Contexts["proxy"] = &clientcmdapi.Context{Cluster: "proxy", AuthInfo: "proxy"}
	kc.CurrentContext = "proxy"
	p.kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, p.kubeconfig); err != nil {
		t.Fatal(err)
	}
	return p
}

// cutAll ends every request in flight: each open watch of the controller
// ends, as when a connection breaks, and its informers watch again from the
// last resourceVersion they saw.
func (p *apiProxy) cutAll() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, cancel := range p.open {
		cancel()
	}
	return len(p.open)
}

// hold keeps the controller's new requests waiting until release: nothing it
// sees changes meanwhile.
func (p *apiProxy) hold() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held == nil {
		p.held = make(chan struct{})
	}
}

// release lets the held requests through.
func (p *apiProxy) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held != nil {
		close(p.held)
		p.held = nil
	}
}

// writesSince lists the writes sent at or after since that match keep.
func (p *apiProxy) writesSince(since time.Time, keep func(apiRequest) bool) []apiRequest {
	return p.requestsSince(since, func(r apiRequest) bool { return r.write() && keep(r) })
}

// requestsSince lists the requests sent at or after since that match keep.
func (p *apiProxy) requestsSince(since time.Time, keep func(apiRequest) bool) []apiRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []apiRequest
	for _, r := range p.requests {
		if !r.at.Before(since) && keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// forResource keeps requests for one resource's collection, e.g.
// "replicasets" (in any namespace or cluster-wide).
func forResource(resource string) func(apiRequest) bool {
	return func(r apiRequest) bool { return strings.HasSuffix(r.path, "/"+resource) }
}

// notLeaderElection keeps every write but the leader elector's own (its
// Lease), which a replica that lost its lease may still try: the fence is
// about the controllers' writes.
func notLeaderElection(w apiRequest) bool {
	return !strings.HasSuffix(w.userAgent, "/leader-election") && !strings.Contains(w.path, "/leases/")
}

// toReplicaSetsOrServicesOf keeps requests for ReplicaSets and Services of
// the releases' namespaces.
func toReplicaSetsOrServicesOf(releases []*release) func(apiRequest) bool {
	return func(r apiRequest) bool {
		for _, rel := range releases {
			ns := "/namespaces/" + rel.g.Namespace + "/"
			if strings.Contains(r.path, ns+"replicasets/") || strings.Contains(r.path, ns+"services/") {
				return true
			}
		}
		return false
	}
}

func (r apiRequest) String() string {
	q := ""
	if len(r.query) > 0 {
		q = "?" + r.query.Encode()
	}
	return r.at.Format("15:04:05.000") + " " + r.method + " " + r.path + q + " (" + r.userAgent + ")"
}
