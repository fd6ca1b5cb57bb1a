// Command kubectl-sluice is the kubectl plugin for sluice (`kubectl sluice ...`).
//
// Its commands arrive with the plugin issue; until then it only reports its version.
package main

import (
	"fmt"
	"os"

	"github.com/sluice-dev/sluice/pkg/version"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "version" {
		fmt.Println("kubectl-sluice", version.Version)
		return
	}
	fmt.Fprintln(os.Stderr, "kubectl-sluice: only 'version' is implemented yet")
	os.Exit(1)
}
