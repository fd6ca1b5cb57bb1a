package dashboard

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static/*.js static/*.css
var staticFiles embed.FS

// pages holds one template set per page: layout.html with the page's file.
type pages struct {
	sets map[string]*template.Template
}

// page is what the layout needs, and the page's own data.
type page struct {
	Title string
	// User is who the API server says the user is; ReadOnly is --read-only;
	// Scope says which namespaces are shown. renderPage fills them in.
	User     string
	ReadOnly bool
	Scope    string
	// Topic is the event stream the page listens to, "" for none.
	Topic string
	Data  any
}

// templateFuncs are the helpers the templates use to build links.
var templateFuncs = template.FuncMap{
	"eventsURL": func(topic string) string { return "/events?" + url.Values{"topic": {topic}}.Encode() },
	"rolloutURL": func(ns, name string) string {
		return "/namespaces/" + url.PathEscape(ns) + "/rollouts/" + url.PathEscape(name)
	},
	"analysisRunURL": func(ns, name string) string {
		return "/namespaces/" + url.PathEscape(ns) + "/analysisruns/" + url.PathEscape(name)
	},
	"partURL": func(pagePath string) string { return "/parts" + pagePath },
	// exactly is an HTML pattern attribute that accepts only s.
	"exactly":    regexp.QuoteMeta,
	"indent":     func(depth int) string { return strings.Repeat("\u00a0\u00a0\u00a0", depth) },
	"actionForm": func(v rolloutView, b actionButton) actionFormData { return actionFormData{View: v, Button: b} },
}

// actionFormData is what one action's form needs.
type actionFormData struct {
	View   rolloutView
	Button actionButton
}

// loadPages parses every page file with the layout.
func loadPages() (*pages, error) {
	files, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, file := range files {
		name := strings.TrimSuffix(path.Base(file), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(templateFuncs).ParseFS(templateFiles, "templates/layout.html", file)
		if err != nil {
			return nil, fmt.Errorf("dashboard template %s: %w", file, err)
		}
		p.sets[name] = t
	}
	return p, nil
}

// render executes a template of a page's set into w, whole or not at all: a
// template error is a 500, never half a page.
func (p *pages) render(w http.ResponseWriter, status int, set, name string, data any) {
	t, ok := p.sets[set]
	if !ok {
		http.Error(w, "no page "+set, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "rendering "+set+": "+oneLine(err.Error()), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderPage draws a whole page.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, name string, p page) {
	s.fillPage(r.Context(), &p)
	s.pages.render(w, http.StatusOK, name, "layout", p)
}

// renderPart draws one fragment of a page (a /parts/ route).
func (s *Server) renderPart(w http.ResponseWriter, name, fragment string, data any) {
	s.pages.render(w, http.StatusOK, name, fragment, data)
}

// renderError answers with one line: a fragment to an htmx request (shown in
// place of what it asked for), a page to a browser.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, message string) {
	if r.Header.Get("HX-Request") == "true" {
		s.pages.render(w, status, "error", "error-line", message)
		return
	}
	p := page{Title: http.StatusText(status), Data: message}
	s.fillPage(r.Context(), &p)
	s.pages.render(w, status, "error", "layout", p)
}

func (s *Server) fillPage(ctx context.Context, p *page) {
	p.User = s.who.userName(ctx)
	p.ReadOnly = s.cfg.ReadOnly
	p.Scope = "all namespaces"
	if s.cfg.Namespace != "" {
		p.Scope = "namespace " + s.cfg.Namespace
	}
}
