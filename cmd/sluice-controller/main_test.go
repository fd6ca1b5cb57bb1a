package main

import (
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sluice-dev/sluice/pkg/controller"
)

func TestParseFlags(t *testing.T) {
	var help strings.Builder
	tests := []struct {
		name        string
		args        []string
		want        func(*controller.Options)
		wantVersion bool
		wantErr     string
	}{
		{name: "defaults", want: func(*controller.Options) {}},
		{name: "local demo", args: []string{"--kubeconfig", "/tmp/kc", "--leader-elect=false", "--namespace=demo", "-v=2"},
			want: func(o *controller.Options) {
				o.Kubeconfig = "/tmp/kc"
				o.LeaderElect = false
				o.Namespace = "demo"
			}},
		{name: "version", args: []string{"--version"}, wantVersion: true, want: func(*controller.Options) {}},
		{name: "unknown flag", args: []string{"--workers=3"}, wantErr: "flag provided but not defined: -workers"},
		{name: "positional argument", args: []string{"run"}, wantErr: `unexpected argument "run"`},
		{name: "invalid value", args: []string{"--rollout-workers=0", "--log-format=xml"},
			wantErr: "--rollout-workers must be at least 1, got 0\n--log-format must be text or json"},
		{name: "help", args: []string{"--help"}, wantErr: flag.ErrHelp.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, version, err := parseFlags(tt.args, &help)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			want := controller.DefaultOptions()
			tt.want(&want)
			if diff := cmp.Diff(want, o); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if version != tt.wantVersion {
				t.Errorf("version = %v, want %v", version, tt.wantVersion)
			}
		})
	}
	for _, f := range []string{"-kubeconfig", "-leader-elect", "-rollout-workers", "-log-format", "-v level", "-version"} {
		if !strings.Contains(help.String(), f) {
			t.Errorf("--help does not list %s", f)
		}
	}
}

func TestOneLine(t *testing.T) {
	err := errors.Join(errors.New("a"), errors.New("b"))
	if got := oneLine(err); got != "a; b" {
		t.Errorf("oneLine = %q", got)
	}
}
