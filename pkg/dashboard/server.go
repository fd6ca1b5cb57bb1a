package dashboard

import (
	"context"
	"io/fs"
	"net/http"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"

	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
)

// Config is what the dashboard runs with.
type Config struct {
	// Sluice and Kube are clients with the user's credentials: every read and
	// write is the user's, under the user's RBAC.
	Sluice sluiceclient.Interface
	Kube   kubernetes.Interface
	// Namespace is the one namespace shown, "" for all of them.
	Namespace string
	// ReadOnly refuses every action (403) and shows none enabled.
	ReadOnly bool

	// Clock, Debounce, DetailIdle and ReviewTTL have defaults; tests set them.
	Clock clock.WithTickerAndDelayedExecution
	// Debounce is how long changes gather before pages are told (250 ms).
	Debounce time.Duration
	// DetailIdle is how long the ReplicaSets and pods of a Rollout stay
	// watched after its last page closed (1 minute).
	DetailIdle time.Duration
	// ReviewTTL is how long who the user is and what they may do is kept (30 s).
	ReviewTTL time.Duration
	// Heartbeat is how often an idle event stream sends a comment, so proxies
	// and browsers keep it open (20 s).
	Heartbeat time.Duration
}

// Server is the dashboard: its informers, pages, event streams and actions.
type Server struct {
	cfg     Config
	clock   clock.WithTickerAndDelayedExecution
	catalog *catalog
	details *details
	hub     *hub
	who     *identity
	pages   *pages
}

// New starts the informers the list needs and returns once they are filled:
// the first page is drawn from a full cache. They run until ctx ends.
func New(ctx context.Context, cfg Config) (*Server, error) {
	c := cfg.Clock
	if c == nil {
		c = clock.RealClock{}
	}
	cfg.Debounce = orDefault(cfg.Debounce, 250*time.Millisecond)
	cfg.DetailIdle = orDefault(cfg.DetailIdle, time.Minute)
	cfg.ReviewTTL = orDefault(cfg.ReviewTTL, 30*time.Second)
	cfg.Heartbeat = orDefault(cfg.Heartbeat, 20*time.Second)
	s := &Server{cfg: cfg, clock: c, hub: newHub(c, cfg.Debounce), who: newIdentity(cfg.Kube, c, cfg.ReviewTTL)}
	var err error
	if s.pages, err = loadPages(); err != nil {
		return nil, err
	}
	if s.catalog, err = startCatalog(ctx, cfg.Sluice, cfg.Namespace, s.hub.notify); err != nil {
		return nil, err
	}
	s.details = newDetails(ctx, cfg.Kube, c, cfg.DetailIdle, s.hub.notify)
	return s, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Handler is the dashboard behind its security checks (security.go), for a
// listener at e.
func (s *Server) Handler(e Endpoint) http.Handler {
	return secure(e, s.routes())
}

// routes maps the paths to their handlers (doc.go lists them).
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.listPage)
	mux.HandleFunc("GET /parts/list", s.listPart)
	mux.HandleFunc("GET /namespaces/{ns}/rollouts/{name}", s.rolloutPage)
	mux.HandleFunc("GET /parts/namespaces/{ns}/rollouts/{name}", s.rolloutPart)
	// Only POST: a GET to an action path is answered 405 by the mux.
	mux.Handle("POST /namespaces/{ns}/rollouts/{name}/{action}", refuseWhenReadOnly(s.cfg.ReadOnly, http.HandlerFunc(s.act)))
	mux.HandleFunc("GET /namespaces/{ns}/analysisruns/{name}", s.analysisPage)
	mux.HandleFunc("GET /parts/namespaces/{ns}/analysisruns/{name}", s.analysisPart)
	mux.Handle("GET /events", sameOriginOnly(http.HandlerFunc(s.events)))
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	return mux
}
