package main

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestCloseInheritedFDs: a descriptor opened without close-on-exec, as one
// inherited from `flock LOCK make ...`, does not reach a process the harness
// starts once closeInheritedFDs has run.
func TestCloseInheritedFDs(t *testing.T) {
	fd, err := syscall.Open(filepath.Join(t.TempDir(), "lock"), syscall.O_CREAT|syscall.O_RDWR, 0o644) // no O_CLOEXEC
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	childFDs := func() []string {
		out, err := exec.Command("sh", "-c", "ls /proc/$$/fd").Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Fields(string(out))
	}
	has := func(fds []string) bool {
		for _, f := range fds {
			if f == strconv.Itoa(fd) {
				return true
			}
		}
		return false
	}
	if !has(childFDs()) {
		t.Fatalf("setup: descriptor %d did not reach the child before closeInheritedFDs", fd)
	}
	closeInheritedFDs()
	if fds := childFDs(); has(fds) {
		t.Errorf("descriptor %d reached the child after closeInheritedFDs: %v", fd, fds)
	}
}
