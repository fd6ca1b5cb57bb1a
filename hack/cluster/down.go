package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"
)

// runDown is the `down` command: stop exactly the processes recorded in the
// state file (SIGTERM, then SIGKILL after --grace), wait until they are gone
// and remove the state file and cluster.json. Data and logs stay for
// inspection until the next `up`. Running it without a cluster is not an
// error.
func runDown(_ context.Context, args []string) error {
	var o options
	fs := newFlagSet("down", &o)
	grace := fs.Duration("grace", 10*time.Second, "how long to wait after SIGTERM before SIGKILL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := o.resolve(); err != nil {
		return err
	}
	if _, err := os.Stat(o.stateDir); errors.Is(err, os.ErrNotExist) {
		logf("no cluster recorded in %s; nothing to stop", o.stateDir)
		return nil
	}
	unlock, err := lockStateDir(o.stateDir)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := readState(o.stateDir)
	if errors.Is(err, os.ErrNotExist) {
		_ = os.Remove(filepath.Join(o.stateDir, clusterInfoFile))
		logf("no cluster recorded in %s; nothing to stop", o.stateDir)
		return nil
	}
	if err != nil {
		return err
	}
	start := time.Now()
	// Stop the components in reverse order of their start would be gentler,
	// but all of them tolerate their peers going away, and stopping them
	// together is faster.
	if err := stopProcesses(st.Processes, *grace); err != nil {
		return err
	}
	_ = os.Remove(filepath.Join(o.stateDir, clusterInfoFile))
	if err := os.Remove(statePath(o.stateDir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	logf("stopped %d processes in %.1fs", len(st.Processes), time.Since(start).Seconds())
	return nil
}
