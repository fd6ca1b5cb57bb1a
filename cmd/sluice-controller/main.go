// Command sluice-controller runs the sluice Rollout and AnalysisRun controllers.
//
// The controllers themselves arrive with the Rollout controller issue; until then the
// binary only reports its version so the build, packaging and CI can be set up.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sluice-dev/sluice/pkg/version"
)

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println("sluice-controller", version.Version)
		return
	}
	fmt.Fprintln(os.Stderr, "sluice-controller: the controllers are not implemented yet")
	os.Exit(1)
}
