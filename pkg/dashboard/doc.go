// Package dashboard is `kubectl sluice dashboard`: a web dashboard of sluice
// Rollouts that acts as the user who runs it (their kubeconfig, their RBAC),
// secure by default. The cobra command is pkg/cli/dashboard.go; everything else
// is here, one concern per file.
//
// # Security (every request passes these, in this order)
//
//   - security.go wires the chain; host.go refuses a Host header that is not
//     the bound address or a loopback name/address with the port (403, DNS
//     rebinding); token.go checks the token (?token= on a GET is exchanged for
//     an HttpOnly SameSite=Strict cookie and a 303 to the URL without it;
//     "Authorization: Bearer" works for scripts; else 401); then Go's
//     http.CrossOriginProtection refuses cross-origin POSTs (403); headers.go
//     sets CSP (scripts only from /static, no eval), no framing, no referrer.
//   - origin.go: the event stream only answers same-origin (or Origin-less)
//     requests; --read-only makes every action path answer 403.
//   - GET and HEAD never change anything; action paths answer 405 to them.
//
// # Routes (server.go, routes)
//
//	GET  /                                       list page (list_page.go)
//	GET  /parts/list                             the list's live table
//	GET  /namespaces/{ns}/rollouts/{name}        Rollout page (rollout_page.go)
//	GET  /parts/namespaces/{ns}/rollouts/{name}  the Rollout page's live body
//	POST /namespaces/{ns}/rollouts/{name}/{action}  an action (action_handler.go)
//	GET  /namespaces/{ns}/analysisruns/{name}    analysis page: analysisPage (analysis_page.go)
//	GET  /parts/namespaces/{ns}/analysisruns/{name}  its live body: analysisPart
//	GET  /events?topic=T                         Server-Sent Events (sse.go)
//	GET  /static/...                             embedded CSS and the vendored htmx
//
// # How a page gets its data
//
// Nothing a page shows costs an API call per row. catalog.go runs the
// informers every page shares, with the user's credentials: Rollouts and
// AnalysisRuns in the namespace (-n) or all of them (-A). Read them with
// s.catalog.rollout(ns, name), s.catalog.rollouts(), s.catalog.analysisRun(ns,
// name) and s.catalog.analysisRunsOf(ro); runs are nil when the user may not list
// them. ReplicaSets, pods and Events are watched only for a Rollout page that is
// open (details.go): started by the page or its event stream, stopped once no
// one has watched that Rollout for a while.
//
// The Rollout page reads its objects with view/source.Load over these caches
// (rollout_page.go, cachedObjects) and shows view.SummarizeRollout of the
// snapshot: the same reading and the same facts as `kubectl sluice get
// rollout`; the HTML is only another rendering of them.
//
// # Actions (action_kinds.go, action_handler.go, action_event.go)
//
// POST /namespaces/{ns}/rollouts/{name}/{action}, action one of promote,
// promote-full, abort, retry, pause, resume, restart, set-image (form fields
// container, image), undo (optional revision). Abort, promote-full and undo
// need the form field confirm = the Rollout's name. Each reads the Rollout
// afresh and runs pkg/actions' decision through its Executor with the user's
// clients; answers: 200 and the sentence, 409 Declined (or refused by the
// Rollout's state) with its sentence, 400 a bad form, the API server's status
// and one line otherwise (403 from RBAC). A done action leaves an Event
// (reason DashboardAction, "promote by alice via dashboard: ...") on the
// Rollout. Buttons come disabled, with the reason as their title, from
// SelfSubjectAccessReviews (identity.go) or --read-only.
//
// # Live updates
//
// hub.go: informer events notify topics; each topic is debounced (~250 ms) and
// then every event stream subscribed to it gets one "changed" event. A page's
// live element re-fetches its /parts/... URL on it:
//
//	<div id="live" hx-get="/parts/..." hx-trigger="sse:changed">...</div>
//
// with the page's topic in page.Topic (the layout opens the stream). Topics:
// listTopic, rolloutTopic(ns, name), analysisRunTopic(ns, name) (topics.go).
// A run's change notifies its own topic, its Rollout's and the list.
//
// # Templates (templates.go)
//
// html/template files embedded from templates/: layout.html defines "layout"
// (head, the "signed in as" bar, the event stream) and calls the page's
// "title" and "content". Each page is one file, templates/NAME.html, parsed
// together with layout.html into its own set NAME; it defines "title",
// "content" and the fragments its /parts/ route renders (named "NAME-..."). A
// handler renders with
//
//	s.renderPage(w, r, "NAME", page{Title: ..., Topic: ..., Data: ...})
//	s.renderPart(w, "NAME", "NAME-body", data)
//	s.renderError(w, r, status, "one line")
//
// page.User and page.ReadOnly are filled in by renderPage. The CSP allows
// inline SVG and style attributes, no inline scripts.
package dashboard
