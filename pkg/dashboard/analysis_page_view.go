package dashboard

import (
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
	"github.com/sluice-dev/sluice/pkg/view"
)

// analysisView is what the analysis page shows of one AnalysisRun. It is
// built by a pure function from the run alone, so it is tested without a
// server; the template only lays it out.
type analysisView struct {
	Namespace, Name string
	// Rollout is the Rollout the run was made for ("" for a run made by hand),
	// Kind the analysis it is ("step", "background", ...).
	Rollout, Kind string
	// Status is the run's phase with its icon and colour class, as the
	// Rollout page shows runs.
	Status    view.Status
	Message   string
	Terminate bool
	Started   string // "2025-03-14 09:26:00 UTC (3m ago)", "" before the run started
	Completed string
	Args      []labelled
	Metrics   []metricPanel
}

// metricPanel is one metric: its chart, its counts against the limits that
// end it, what it measures, and its latest messages.
type metricPanel struct {
	Name     string
	Status   view.Status // "✖ Failed", "✔ Successful (dry run)"
	Message  string
	Provider string
	Source   []labelled // where the numbers come from: address, query, URL...
	Count    string
	Counts   []labelled // successful, failed, inconclusive, errors
	Chart    template.HTML
	Recent   []recentMeasurement // newest first
}

// labelled is a "Label: value" row.
type labelled struct{ Label, Value string }

// recentMeasurement is a measurement that left a message (an error, a
// judgement), newest first.
type recentMeasurement struct {
	When    string
	Status  view.Status
	Value   string
	Message string
}

// recentLimit is how many messages a metric lists; status keeps about ten
// measurements anyway.
const recentLimit = 5

// masked replaces what the dashboard hides, as the controller does.
const masked = "*****"

// buildAnalysisView is the page of one run at now. It never reads a Secret:
// the only secret values the controller used are already masked in status,
// and the spec holds {{args.…}} references, not their values.
func buildAnalysisView(run *v1alpha1.AnalysisRun, now time.Time) analysisView {
	v := analysisView{
		Namespace: run.Namespace, Name: run.Name,
		Status: view.AnalysisStatus(run.Status.Phase), Message: oneLineText(run.Status.Message),
		Terminate: run.Spec.Terminate,
		Args:      argRows(run.Spec.Args),
	}
	v.Rollout, v.Kind = view.RunRollout(run)
	if at := run.Status.StartedAt; at != nil {
		v.Started = momentText(at.Time, now)
	}
	if at := run.Status.CompletedAt; at != nil {
		v.Completed = momentText(at.Time, now)
	}
	for _, facts := range view.RunMetricFacts(run) {
		v.Metrics = append(v.Metrics, metricPanelOf(facts))
	}
	return v
}

// metricPanelOf lays one metric's facts out for the page.
func metricPanelOf(f view.MetricFacts) metricPanel {
	p := metricPanel{
		Name: f.Result.Name, Status: view.AnalysisStatus(f.Result.Phase), Message: oneLineText(f.Result.Message),
		Provider: f.Provider, Count: f.Count,
		Counts: []labelled{
			{"Successful", fmt.Sprint(f.Result.Successful)},
			{"Failed", f.Failed},
			{"Inconclusive", f.Inconclusive},
			{"Errors", f.Errors},
		},
		// The chart escapes every text it draws (chart_svg.go), so it is
		// trusted HTML here.
		Chart:  template.HTML(renderMetricChart(f.Spec, f.Result)),
		Recent: recentMeasurements(f.Result.Measurements),
	}
	if f.Result.DryRun {
		p.Status.Text += " (dry run)"
	}
	if f.Spec != nil {
		p.Source = providerSource(f.Spec.Provider, f.Query)
	}
	return p
}

// providerSource says where a metric's numbers come from (for the judge: the
// Prometheus it asks and the two scopes it compares). The query shown is
// the one the controller resolved and masked (status), else the spec's, whose
// {{args.…}} references are shown as written. Header values, basic-auth
// credentials and credentials in a URL are never shown: they are how secrets
// are usually passed, even when written in the spec by hand.
func providerSource(p v1alpha1.MetricProvider, resolvedQuery string) []labelled {
	var rows []labelled
	switch {
	case p.Prometheus != nil:
		prom := p.Prometheus
		query := resolvedQuery
		if query == "" {
			query = prom.Query
		}
		rows = append(rows, labelled{"Address", prometheusAddress(prom.Address)}, labelled{"Query", strings.TrimSpace(query)})
		rows = append(rows, credentialRows(prom.Headers, prom.Authentication)...)
	case p.Judge != nil:
		judge := p.Judge
		rows = append(rows, labelled{"Address", prometheusAddress(judge.Address)},
			labelled{"Canary scope", judge.CanaryScope}, labelled{"Baseline scope", judge.BaselineScope})
		rows = append(rows, credentialRows(judge.Headers, judge.Authentication)...)
	case p.Web != nil:
		web := p.Web
		method := string(web.Method)
		if method == "" {
			method = string(v1alpha1.WebMetricMethodGet)
		}
		rows = append(rows, labelled{"URL", method + " " + maskURLCredentials(web.URL)})
		if web.JSONPath != "" {
			rows = append(rows, labelled{"JSON path", web.JSONPath})
		}
		rows = append(rows, headerRows(web.Headers)...)
	case p.Job != nil:
		for _, c := range p.Job.Spec.Template.Spec.Containers {
			rows = append(rows, labelled{"Job container", c.Name + " (" + c.Image + ")"})
		}
	}
	return rows
}

// prometheusAddress is a Prometheus address as shown: credentials masked,
// the controller's default named when there is none.
func prometheusAddress(address string) string {
	if address = maskURLCredentials(address); address == "" {
		return "the controller's --prometheus-address"
	}
	return address
}

// credentialRows names the headers a Prometheus-backed provider sends and
// says whether it authenticates, values masked.
func credentialRows(headers []v1alpha1.WebMetricHeader, auth *v1alpha1.PrometheusAuth) []labelled {
	rows := headerRows(headers)
	if auth != nil && auth.BasicAuth != nil {
		rows = append(rows, labelled{"Basic auth", "username and password " + masked})
	}
	return rows
}

// headerRows names the headers a provider sends, values masked.
func headerRows(headers []v1alpha1.WebMetricHeader) []labelled {
	var rows []labelled
	for _, h := range headers {
		rows = append(rows, labelled{"Header", h.Key + ": " + masked})
	}
	return rows
}

// urlCredentials matches the user:password@ part of a URL.
var urlCredentials = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@`)

// maskURLCredentials hides the credentials a URL carries ("https://*****@host/").
func maskURLCredentials(u string) string {
	return urlCredentials.ReplaceAllString(strings.TrimSpace(u), "${1}"+masked+"@")
}

// argRows lists a run's arguments in spec order: a value written in the spec as it is, a
// Secret's value never (only which Secret and key it comes from).
func argRows(args []v1alpha1.Argument) []labelled {
	rows := make([]labelled, 0, len(args))
	for _, a := range args {
		var value string
		switch {
		case a.ValueFrom != nil && a.ValueFrom.SecretKeyRef != nil:
			ref := a.ValueFrom.SecretKeyRef
			value = fmt.Sprintf("%s (from Secret %s, key %s)", masked, ref.Name, ref.Key)
		case a.ValueFrom != nil && a.ValueFrom.FieldRef != nil:
			value = "from field " + a.ValueFrom.FieldRef.FieldPath
		case a.Value != nil:
			value = *a.Value
		default:
			value = "(not supplied)"
		}
		rows = append(rows, labelled{a.Name, value})
	}
	return rows
}

// recentMeasurements are the measurements with a message, newest first, at
// most recentLimit of them.
func recentMeasurements(ms []v1alpha1.Measurement) []recentMeasurement {
	var out []recentMeasurement
	for i := len(ms) - 1; i >= 0 && len(out) < recentLimit; i-- {
		m := ms[i]
		if strings.TrimSpace(m.Message) == "" {
			continue
		}
		when := ""
		switch {
		case m.FinishedAt != nil:
			when = m.FinishedAt.UTC().Format(time.TimeOnly)
		case m.StartedAt != nil:
			when = m.StartedAt.UTC().Format(time.TimeOnly)
		}
		out = append(out, recentMeasurement{When: when, Status: view.AnalysisStatus(m.Phase), Value: oneLineText(m.Value), Message: oneLineText(m.Message)})
	}
	return out
}

// momentText is a time in UTC with how long ago it was.
func momentText(t, now time.Time) string {
	return fmt.Sprintf("%s (%s ago)", t.UTC().Format("2006-01-02 15:04:05 UTC"), duration.HumanDuration(now.Sub(t)))
}
