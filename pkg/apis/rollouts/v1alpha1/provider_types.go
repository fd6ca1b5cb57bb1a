package v1alpha1

import (
	"encoding/json"

	batchv1 "k8s.io/api/batch/v1"
)

// MetricProvider takes a metric's measurements. Exactly one field is set.
//
// +kubebuilder:validation:XValidation:rule="[has(self.prometheus), has(self.web), has(self.job), has(self.judge)].filter(x, x).size() == 1",message="metrics[].provider: set exactly one of prometheus, web, job or judge"
type MetricProvider struct {
	// Prometheus runs a PromQL query.
	// +optional
	Prometheus *PrometheusMetric `json:"prometheus,omitempty"`
	// Web calls an HTTP endpoint and reads a JSON value.
	// +optional
	Web *WebMetric `json:"web,omitempty"`
	// Job runs a Kubernetes Job; success or failure of the Job is the measurement.
	// +optional
	Job *JobMetric `json:"job,omitempty"`
	// Judge compares the canary with the baseline in Prometheus, metric by
	// metric, with statistics; it decides the measurement's phase itself.
	// +optional
	Judge *JudgeMetric `json:"judge,omitempty"`
}

// Type names the provider that is set: "prometheus", "web", "job" or "judge"
// ("" when none is).
func (p MetricProvider) Type() string {
	switch {
	case p.Prometheus != nil:
		return "prometheus"
	case p.Web != nil:
		return "web"
	case p.Job != nil:
		return "job"
	case p.Judge != nil:
		return "judge"
	}
	return ""
}

// PrometheusMetric queries a Prometheus server.
type PrometheusMetric struct {
	// Address of the Prometheus server (default: the controller's --prometheus-address).
	// +optional
	Address string `json:"address,omitempty"`
	// Query is the PromQL query. A scalar becomes a float64 result, a vector a list of
	// float64 in result order, a matrix a list of every sample.
	// +kubebuilder:validation:MinLength=1
	Query string `json:"query"`
	// Timeout of the query in seconds.
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=1
	// +optional
	Timeout *int64 `json:"timeout,omitempty"`
	// Insecure skips TLS certificate verification.
	// +optional
	Insecure bool `json:"insecure,omitempty"`
	// Headers are added to every request.
	// +optional
	Headers []WebMetricHeader `json:"headers,omitempty"`
	// Authentication to the Prometheus server.
	// +optional
	Authentication *PrometheusAuth `json:"authentication,omitempty"`
}

// PrometheusAuth authenticates to Prometheus.
type PrometheusAuth struct {
	// BasicAuth sends a username and password; use args with secretKeyRef for them.
	// +optional
	BasicAuth *BasicAuth `json:"basicAuth,omitempty"`
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	// Username to send.
	// +optional
	Username string `json:"username,omitempty"`
	// Password to send.
	// +optional
	Password string `json:"password,omitempty"`
}

// WebMetricHeader is one HTTP header.
type WebMetricHeader struct {
	// Key is the header name.
	// +kubebuilder:validation:MinLength=1
	Key string `json:"key"`
	// Value is the header value.
	Value string `json:"value"`
}

// WebMetricMethod is an HTTP method a web metric may use.
// +kubebuilder:validation:Enum=GET;POST;PUT
type WebMetricMethod string

const (
	// WebMetricMethodGet is GET.
	WebMetricMethodGet WebMetricMethod = "GET"
	// WebMetricMethodPost is POST.
	WebMetricMethodPost WebMetricMethod = "POST"
	// WebMetricMethodPut is PUT.
	WebMetricMethodPut WebMetricMethod = "PUT"
)

// WebMetric calls an HTTP endpoint. Setting both body and jsonBody is reported
// when the run starts (jsonBody is schemaless, so CEL cannot see it).
type WebMetric struct {
	// Method is GET (default), POST or PUT.
	// +kubebuilder:default=GET
	// +optional
	Method WebMetricMethod `json:"method,omitempty"`
	// URL to call.
	// +kubebuilder:validation:MinLength=1
	URL string `json:"url"`
	// Headers are added to the request.
	// +optional
	Headers []WebMetricHeader `json:"headers,omitempty"`
	// Body is sent as is.
	// +optional
	Body string `json:"body,omitempty"`
	// JSONBody is sent as JSON, with Content-Type application/json.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	// +optional
	JSONBody json.RawMessage `json:"jsonBody,omitempty"`
	// TimeoutSeconds is the request timeout.
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=1
	// +optional
	TimeoutSeconds int64 `json:"timeoutSeconds,omitempty"`
	// JSONPath selects the result from the JSON response, e.g. "{$.data.ok}".
	// Without it the whole document is the result.
	// +optional
	JSONPath string `json:"jsonPath,omitempty"`
	// Insecure skips TLS certificate verification.
	// +optional
	Insecure bool `json:"insecure,omitempty"`
}

// JobMetric runs a Job owned by the AnalysisRun.
type JobMetric struct {
	// Metadata is put on the Job.
	// +optional
	Metadata JobMetadata `json:"metadata,omitzero"`
	// Spec is the Job's spec.
	Spec batchv1.JobSpec `json:"spec"`
}

// JobMetadata is the metadata put on a metric's Job.
type JobMetadata struct {
	// Labels of the Job.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations of the Job.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}
