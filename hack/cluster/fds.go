package main

import (
	"os"
	"strconv"
	"syscall"
)

// closeInheritedFDs marks every descriptor above stderr that this process
// inherited as close-on-exec, so the cluster's processes do not inherit them.
// Go opens its own files close-on-exec, but one inherited from the caller
// stays open across exec: under `flock LOCK make ...` the lock's descriptor
// would pass to etcd or a restarted kube-apiserver, which outlive the
// command, and hold the lock for as long as the cluster runs.
func closeInheritedFDs() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
