package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects bounds a chain of followed same-origin redirects, as net/http's
// default policy does.
const maxRedirects = 10

// checkRedirect is the http.Client redirect policy. net/http's default
// follows any redirect and strips only Authorization and Cookie when the host
// changes, so a secret in another header (X-Api-Key from a secretKeyRef)
// would reach whatever host the endpoint names, and an https URL could be
// downgraded to plain http. So a redirect is followed only when the operator
// opted in and it stays on the same origin; otherwise the client returns the
// 3xx response, which call reports through redirectError.
func (p *Provider) checkRedirect(req *http.Request, via []*http.Request) error {
	if !p.followSameOrigin || !sameOrigin(via[len(via)-1].URL, req.URL) {
		return http.ErrUseLastResponse
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return nil
}

// sameOrigin reports whether two URLs have the same scheme, host and port
// (a missing port is the scheme's default). A scheme change is never the same
// origin, so neither a downgrade to http nor an upgrade is followed.
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		portOf(a) == portOf(b)
}

// portOf is a URL's port, or its scheme's default port.
func portOf(u *url.URL) string {
	if port := u.Port(); port != "" {
		return port
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

// isRedirect reports whether a response asks the client to go elsewhere: a
// 3xx status with a Location. Other 3xx answers (304 Not Modified) are plain
// non-2xx answers.
func isRedirect(resp *http.Response) bool {
	return resp.StatusCode >= 300 && resp.StatusCode <= 399 && resp.Header.Get("Location") != ""
}

// redirectError explains a redirect that was not followed: where it pointed
// and why it stayed unfollowed. Only the target's scheme and host are shown,
// since its path or query may carry a token.
func (p *Provider) redirectError(target string, resp *http.Response) error {
	status := fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	to, err := resp.Location()
	if err != nil || to.Host == "" {
		return fmt.Errorf("%s: %s: redirected to a location that is not a valid URL; redirects are not followed", target, status)
	}
	return fmt.Errorf("%s: %s: redirected to %s; %s", target, status, originOf(to), p.unfollowedBecause(resp.Request.URL, to))
}

// unfollowedBecause says why a redirect from one URL to another was not
// followed, naming the controller flag that changes it where one does.
func (p *Provider) unfollowedBecause(from, to *url.URL) string {
	switch {
	case !p.followSameOrigin:
		return "redirects are not followed (--web-follow-same-origin-redirects follows same-origin ones)"
	case !strings.EqualFold(from.Scheme, to.Scheme):
		return fmt.Sprintf("not followed: it goes from %s to %s, and only same-origin redirects are followed", from.Scheme, to.Scheme)
	default:
		return "not followed: it leads to another origin, and only same-origin redirects are followed"
	}
}

// originOf shows a URL as scheme://host[:port], without user info, path or
// query.
func originOf(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}
