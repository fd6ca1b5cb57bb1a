package controller

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// apiRequests counts every request the process sends to the API server by
// what it did to which kind of object. client-go's own hooks
// (rest_client_requests_total) see only the HTTP method and host, which cannot
// tell a LIST from a GET or a Rollout from an Event; that is what sizing a
// controller (test/bench) and spotting a LIST after start-up need.
//
// Labels stay bounded: verb is one of a fixed list, resource is a kind the
// controller talks to (never an object name or namespace), code an HTTP status.
var apiRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "sluice_api_requests_total",
	Help: "Requests sent to the Kubernetes API server, by verb (get, list, watch, create, update, patch, delete, deletecollection; dryrun-create etc. for dry runs), " +
		"resource (resource.group[/subresource], or discovery / nonresource) and HTTP status code (or error).",
}, []string{"verb", "resource", "code"})

// apiRequestDuration times the same requests by the same verb and resource.
// client-go's rest_client_request_duration_seconds has only the verb and host,
// so it cannot tell a Rollout status write from an Event; the per-write latency
// is what sizing reaction time needs (test/bench sets it beside the API
// server's own apiserver_request_duration_seconds: the difference is transport
// and client-side queueing). The buckets are fine between 5 and 500 ms, where
// one write's latency decides whether a reaction stays under 100 ms.
var apiRequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name: "sluice_api_request_duration_seconds",
	Help: "Time from sending a request to the Kubernetes API server to its response's headers, after the client rate limiter, " +
		"by verb and resource (as sluice_api_requests_total; a watch is timed until its stream starts).",
	Buckets: []float64{.005, .01, .02, .03, .05, .075, .1, .15, .2, .3, .5, 1, 2, 5},
}, []string{"verb", "resource"})

// apiRequestCollectors are the collectors of this file, registered together.
func apiRequestCollectors() prometheus.Collector {
	return collectorsOf([]prometheus.Collector{apiRequests, apiRequestDuration})
}

// countingTransport counts and times each request once it is answered.
type countingTransport struct{ next http.RoundTripper }

// countAPIRequests wraps a client transport (rest.Config.Wrap). It sits below
// client-go's rate limiter, so the time it measures excludes throttling.
func countAPIRequests(rt http.RoundTripper) http.RoundTripper { return countingTransport{rt} }

func (t countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	took := time.Since(start)
	code := "error"
	if err == nil {
		code = strconv.Itoa(resp.StatusCode)
	}
	verb, resource := describeRequest(req)
	apiRequests.WithLabelValues(verb, resource, code).Inc()
	apiRequestDuration.WithLabelValues(verb, resource).Observe(took.Seconds())
	return resp, err
}

// describeRequest derives the API verb and resource of a request from its
// method and path, the way kube-apiserver does for its own metrics
// (k8s.io/apiserver's RequestInfo): a GET of a collection is a list, with
// ?watch=true a watch, and of a named object a get.
func describeRequest(req *http.Request) (verb, resource string) {
	group, rest, ok := splitAPIPath(req.URL.Path)
	if !ok {
		return strings.ToLower(req.Method), "nonresource"
	}
	// rest is what follows the version: [namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]].
	if len(rest) == 0 {
		return strings.ToLower(req.Method), "discovery"
	}
	q := req.URL.Query()
	watch := q.Get("watch") == "true" || q.Get("watch") == "1"
	if rest[0] == "watch" { // the deprecated /watch/ prefix
		rest, watch = rest[1:], true
	}
	if len(rest) >= 3 && rest[0] == "namespaces" && rest[2] != "status" && rest[2] != "finalize" {
		rest = rest[2:] // a namespaced object; /namespaces/NAME[/status|/finalize] is a Namespace
	}
	if len(rest) == 0 {
		return strings.ToLower(req.Method), "nonresource"
	}
	resource = rest[0]
	if group != "" {
		resource += "." + group
	}
	if len(rest) >= 3 {
		resource += "/" + rest[2]
	}
	verb = apiVerb(req.Method, len(rest) >= 2, watch)
	if q.Has("dryRun") {
		// A dry run costs the API server a full admission pass but stores
		// nothing; told apart so it is not mistaken for a real write.
		verb = "dryrun-" + verb
	}
	return verb, resource
}

// splitAPIPath splits /api/v1/... and /apis/GROUP/VERSION/... into the group
// and the segments after the version; ok is false for any other path
// (/version, /openapi, /healthz). Discovery documents (/api, /apis/GROUP)
// return ok with no segments.
func splitAPIPath(path string) (group string, rest []string, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case parts[0] == "api":
		if len(parts) <= 2 {
			return "", nil, true
		}
		return "", parts[2:], true
	case parts[0] == "apis":
		if len(parts) <= 3 {
			return "", nil, true
		}
		return parts[1], parts[3:], true
	}
	return "", nil, false
}

// apiVerb maps an HTTP method to the API verb; named is whether the path
// names one object.
func apiVerb(method string, named, watch bool) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		if watch {
			return "watch"
		}
		if named {
			return "get"
		}
		return "list"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if named {
			return "delete"
		}
		return "deletecollection"
	}
	return strings.ToLower(method)
}
