package main

// CPU time of this process (getrusage) and of the server (/proc/PID/stat), and the
// server's resident memory (/proc/PID/status), so one run reports both sides.

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

const ticksPerSecond = 100 // USER_HZ on Linux

func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is a process's user+system time; -1 when it cannot be read.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return -1
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return -1
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration((u + k) * int64(time.Second) / ticksPerSecond)
}

// procRSS is a process's resident memory in bytes; -1 when it cannot be read.
func procRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb * 1024
		}
	}
	return -1
}

// machineBusy is the busy time of all cores together so far (/proc/stat, in ticks); -1 when unreadable.
func machineBusy() int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	line := strings.SplitN(string(b), "\n", 2)[0]
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return -1
	}
	var busy int64
	for i, v := range f[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		busy += n
	}
	return busy
}

// window measures both processes' CPU, and the whole machine's, between start and stop,
// in % of one core.
type window struct {
	pid, pid2          int
	at                 time.Time
	self, server       time.Duration
	server2            time.Duration
	Server2Pct         float64
	busy               int64
	Seconds            float64
	SelfPct, ServerPct float64
	MachinePct         float64
}

// measure runs the load's warm-up, then the measured window: measuring is 1 while it lasts,
// and the window holds the CPU figures of the load generator, the server and the machine.
func measure(o *options, measuring *int32) *window {
	time.Sleep(o.warmup)
	w := &window{}
	atomic.StoreInt32(measuring, 1)
	w.start(o.pid)
	time.Sleep(o.dur)
	atomic.StoreInt32(measuring, 0)
	w.stop()
	return w
}

func (w *window) start(pid int) {
	w.pid, w.at, w.self, w.server, w.busy = pid, time.Now(), selfCPU(), procCPU(pid), machineBusy()
}

// startPair also measures a second server process (the other node of a cluster).
func (w *window) startPair(pid, pid2 int) {
	w.pid2, w.server2 = pid2, procCPU(pid2)
	w.start(pid)
}

func (w *window) stop() {
	w.Seconds = time.Since(w.at).Seconds()
	w.SelfPct = 100 * (selfCPU() - w.self).Seconds() / w.Seconds
	w.ServerPct = -1
	w.Server2Pct = -1
	if w.pid2 > 0 && w.server2 >= 0 {
		if s := procCPU(w.pid2); s >= 0 {
			w.Server2Pct = 100 * (s - w.server2).Seconds() / w.Seconds
		}
	}
	w.MachinePct = -1
	if b := machineBusy(); b >= 0 && w.busy >= 0 {
		w.MachinePct = 100 * float64(b-w.busy) / ticksPerSecond / w.Seconds
	}
	if w.pid > 0 && w.server >= 0 {
		if s := procCPU(w.pid); s >= 0 {
			w.ServerPct = 100 * (s - w.server).Seconds() / w.Seconds
		}
	}
}
