// Package web measures a metric by calling an HTTP endpoint and reading a value
// from its JSON response (SPEC §3.4). The decoded value — numbers as float64,
// so conditions can compare them — is what the metric's conditions see.
package web

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/sluice-dev/sluice/analysis/provider"
	"github.com/sluice-dev/sluice/analysis/provider/internal/httpshare"
	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// Provider calls web endpoints. It is safe for concurrent use; it holds only
// its settings and the shared HTTP transports.
type Provider struct {
	// secure verifies TLS certificates, insecure does not (`insecure: true`).
	// All measurements share them, so connections are kept alive between
	// measurements instead of a pool being opened (and leaked) per call.
	secure, insecure http.RoundTripper
	followSameOrigin bool
	deny             denyList
}

var _ provider.Provider = (*Provider)(nil)

// Options are the controller-level settings of the web provider, set by
// sluice-controller's flags rather than per metric: they guard the cluster
// against what metric authors can make the controller call. The zero value
// is the default.
type Options struct {
	// FollowSameOriginRedirects follows a redirect whose target has the same
	// scheme, host and port as the URL that answered with it
	// (--web-follow-same-origin-redirects). Other redirects, and all of them
	// when this is false, are measurement errors.
	FollowSameOriginRedirects bool
	// DenyCIDRs are networks the provider never connects to
	// (--web-deny-cidrs), checked on the address each connection dials, so a
	// name resolving into them is refused too. Parse the flag with
	// ParseDenyCIDRs.
	DenyCIDRs []netip.Prefix
}

// New returns a web provider with the default options: no redirects followed,
// no addresses denied.
func New() *Provider {
	return NewWithOptions(Options{})
}

// NewWithOptions returns a web provider with the given options.
func NewWithOptions(o Options) *Provider {
	deny := denyList(o.DenyCIDRs)
	return &Provider{
		secure:           newTransport(deny, false),
		insecure:         newTransport(deny, true),
		followSameOrigin: o.FollowSameOriginRedirects,
		deny:             deny,
	}
}

// newTransport clones http.DefaultTransport's settings with the provider's own
// dialer, which enforces the deny list. (httpshare's transports, which the
// prometheus provider uses, keep the default dialer.)
func newTransport(deny denyList, insecure bool) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = deny.dialContext()
	if insecure {
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the user asked for it
	}
	return t
}

// transport returns the shared transport for a metric.
func (p *Provider) transport(insecure bool) http.RoundTripper {
	if insecure {
		return p.insecure
	}
	return p.secure
}

// client is an HTTP client for one call, with the provider's redirect policy.
func (p *Provider) client(insecure bool) *http.Client {
	return &http.Client{Transport: p.transport(insecure), CheckRedirect: p.checkRedirect}
}

// Type implements provider.Provider.
func (p *Provider) Type() string { return "web" }

// Terminate implements provider.Provider. A call is never left Running, so
// there is nothing to stop.
func (p *Provider) Terminate(context.Context, *v1alpha1.AnalysisRun, v1alpha1.Metric, v1alpha1.Measurement) error {
	return nil
}

// Measure calls the metric's URL and returns the JSON value at its jsonPath.
func (p *Provider) Measure(ctx context.Context, _ *v1alpha1.AnalysisRun, metric v1alpha1.Metric, _ *v1alpha1.Measurement) (provider.Outcome, error) {
	spec := metric.Provider.Web
	if spec == nil {
		return provider.Outcome{}, fmt.Errorf("metric %q has no web provider", metric.Name)
	}
	value, err := p.call(ctx, spec)
	if err != nil {
		// Last line of defence: an endpoint may echo a header back in a way
		// that reaches an error (it never should reach status).
		return provider.Outcome{}, httpshare.RedactError(err, headerValues(spec))
	}
	return provider.Outcome{Value: value, Text: compactJSON(value)}, nil
}

// call makes the request and selects the value from the response.
func (p *Provider) call(ctx context.Context, spec *v1alpha1.WebMetric) (any, error) {
	timeout := requestTimeout(spec)
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, target, err := newRequest(callCtx, spec)
	if err != nil {
		return nil, err
	}
	if err := p.deny.checkHost(req.URL.Hostname()); err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	resp, err := p.client(spec.Insecure).Do(req)
	if err != nil {
		return nil, describeRequestError(ctx, target, timeout, err)
	}
	defer drainAndClose(resp.Body)
	if isRedirect(resp) {
		return nil, p.redirectError(target, resp)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("%s: HTTP %d %s", target, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	doc, err := readJSON(resp.Body)
	if err != nil {
		return nil, describeReadError(ctx, callCtx, target, timeout, err)
	}
	value, err := selectValue(doc, spec.JSONPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	return value, nil
}

// newRequest builds the request and a description of it for messages
// ("GET https://host/path").
func newRequest(ctx context.Context, spec *v1alpha1.WebMetric) (*http.Request, string, error) {
	method := spec.Method
	if method == "" {
		method = v1alpha1.WebMetricMethodGet
	}
	switch method {
	case v1alpha1.WebMetricMethodGet, v1alpha1.WebMetricMethodPost, v1alpha1.WebMetricMethodPut:
	default:
		return nil, "", fmt.Errorf("method %q is not supported: use GET, POST or PUT", method)
	}
	if spec.Body != "" && len(spec.JSONBody) > 0 {
		return nil, "", fmt.Errorf("set body or jsonBody, not both")
	}
	u, err := url.Parse(spec.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Neither the URL nor url.Parse's error (which quotes it) is shown: it
		// may carry a token from a Secret.
		return nil, "", fmt.Errorf("url is not an http:// or https:// URL with a host")
	}
	target := string(method) + " " + describeURL(u)
	body := []byte(spec.Body)
	if len(spec.JSONBody) > 0 {
		body = spec.JSONBody
	}
	req, err := http.NewRequestWithContext(ctx, string(method), u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %v", target, err)
	}
	setHeaders(req, spec)
	return req, target, nil
}

// setHeaders sets the metric's headers. Content-Type application/json comes
// first for a jsonBody, so a header the user sets explicitly wins.
func setHeaders(req *http.Request, spec *v1alpha1.WebMetric) {
	if len(spec.JSONBody) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range spec.Headers {
		// net/http sends req.Host, not a "Host" header field.
		if strings.EqualFold(h.Key, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Set(h.Key, h.Value)
	}
}

// describeURL shows a URL without its user info and query, which may carry
// credentials (e.g. "?token={{args.token}}").
func describeURL(u *url.URL) string {
	shown := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return shown.String()
}

// requestTimeout is the metric's timeout, or the default when unset.
func requestTimeout(spec *v1alpha1.WebMetric) time.Duration {
	seconds := v1alpha1.DefaultWebTimeoutSeconds
	if spec.TimeoutSeconds > 0 {
		seconds = spec.TimeoutSeconds
	}
	return time.Duration(seconds) * time.Second
}

// drainAndClose reads a little of what is left of a body before closing it,
// so the connection can be reused.
func drainAndClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 4096))
	_ = body.Close()
}
