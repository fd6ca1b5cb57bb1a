package dashboard

import (
	"net"
	"net/http"
	"strconv"
	"strings"
)

// refuseForeignHost answers 403 to a request whose Host header is not this
// dashboard's. A web page on another site can point its own DNS name at
// 127.0.0.1 (DNS rebinding) and so reach the dashboard from the user's
// browser; its requests still carry that name as Host, and are refused here.
func refuseForeignHost(e Endpoint, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hostAllowed(r.Host, e) {
			http.Error(w, "forbidden: the Host header "+strconv.Quote(r.Host)+" is not this dashboard's address", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostAllowed reports whether a Host header names this dashboard: the bound
// port, and as host "localhost", a loopback IP, the address bound, or (bound to
// every interface) any IP. An IP literal cannot be rebound, so only names are
// limited; the one name taken besides localhost is the one the user bound to.
func hostAllowed(hostHeader string, e Endpoint) bool {
	host, port, err := net.SplitHostPort(hostHeader)
	if err != nil {
		// No port: the browser leaves out the default one.
		host, port = strings.TrimSuffix(strings.TrimPrefix(hostHeader, "["), "]"), "80"
	}
	if port != strconv.Itoa(e.Port) || host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") || strings.EqualFold(host, e.Address) {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	bound := net.ParseIP(e.Address)
	return bound != nil && (bound.IsUnspecified() || bound.Equal(ip))
}
