package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The API server's side of each write: kube-apiserver's own
// apiserver_request_duration_seconds, from the request's arrival to its
// response, scraped at the same phase boundaries as the controller. Beside the
// controller's client-side latency of the same verb and resource, the
// difference is transport and client-side queueing. The series carry no
// client, so on a shared cluster they include every client's requests of that
// verb and resource (the report shows both counts).

const serverLatencyMetric = "apiserver_request_duration_seconds"

// serverLatency is the API server's request latency by "verb resource", named
// as the controller names its requests (sluice_api_requests_total).
type serverLatency map[string]histogram

// scrapeAPIServer reads the API server's /metrics (admin kubeconfig).
func (e *env) scrapeAPIServer(ctx context.Context) (serverLatency, error) {
	raw, err := e.kube.Discovery().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("kube-apiserver /metrics: %w", err)
	}
	return parseServerLatency(raw)
}

// parseServerLatency keeps only the request-duration family (the API server's
// /metrics is megabytes) and folds its series by verb and resource, summing
// over scope, component and version.
func parseServerLatency(raw []byte) (serverLatency, error) {
	var kept bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		name := strings.TrimPrefix(strings.TrimPrefix(line, "# HELP "), "# TYPE ")
		if strings.HasPrefix(name, serverLatencyMetric+" ") || strings.HasPrefix(name, serverLatencyMetric+"_") {
			kept.WriteString(line)
			kept.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(&kept)
	if err != nil {
		return nil, fmt.Errorf("parse kube-apiserver /metrics: %w", err)
	}
	out := serverLatency{}
	for _, m := range families[serverLatencyMetric].GetMetric() {
		verb := clientVerb(label(m, "verb"), label(m, "dry_run"))
		key := verb + " " + clientResource(label(m, "group"), label(m, "resource"), label(m, "subresource"))
		out[key] = out[key].plus(histogramOf(m.GetHistogram()))
	}
	return out, nil
}

// clientVerb maps the API server's verb label (POST, PUT, LIST, …) to the
// controller's (create, update, list, …); a dry run is "dryrun-" + verb, as
// the controller counts it.
func clientVerb(verb, dryRun string) string {
	v := strings.ToLower(verb)
	switch verb {
	case "POST":
		v = "create"
	case "PUT":
		v = "update"
	case "APPLY":
		v = "patch" // server-side apply is a PATCH on the wire
	case "WATCHLIST":
		v = "watch"
	}
	if dryRun != "" {
		v = "dryrun-" + v
	}
	return v
}

// clientResource names a resource as the controller does:
// resource[.group][/subresource].
func clientResource(group, resource, subresource string) string {
	r := resource
	if group != "" {
		r += "." + group
	}
	if subresource != "" {
		r += "/" + subresource
	}
	return r
}
