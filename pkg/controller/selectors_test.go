package controller

import (
	"testing"

	"k8s.io/apimachinery/pkg/labels"
)

func TestSelectors(t *testing.T) {
	tests := []struct {
		name       string
		instanceID string
		selector   func(string) labels.Selector
		want       string
		match      []labels.Set
		noMatch    []labels.Set
	}{
		{
			name:     "rollouts without instance id",
			selector: instanceSelector,
			want:     "!sluice.dev/instance-id",
			match:    []labels.Set{{}, {"app": "web"}},
			noMatch:  []labels.Set{{"sluice.dev/instance-id": "blue"}, {"sluice.dev/instance-id": ""}},
		},
		{
			name:       "rollouts with instance id",
			instanceID: "blue",
			selector:   instanceSelector,
			want:       "sluice.dev/instance-id=blue",
			match:      []labels.Set{{"sluice.dev/instance-id": "blue", "app": "web"}},
			noMatch:    []labels.Set{{}, {"sluice.dev/instance-id": "green"}},
		},
		{
			name:     "replicasets without instance id",
			selector: replicaSetSelector,
			want:     "!sluice.dev/instance-id,sluice.dev/pod-template-hash",
			match:    []labels.Set{{"sluice.dev/pod-template-hash": "abc"}},
			noMatch: []labels.Set{
				{"pod-template-hash": "abc"}, // a Deployment's ReplicaSet
				{"sluice.dev/pod-template-hash": "abc", "sluice.dev/instance-id": "blue"},
			},
		},
		{
			name:       "replicasets with instance id",
			instanceID: "blue",
			selector:   replicaSetSelector,
			want:       "sluice.dev/instance-id=blue,sluice.dev/pod-template-hash",
			match:      []labels.Set{{"sluice.dev/pod-template-hash": "abc", "sluice.dev/instance-id": "blue"}},
			noMatch: []labels.Set{
				{"sluice.dev/pod-template-hash": "abc"},
				{"sluice.dev/instance-id": "blue"},
			},
		},
		{
			name:       "pods, whatever the instance",
			instanceID: "blue",
			selector:   func(string) labels.Selector { return podSelector() },
			want:       "sluice.dev/pod-template-hash",
			match:      []labels.Set{{"sluice.dev/pod-template-hash": "abc", "app": "web"}},
			noMatch:    []labels.Set{{"pod-template-hash": "abc"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel := tt.selector(tt.instanceID)
			if got := sel.String(); got != tt.want {
				t.Errorf("selector = %q, want %q", got, tt.want)
			}
			// What the informer sends is the string; it must parse back the same.
			if _, err := labels.Parse(sel.String()); err != nil {
				t.Errorf("selector %q does not parse: %v", sel, err)
			}
			for _, l := range tt.match {
				if !sel.Matches(l) {
					t.Errorf("%q does not match %v", sel, l)
				}
			}
			for _, l := range tt.noMatch {
				if sel.Matches(l) {
					t.Errorf("%q matches %v", sel, l)
				}
			}
		})
	}
}
