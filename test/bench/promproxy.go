package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"
)

// promProxy stands between the controller (--prometheus-address) and the
// cluster's real Prometheus and timestamps every query: when it arrived and
// when its answer left. AnalysisRun status keeps measurement times at whole
// seconds (metav1.Time), too coarse to judge a 1 s interval; the proxy sees
// the measurement's start and end to the microsecond on the same clock as the
// rest of the bench. It adds one loopback hop (well under a millisecond).
type promProxy struct {
	upstream *url.URL
	t0       time.Time
	ln       net.Listener
	srv      *http.Server
	client   *http.Client

	mu      sync.Mutex
	queries []queryRecord
}

// queryRecord is one query as the proxy saw it. Key is the value of the
// bench_run!="…" matcher the bench puts in its queries (a label no series has,
// so the matcher changes nothing in the result), naming the run it belongs to.
type queryRecord struct {
	Key      string
	Received time.Duration
	Answered time.Duration
	Status   int
}

var runKey = regexp.MustCompile(`bench_run!="([^"]+)"`)

func startPromProxy(upstream string, t0 time.Time) (*promProxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || upstream == "" {
		return nil, fmt.Errorf("the cluster has no Prometheus (cluster.json prometheusURL %q)", upstream)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &promProxy{upstream: u, t0: t0, ln: ln, client: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *promProxy) url() string { return "http://" + p.ln.Addr().String() }

func (p *promProxy) close() { _ = p.srv.Close() }

// ServeHTTP forwards one request and records it. client_golang sends queries
// as a form POST (falling back to GET), so the query is in the body or the URL.
func (p *promProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	received := time.Since(p.t0)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	query := r.URL.Query().Get("query")
	if form, err := url.ParseQuery(string(body)); err == nil && form.Get("query") != "" {
		query = form.Get("query")
	}
	target := *p.upstream
	target.Path, target.RawQuery = r.URL.Path, r.URL.RawQuery
	req, err := http.NewRequestWithContext(r.Context(), r.Method, target.String(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := p.client.Do(req)
	status := http.StatusBadGateway
	if err != nil {
		http.Error(w, err.Error(), status)
	} else {
		status = resp.StatusCode
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
		resp.Body.Close()
	}
	rec := queryRecord{Received: received, Answered: time.Since(p.t0), Status: status}
	if m := runKey.FindStringSubmatch(query); m != nil {
		rec.Key = m[1]
	}
	p.mu.Lock()
	p.queries = append(p.queries, rec)
	p.mu.Unlock()
}

// records returns a copy of the queries so far.
func (p *promProxy) records() []queryRecord {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]queryRecord(nil), p.queries...)
}
