package dashboard

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
)

// tokenParam is the query parameter of the printed URL that carries the token.
const tokenParam = "token"

// cookieName is the cookie that holds the token once exchanged. Cookies are
// shared by every port of a host, so the name carries the port: two dashboards
// on one machine keep their own.
func cookieName(port int) string { return "sluice-dashboard-" + strconv.Itoa(port) }

// requireToken lets a request through only with the token: in the session
// cookie, or as "Authorization: Bearer TOKEN" (for scripts). A GET or HEAD
// with ?token= is the first visit from the printed URL: a right token is
// exchanged for the cookie (HttpOnly: no script reads it; SameSite=Strict: no
// other site's page sends it) and a 303 to the same URL without the token, so
// it leaves the address bar and the history. Anything else is 401.
func requireToken(e Endpoint, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has(tokenParam) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			exchangeToken(w, r, e)
			return
		}
		if !presentsToken(r, e) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sluice dashboard"`)
			http.Error(w, "unauthorized: open the URL that kubectl sluice dashboard printed (it carries the token)", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// exchangeToken turns ?token= into the session cookie and redirects to the
// URL without it.
func exchangeToken(w http.ResponseWriter, r *http.Request, e Endpoint) {
	if !sameToken(r.URL.Query().Get(tokenParam), e.Token) {
		http.Error(w, "unauthorized: the token in the URL is not this dashboard's; open the URL it printed", http.StatusUnauthorized)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName(e.Port),
		Value:    e.Token,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	})
	clean := *r.URL
	q := clean.Query()
	q.Del(tokenParam)
	clean.RawQuery = q.Encode()
	clean.Scheme, clean.Host = "", ""
	http.Redirect(w, r, clean.RequestURI(), http.StatusSeeOther)
}

// presentsToken reports whether a request carries the token in a bearer
// header or the session cookie. A wrong value in either is a wrong token.
func presentsToken(r *http.Request, e Endpoint) bool {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, value, ok := strings.Cut(auth, " ")
		return ok && strings.EqualFold(scheme, "Bearer") && sameToken(strings.TrimSpace(value), e.Token)
	}
	c, err := r.Cookie(cookieName(e.Port))
	return err == nil && sameToken(c.Value, e.Token)
}

// sameToken compares in constant time: how long a wrong guess took to refuse
// tells nothing about how much of it was right.
func sameToken(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
