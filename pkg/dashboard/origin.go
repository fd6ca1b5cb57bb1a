package dashboard

import (
	"net/http"
	"net/url"
)

// refuseCrossOrigin refuses state-changing requests (anything but GET, HEAD,
// OPTIONS) sent by a page of another origin: Go's http.CrossOriginProtection
// reads Sec-Fetch-Site, or compares Origin with Host when a browser sends no
// Sec-Fetch-Site. Requests from scripts, which send neither, pass (they still
// need the token).
func refuseCrossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden: a request from another site may not change anything here", http.StatusForbidden)
	}))
	return cop.Handler(next)
}

// sameOriginOnly guards the event stream, which GET reaches and so
// CrossOriginProtection lets through: a page of another origin that opened it
// (it cannot read it without the cookie, which SameSite=Strict keeps from it,
// but it should not even hold a stream open) is refused. A request without an
// Origin header is the browser's own same-origin EventSource, or a script.
func sameOriginOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			http.Error(w, "forbidden: the event stream answers only this dashboard's own pages", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin reports whether a request comes from this dashboard's own pages
// or from no page at all.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Scheme == "http" && u.Host == r.Host
}

// refuseWhenReadOnly answers 403 to every request of an action path when the
// dashboard runs with --read-only: the server refuses, whatever a page shows.
func refuseWhenReadOnly(readOnly bool, next http.Handler) http.Handler {
	if !readOnly {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden: this dashboard is read-only (--read-only)", http.StatusForbidden)
	})
}
