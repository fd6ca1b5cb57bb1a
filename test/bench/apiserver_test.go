package main

import (
	"math"
	"strings"
	"testing"
)

// A trimmed kube-apiserver /metrics: the request-duration family among
// others, with a status PUT in two scopes' worth of series, a dry run, and a
// core-group PATCH.
const apiserverMetrics = `# HELP apiserver_request_total [STABLE] Counter of apiserver requests.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="sluice.dev",resource="rollouts",scope="namespace",subresource="status",verb="PUT",version="v1alpha1"} 7
# HELP apiserver_request_duration_seconds [STABLE] Response latency distribution in seconds.
# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="sluice.dev",resource="rollouts",scope="namespace",subresource="status",verb="PUT",version="v1alpha1",le="0.005"} 0
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="sluice.dev",resource="rollouts",scope="namespace",subresource="status",verb="PUT",version="v1alpha1",le="0.025"} 2
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="sluice.dev",resource="rollouts",scope="namespace",subresource="status",verb="PUT",version="v1alpha1",le="+Inf"} 4
apiserver_request_duration_seconds_sum{component="apiserver",dry_run="",group="sluice.dev",resource="rollouts",scope="namespace",subresource="status",verb="PUT",version="v1alpha1"} 0.2
apiserver_request_duration_seconds_count{component="apiserver",dry_run="",group="sluice.dev",resource="rollouts",scope="namespace",subresource="status",verb="PUT",version="v1alpha1"} 4
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="sluice.dev",resource="rollouts",scope="resource",subresource="status",verb="PUT",version="v1alpha1",le="0.005"} 1
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="sluice.dev",resource="rollouts",scope="resource",subresource="status",verb="PUT",version="v1alpha1",le="0.025"} 3
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="sluice.dev",resource="rollouts",scope="resource",subresource="status",verb="PUT",version="v1alpha1",le="+Inf"} 3
apiserver_request_duration_seconds_sum{component="apiserver",dry_run="",group="sluice.dev",resource="rollouts",scope="resource",subresource="status",verb="PUT",version="v1alpha1"} 0.03
apiserver_request_duration_seconds_count{component="apiserver",dry_run="",group="sluice.dev",resource="rollouts",scope="resource",subresource="status",verb="PUT",version="v1alpha1"} 3
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="All",group="apps",resource="replicasets",scope="namespace",subresource="",verb="POST",version="v1",le="+Inf"} 5
apiserver_request_duration_seconds_sum{component="apiserver",dry_run="All",group="apps",resource="replicasets",scope="namespace",subresource="",verb="POST",version="v1"} 0.1
apiserver_request_duration_seconds_count{component="apiserver",dry_run="All",group="apps",resource="replicasets",scope="namespace",subresource="",verb="POST",version="v1"} 5
apiserver_request_duration_seconds_bucket{component="apiserver",dry_run="",group="",resource="services",scope="namespace",subresource="",verb="PATCH",version="v1",le="+Inf"} 2
apiserver_request_duration_seconds_sum{component="apiserver",dry_run="",group="",resource="services",scope="namespace",subresource="",verb="PATCH",version="v1"} 0.04
apiserver_request_duration_seconds_count{component="apiserver",dry_run="",group="",resource="services",scope="namespace",subresource="",verb="PATCH",version="v1"} 2
# HELP apiserver_request_duration_seconds_other a family whose name only starts alike
# TYPE apiserver_request_duration_seconds_other counter
apiserver_request_duration_seconds_other 1
`

func TestServerLatencyIsNamedAsTheControllerNamesRequests(t *testing.T) {
	got, err := parseServerLatency([]byte(apiserverMetrics))
	if err != nil {
		t.Fatal(err)
	}
	if keys, want := strings.Join(sortedKeys(got), ","), "dryrun-create replicasets.apps,patch services,update rollouts.sluice.dev/status"; keys != want {
		t.Fatalf("series %s, want %s", keys, want)
	}
	put := got["update rollouts.sluice.dev/status"]
	if put.count != 7 || put.countAt(0.005) != 1 || put.countAt(0.025) != 5 {
		t.Errorf("the status PUTs of both scopes were not summed: %+v", put)
	}
	if s := statOf(put); s.Count != 7 || math.Abs(s.Mean-1000*0.23/7) > 1e-9 {
		t.Errorf("status PUT stat %+v", s)
	}
}
