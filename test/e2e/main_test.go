//go:build e2e

// Package e2e holds sluice's end-to-end tests. They need the local cluster
// (`make cluster-up`); `make test` starts and stops it around them. One
// sluice-controller process serves all tests, as it would serve a real cluster.
package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/sluice-dev/sluice/test/e2e/framework"
)

var (
	cluster    *framework.Cluster
	controller *framework.Controller
)

func TestMain(m *testing.M) {
	cluster = framework.MustConnect()
	bin, err := framework.BuildController(cluster.Info)
	if err == nil {
		controller, err = cluster.NewController(bin)
	}
	if err == nil {
		err = controller.Start()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	code := m.Run()
	controller.Stop()
	framework.RemovePluginBuild()
	os.Exit(code)
}

// newTest gives a test its namespace and dumps the controller's log if it fails.
func newTest(t *testing.T) *framework.Framework {
	f := cluster.New(t)
	f.OnFailure(func() { controller.DumpLogTo(t) })
	return f
}
