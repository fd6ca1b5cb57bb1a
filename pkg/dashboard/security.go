package dashboard

import "net/http"

// secure puts the dashboard's checks in front of app, outermost first:
// security headers on every answer; a foreign Host is refused (403) before
// anything else, then a request without the token (401), then a cross-origin
// change (403). What passes reaches app, whose action paths also refuse GET
// (405) and, read-only, everything (403); see routes.
func secure(e Endpoint, app http.Handler) http.Handler {
	return securityHeaders(refuseForeignHost(e, requireToken(e, refuseCrossOrigin(app))))
}
