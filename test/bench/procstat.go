package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CPU and memory of the controller come from /proc, as `top` and `ps` read
// them, not from the controller's own metrics: a benchmark should not trust
// the thing it measures.

// cpuSeconds is the process's user + system CPU time (fields 14 and 15 of
// /proc/PID/stat, in clock ticks).
func cpuSeconds(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may contain spaces.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	fields := strings.Fields(string(data[i+1:])) // fields[0] is field 3
	if len(fields) < 13 {
		return 0, errors.New("malformed /proc stat")
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return float64(utime+stime) / float64(clockTicks()), nil
}

// memory returns VmRSS (resident now) and VmHWM (the peak resident size over
// the process's life) from /proc/PID/status, in bytes.
func memory(pid int) (rss, hwm uint64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for line := range strings.Lines(string(data)) {
		key, value, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", key, err)
		}
		if key == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm, nil
}

var (
	clkTckOnce sync.Once
	clkTck     uint64
)

// clockTicks is sysconf(_SC_CLK_TCK), read from the auxiliary vector the
// kernel hands every process (AT_CLKTCK = 17), since Go has no sysconf
// without cgo. It is 100 on every common Linux build, the fallback.
func clockTicks() uint64 {
	clkTckOnce.Do(func() {
		clkTck = 100
		data, err := os.ReadFile("/proc/self/auxv")
		if err != nil {
			return
		}
		for i := 0; i+16 <= len(data); i += 16 {
			if binary.NativeEndian.Uint64(data[i:]) == 17 {
				if v := binary.NativeEndian.Uint64(data[i+8:]); v > 0 {
					clkTck = v
				}
				return
			}
		}
	})
	return clkTck
}

// sampler polls the controller's resident size every 100 ms, so each phase can
// report its own peak (VmHWM covers only the whole life of the process).
type sampler struct {
	pid  int
	mu   sync.Mutex
	peak uint64
	done chan struct{}
	once sync.Once
}

func newSampler(pid int) *sampler {
	s := &sampler{pid: pid, done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *sampler) loop() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		s.sample()
		select {
		case <-s.done:
			return
		case <-t.C:
		}
	}
}

func (s *sampler) sample() {
	rss, _, err := memory(s.pid)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.peak = max(s.peak, rss)
	s.mu.Unlock()
}

// takePeak returns the peak since the previous call and starts a new one.
func (s *sampler) takePeak() uint64 {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.peak
	s.peak = 0
	return p
}

func (s *sampler) stop() { s.once.Do(func() { close(s.done) }) }
