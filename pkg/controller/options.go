// Package controller is sluice-controller's manager: it builds the API clients
// and shared informers, runs leader election, serves health and metrics, and
// starts the Rollout controller (and, once it exists, the AnalysisRun
// controller). cmd/sluice-controller only turns flags into Options and calls Run.
package controller

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/tools/leaderelection"

	"github.com/sluice-dev/sluice/analysis/provider/web"
)

// Log formats accepted by --log-format.
const (
	LogFormatText = "text"
	LogFormatJSON = "json"
)

// Options is every setting of the controller process; each field is a flag.
type Options struct {
	// Kubeconfig is the kubeconfig file to use. Empty means in-cluster config,
	// or, outside a cluster, $KUBECONFIG and then ~/.kube/config.
	Kubeconfig string
	// Namespace limits every informer to one namespace; empty watches all.
	Namespace string
	// InstanceID, when set, makes this controller see only objects labelled
	// sluice.dev/instance-id=<InstanceID>; when empty, only objects without
	// that label.
	InstanceID string

	LeaderElect bool
	// LeaderElectionNamespace holds the Lease. Empty means the namespace the
	// controller runs in (POD_NAMESPACE, then the service account's namespace),
	// falling back to sluice-system.
	LeaderElectionNamespace string
	LeaseDuration           time.Duration
	RenewDeadline           time.Duration
	RetryPeriod             time.Duration

	// RolloutWorkers defaults to 30: a reconcile spends most of its time waiting
	// for its writes (60–150 ms each on a busy API server), so with 10 workers a
	// wave of updates queued for seconds (docs/benchmarks.md: mean queue wait
	// 348 ms at N=100, 30 ms with 50 workers). The client rate limit, not the
	// worker count, bounds the load on the API server.
	RolloutWorkers int
	// AnalysisWorkers and PrometheusAddress belong to the AnalysisRun
	// controller.
	AnalysisWorkers   int
	PrometheusAddress string
	// WebFollowSameOriginRedirects and WebDenyCIDRs are the web metric
	// provider's network policy: no redirects unless same-origin ones are
	// allowed, and never a connection to a denied address (multi-tenant
	// clusters deny link-local metadata endpoints).
	WebFollowSameOriginRedirects bool
	WebDenyCIDRs                 string

	// QPS and Burst bound the controller's requests to the API server.
	QPS   float32
	Burst int
	// CBOR reads and writes sluice's own kinds as CBOR instead of JSON
	// (clients.go). Off by default: the API server serves CBOR only with its
	// alpha CBORServingAndStorage gate, and docs/benchmarks.md ("Decoding and
	// caches") measured what it saves.
	CBOR bool

	// MetricsAddr serves /metrics, HealthAddr /healthz and /readyz; an empty
	// address disables that server.
	MetricsAddr string
	HealthAddr  string
	// Pprof adds Go's profiling endpoints (/debug/pprof/) to the metrics
	// server. Off by default: profiles reveal internals and cost CPU while
	// they are taken.
	Pprof bool

	// LogFormat is "text" (klog's default) or "json"; see SetupLogging.
	LogFormat string

	// Notifications runs the notifications controller (docs/notifications.md):
	// the ConfigMap and Secret sluice-notifications in NotificationsNamespace
	// (empty: the controller's own namespace) configure it, and with
	// SelfServiceNotifications also those of each Rollout's namespace.
	Notifications            bool
	NotificationsNamespace   string
	SelfServiceNotifications bool
	NotificationsWorkers     int
	// NotificationsGiveUp is how long a failing delivery is retried.
	NotificationsGiveUp time.Duration
	// NotificationsQPS bounds the notifications controller's own client (its
	// ledger writes). Lower than QPS by default: a delivery can wait a few
	// seconds, a release step should not wait for deliveries.
	NotificationsQPS float32
}

// DefaultOptions returns the flag defaults (SPEC §5).
func DefaultOptions() Options {
	return Options{
		LeaderElect:     true,
		LeaseDuration:   15 * time.Second,
		RenewDeadline:   10 * time.Second,
		RetryPeriod:     2 * time.Second,
		RolloutWorkers:  30,
		AnalysisWorkers: 20,
		QPS:             50,
		Burst:           100,
		MetricsAddr:     ":8090",
		HealthAddr:      ":8080",
		LogFormat:       LogFormatText,

		Notifications:        true,
		NotificationsWorkers: 5,
		NotificationsGiveUp:  time.Hour,
		NotificationsQPS:     10,
	}
}

// AddFlags binds the options to flags; the current field values are the
// flags' defaults.
func (o *Options) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "Path to a kubeconfig file. Empty: in-cluster config, or $KUBECONFIG / ~/.kube/config outside a cluster.")
	fs.StringVar(&o.Namespace, "namespace", o.Namespace, "Watch only this namespace. Empty: all namespaces.")
	fs.StringVar(&o.InstanceID, "instance-id", o.InstanceID, "Only manage objects labelled sluice.dev/instance-id=<value>. Empty: only objects without that label.")

	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "Elect a leader through a Lease so only one replica runs the controllers.")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", o.LeaderElectionNamespace, "Namespace of the leader election Lease. Empty: the controller's own namespace.")
	fs.DurationVar(&o.LeaseDuration, "leader-election-lease-duration", o.LeaseDuration, "How long standby replicas wait after the last renewal before taking over the lease.")
	fs.DurationVar(&o.RenewDeadline, "leader-election-renew-deadline", o.RenewDeadline, "How long the leader keeps retrying a renewal before it gives up leadership (and exits).")
	fs.DurationVar(&o.RetryPeriod, "leader-election-retry-period", o.RetryPeriod, "Interval between attempts to acquire or renew the lease.")

	fs.IntVar(&o.RolloutWorkers, "rollout-workers", o.RolloutWorkers, "Number of Rollouts reconciled concurrently.")
	fs.IntVar(&o.AnalysisWorkers, "analysis-workers", o.AnalysisWorkers, "Number of AnalysisRuns reconciled concurrently.")
	fs.StringVar(&o.PrometheusAddress, "prometheus-address", o.PrometheusAddress, "Default Prometheus server URL for analysis metrics that do not name one.")
	fs.BoolVar(&o.WebFollowSameOriginRedirects, "web-follow-same-origin-redirects", o.WebFollowSameOriginRedirects, "Web metrics follow redirects that keep scheme, host and port. Off: every redirect is a measurement error.")
	fs.StringVar(&o.WebDenyCIDRs, "web-deny-cidrs", o.WebDenyCIDRs, "Comma-separated CIDRs (or addresses) web metrics never connect to, checked after DNS, e.g. 169.254.0.0/16,fe80::/10.")

	fs.Var(float32Value{&o.QPS}, "qps", "Sustained `rate` of requests per second to the API server.")
	fs.IntVar(&o.Burst, "burst", o.Burst, "Burst of requests to the API server above --qps.")
	fs.BoolVar(&o.CBOR, "cbor", o.CBOR, "Read and write sluice's custom resources as CBOR, not JSON (alpha: kube-apiserver needs --feature-gates=CBORServingAndStorage=true; without it the answers stay JSON).")

	fs.StringVar(&o.MetricsAddr, "metrics-addr", o.MetricsAddr, "Address of the Prometheus /metrics endpoint. Empty disables it.")
	fs.StringVar(&o.HealthAddr, "health-addr", o.HealthAddr, "Address of the /healthz and /readyz endpoints. Empty disables them.")
	fs.BoolVar(&o.Pprof, "pprof", o.Pprof, "Serve Go profiles under /debug/pprof/ on the metrics address.")
	fs.StringVar(&o.LogFormat, "log-format", o.LogFormat, "Log format: text or json.")

	fs.BoolVar(&o.Notifications, "notifications", o.Notifications, "Send notifications configured by the sluice-notifications ConfigMap and Secret.")
	fs.StringVar(&o.NotificationsNamespace, "notifications-namespace", o.NotificationsNamespace, "Namespace of the sluice-notifications ConfigMap and Secret. Empty: the controller's own namespace.")
	fs.BoolVar(&o.SelfServiceNotifications, "self-service-notifications", o.SelfServiceNotifications, "Also read a sluice-notifications ConfigMap and Secret in each Rollout's namespace.")
	fs.IntVar(&o.NotificationsWorkers, "notifications-workers", o.NotificationsWorkers, "Number of Rollouts whose notifications are delivered concurrently.")
	fs.DurationVar(&o.NotificationsGiveUp, "notifications-give-up", o.NotificationsGiveUp, "How long a failing notification is retried before it is given up.")
	fs.Var(float32Value{&o.NotificationsQPS}, "notifications-qps", "Sustained `rate` of the notifications controller's requests (its ledger writes), on a rate limiter of its own.")
}

// Validate reports every invalid option at once.
func (o *Options) Validate() error {
	var errs []error
	if o.InstanceID != "" {
		for _, msg := range validation.IsValidLabelValue(o.InstanceID) {
			errs = append(errs, fmt.Errorf("--instance-id %q: %s", o.InstanceID, msg))
		}
	}
	if o.RolloutWorkers < 1 {
		errs = append(errs, fmt.Errorf("--rollout-workers must be at least 1, got %d", o.RolloutWorkers))
	}
	if o.AnalysisWorkers < 1 {
		errs = append(errs, fmt.Errorf("--analysis-workers must be at least 1, got %d", o.AnalysisWorkers))
	}
	if o.NotificationsWorkers < 1 {
		errs = append(errs, fmt.Errorf("--notifications-workers must be at least 1, got %d", o.NotificationsWorkers))
	}
	if o.NotificationsQPS <= 0 {
		errs = append(errs, fmt.Errorf("--notifications-qps must be above 0, got %v", o.NotificationsQPS))
	}
	if o.NotificationsGiveUp <= 0 {
		errs = append(errs, fmt.Errorf("--notifications-give-up must be positive, got %v", o.NotificationsGiveUp))
	}
	if o.QPS <= 0 {
		errs = append(errs, fmt.Errorf("--qps must be positive, got %v", o.QPS))
	}
	if o.Burst < 1 {
		errs = append(errs, fmt.Errorf("--burst must be at least 1, got %d", o.Burst))
	}
	if o.LogFormat != LogFormatText && o.LogFormat != LogFormatJSON {
		errs = append(errs, fmt.Errorf("--log-format must be %s or %s, got %q", LogFormatText, LogFormatJSON, o.LogFormat))
	}
	if o.LeaderElect {
		errs = append(errs, o.validateLeaseTimings()...)
	}
	if _, err := web.ParseDenyCIDRs(o.WebDenyCIDRs); err != nil {
		errs = append(errs, fmt.Errorf("--web-deny-cidrs: %w", err))
	}
	return errors.Join(errs...)
}

// validateLeaseTimings applies the ordering the leader elector requires, so a
// bad combination fails at start-up with the flag names in the message.
func (o *Options) validateLeaseTimings() []error {
	var errs []error
	if o.RetryPeriod <= 0 {
		errs = append(errs, fmt.Errorf("--leader-election-retry-period must be positive, got %v", o.RetryPeriod))
	}
	if o.RenewDeadline <= time.Duration(leaderelection.JitterFactor*float64(o.RetryPeriod)) {
		errs = append(errs, fmt.Errorf("--leader-election-renew-deadline (%v) must be greater than %.1f × --leader-election-retry-period (%v)",
			o.RenewDeadline, leaderelection.JitterFactor, o.RetryPeriod))
	}
	if o.LeaseDuration <= o.RenewDeadline {
		errs = append(errs, fmt.Errorf("--leader-election-lease-duration (%v) must be greater than --leader-election-renew-deadline (%v)",
			o.LeaseDuration, o.RenewDeadline))
	}
	return errs
}

// LeaseName is the leader election Lease: one per instance id, so controllers
// with different instance ids each elect their own leader.
func (o *Options) LeaseName() string {
	if o.InstanceID == "" {
		return "sluice-controller"
	}
	return "sluice-controller-" + o.InstanceID
}

// float32Value is a flag.Value for a float32 option (the standard flag package
// has only float64, and rest.Config.QPS is a float32).
type float32Value struct{ p *float32 }

func (v float32Value) String() string {
	if v.p == nil {
		return "0"
	}
	return strconv.FormatFloat(float64(*v.p), 'g', -1, 32)
}

func (v float32Value) Set(s string) error {
	f, err := strconv.ParseFloat(s, 32)
	if err != nil {
		return fmt.Errorf("not a number: %q", s)
	}
	*v.p = float32(f)
	return nil
}

// webOptions is the web metric provider's network policy from the flags
// (Validate has checked the deny list).
func (o Options) webOptions() web.Options {
	deny, _ := web.ParseDenyCIDRs(o.WebDenyCIDRs)
	return web.Options{FollowSameOriginRedirects: o.WebFollowSameOriginRedirects, DenyCIDRs: deny}
}

// notificationsNamespace is where the controller's own sluice-notifications
// ConfigMap and Secret live: the flag, else the namespace the controller runs
// in (found as for the leader election Lease).
func (o Options) notificationsNamespace() string {
	return leaderElectionNamespace(o.NotificationsNamespace)
}

// notificationsWatchNamespace is what the notifications informers watch: every
// namespace for self-service notifications when the controller watches all,
// else the controller's own (in namespace mode it is the one Rollout
// namespace's configuration too).
func (o Options) notificationsWatchNamespace() string {
	if o.SelfServiceNotifications && o.Namespace == "" {
		return ""
	}
	return o.notificationsNamespace()
}
