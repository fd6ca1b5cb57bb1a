package controller

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func parse(t *testing.T, args ...string) Options {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	o := DefaultOptions()
	o.AddFlags(fs)
	AddKlogFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	return o
}

func TestFlagDefaults(t *testing.T) {
	want := Options{
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
		LogFormat:       "text",

		Notifications:        true,
		NotificationsWorkers: 5,
		NotificationsGiveUp:  time.Hour,
		NotificationsQPS:     10,
	}
	got := parse(t)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestFlagsToOptions(t *testing.T) {
	got := parse(t,
		"--kubeconfig=/tmp/kc", "--namespace=shop", "--instance-id=blue",
		"--leader-elect=false", "--leader-election-namespace=ops",
		"--leader-election-lease-duration=30s", "--leader-election-renew-deadline=20s", "--leader-election-retry-period=5s",
		"--rollout-workers=3", "--analysis-workers=4", "--prometheus-address=http://prom:9090",
		"--qps=12.5", "--burst=25", "--metrics-addr=", "--health-addr=127.0.0.1:9999",
		"--log-format=json", "--pprof", "-v=4",
		"--notifications=false", "--notifications-namespace=ops", "--self-service-notifications",
		"--notifications-workers=2", "--notifications-give-up=10m", "--notifications-qps=4",
	)
	want := Options{
		Kubeconfig:              "/tmp/kc",
		Namespace:               "shop",
		InstanceID:              "blue",
		LeaderElect:             false,
		LeaderElectionNamespace: "ops",
		LeaseDuration:           30 * time.Second,
		RenewDeadline:           20 * time.Second,
		RetryPeriod:             5 * time.Second,
		RolloutWorkers:          3,
		AnalysisWorkers:         4,
		PrometheusAddress:       "http://prom:9090",
		QPS:                     12.5,
		Burst:                   25,
		MetricsAddr:             "",
		HealthAddr:              "127.0.0.1:9999",
		Pprof:                   true,
		LogFormat:               "json",

		Notifications:            false,
		NotificationsNamespace:   "ops",
		SelfServiceNotifications: true,
		NotificationsWorkers:     2,
		NotificationsGiveUp:      10 * time.Minute,
		NotificationsQPS:         4,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("options (-want +got):\n%s", diff)
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"--qps=fast"}, {"--rollout-workers=many"}, {"--no-such-flag"}} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(new(strings.Builder))
		o := DefaultOptions()
		o.AddFlags(fs)
		if err := fs.Parse(args); err == nil {
			t.Errorf("parse %v: no error", args)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Options)
		want   []string // substrings of the error; none means valid
	}{
		{"defaults", func(*Options) {}, nil},
		{"instance id with a space", func(o *Options) { o.InstanceID = "a b" }, []string{"--instance-id"}},
		{"zero workers", func(o *Options) { o.RolloutWorkers = 0; o.AnalysisWorkers = 0 },
			[]string{"--rollout-workers", "--analysis-workers"}},
		{"no qps", func(o *Options) { o.QPS = 0; o.Burst = 0 }, []string{"--qps", "--burst"}},
		{"log format", func(o *Options) { o.LogFormat = "xml" }, []string{"--log-format"}},
		{"lease shorter than renew deadline", func(o *Options) { o.LeaseDuration = 5 * time.Second },
			[]string{"--leader-election-lease-duration"}},
		{"renew deadline within retry jitter", func(o *Options) { o.RetryPeriod = 9 * time.Second },
			[]string{"--leader-election-renew-deadline"}},
		{"web deny list", func(o *Options) { o.WebDenyCIDRs = "169.254.0.0/16,fe80::/10" }, nil},
		{"web deny list that does not parse", func(o *Options) { o.WebDenyCIDRs = "169.254.0.0/99" }, []string{"--web-deny-cidrs"}},
		{"lease timings ignored without leader election", func(o *Options) {
			o.LeaderElect = false
			o.LeaseDuration = 0
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			tt.modify(&o)
			err := o.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one mentioning %v", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLeaseName(t *testing.T) {
	o := DefaultOptions()
	if got := o.LeaseName(); got != "sluice-controller" {
		t.Errorf("LeaseName() = %q, want sluice-controller", got)
	}
	o.InstanceID = "blue"
	if got := o.LeaseName(); got != "sluice-controller-blue" {
		t.Errorf("LeaseName() = %q, want sluice-controller-blue", got)
	}
}

func TestLeaderElectionNamespace(t *testing.T) {
	t.Setenv("POD_NAMESPACE", "")
	if got := leaderElectionNamespace("ops"); got != "ops" {
		t.Errorf("flag: got %q", got)
	}
	t.Setenv("POD_NAMESPACE", "from-downward-api")
	if got := leaderElectionNamespace(""); got != "from-downward-api" {
		t.Errorf("POD_NAMESPACE: got %q", got)
	}
}
