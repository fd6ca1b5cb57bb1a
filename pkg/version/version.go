// Package version holds the build's version, stamped by the Makefile with
// -ldflags "-X github.com/sluice-dev/sluice/pkg/version.Version=...".
package version

// Version is the sluice release, or "dev" for an unstamped build.
var Version = "dev"
