//go:build e2e

// Package e2e holds sluice's end-to-end tests. They need the local cluster
// (`make cluster-up`); `make test` starts and stops it around them.
package e2e

import (
	"os"
	"testing"

	"github.com/sluice-dev/sluice/test/e2e/framework"
)

var cluster *framework.Cluster

func TestMain(m *testing.M) {
	cluster = framework.MustConnect()
	os.Exit(m.Run())
}
