// Command loadgen is the load generator of `npm run bench`: raw WebSocket, the volley.v1
// hub protocol and Socket.IO 4, from goroutines over Go's netpoller, standard library only.
// Each run prints one JSON line: its parameters, the figures, its own CPU and, given -pid,
// the server's CPU and memory. See bench/README.md.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

type options struct {
	mode        string
	addr        string
	addr2       string
	pid2        int
	proto       string
	path        string
	conns       int
	window      int
	size        int
	binary      bool
	dur         time.Duration
	warmup      time.Duration
	hold        time.Duration
	rate        float64
	concurrency int
	pid         int
	timeout     time.Duration
}

// failures counts errors and keeps the first few messages.
type failures struct {
	mu    sync.Mutex
	count int64
	first []string
}

func (f *failures) add(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.count++
	if len(f.first) < 5 {
		f.first = append(f.first, err.Error())
	}
}

func main() {
	o := &options{}
	flag.StringVar(&o.mode, "mode", "echo", "echo | broadcast | connect | idle | recover | scale | cert (write a self-signed certificate to -cert and -key)")
	flag.StringVar(&o.addr, "addr", "127.0.0.1:9001", "server host:port")
	flag.StringVar(&o.proto, "proto", "ws", "ws (raw WebSocket) | volley (volley.v1 hub) | sio (Socket.IO 4); broadcast and idle")
	flag.StringVar(&o.path, "path", "/echo", "request path of echo, connect and raw idle connections")
	flag.IntVar(&o.conns, "c", 100, "connections (echo, idle) or subscribers (broadcast)")
	flag.IntVar(&o.window, "w", 1, "echo: messages in flight per connection; broadcast: publications in flight not yet delivered to every subscriber")
	flag.IntVar(&o.size, "s", 64, "message size in bytes")
	flag.BoolVar(&o.binary, "binary", false, "echo binary messages (default text)")
	flag.DurationVar(&o.dur, "d", 3*time.Second, "measured duration")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "load before the measured window")
	flag.DurationVar(&o.hold, "hold", 2*time.Second, "idle: how long the connections are held before the server's RSS is read")
	flag.Float64Var(&o.rate, "rate", 0, "broadcast: publications per second at a fixed rate (0: as fast as -w allows)")
	flag.IntVar(&o.concurrency, "concurrency", 64, "connect: connections in flight; others: handshakes in flight while opening")
	flag.IntVar(&o.pid, "pid", 0, "server process id: its CPU over the window and its RSS")
	flag.StringVar(&o.addr2, "addr2", "", "broadcast: a second node of a cluster; every other subscriber connects there (the publisher stays on -addr)")
	flag.IntVar(&o.pid2, "pid2", 0, "the second node's process id: its CPU is added to the server's")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "handshake timeout, and how long a broadcast waits for a publication to reach every subscriber")
	flag.Parse()
	if o.mode == "cert" { // tls.go: the self-signed certificate of the wss:// scenarios
		if err := writeCert(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if useDeflate && o.proto != "ws" {
		fmt.Fprintln(os.Stderr, "-deflate: raw WebSocket only (-proto ws)")
		os.Exit(2)
	}

	if !waitPort(o.addr, 15*time.Second) {
		emit(o, map[string]interface{}{"error": "port not open: " + o.addr})
		os.Exit(1)
	}
	stopProfile := startProfile()
	var res map[string]interface{}
	var err error
	switch o.mode {
	case "echo":
		res, err = runEcho(o)
	case "broadcast":
		res, err = runBroadcast(o)
	case "connect":
		res, err = runConnect(o)
	case "idle":
		res, err = runIdle(o)
	default:
		if run, ok := extraModes[o.mode]; ok {
			res, err = run(o)
		} else {
			err = fmt.Errorf("unknown mode %q", o.mode)
		}
	}
	if err != nil {
		if res == nil {
			res = map[string]interface{}{}
		}
		res["error"] = err.Error()
	}
	stopProfile()
	emit(o, res)
	if err != nil {
		os.Exit(1)
	}
}

func emit(o *options, res map[string]interface{}) {
	out := map[string]interface{}{
		"mode": o.mode, "proto": o.proto, "c": o.conns, "w": o.window, "s": o.size, "binary": o.binary,
		"rate": o.rate, "concurrency": o.concurrency, "d_s": o.dur.Seconds(), "warmup_s": o.warmup.Seconds(),
		"gomaxprocs": runtime.GOMAXPROCS(0), "result": res,
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}

func waitPort(addr string, limit time.Duration) bool {
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// dialMany opens n connections with at most `parallel` handshakes at once.
func dialMany(n, parallel int, open func() (*conn, error), fails *failures) []*conn {
	out := make([]*conn, n)
	var next int64 = -1
	var wg sync.WaitGroup
	if parallel < 1 {
		parallel = 1
	}
	for g := 0; g < parallel; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := atomic.AddInt64(&next, 1)
				if i >= int64(n) {
					return
				}
				k, err := open()
				if err != nil {
					fails.add(err)
					continue
				}
				out[i] = k
			}
		}()
	}
	wg.Wait()
	opened := out[:0]
	for _, k := range out {
		if k != nil {
			opened = append(opened, k)
		}
	}
	return opened
}

func closeAll(conns []*conn) {
	for _, k := range conns {
		k.close()
	}
}

// common adds the figures every mode reports.
func common(res map[string]interface{}, w *window, fails *failures) map[string]interface{} {
	res["errors"] = fails.count
	res["error_messages"] = fails.first
	if w.Seconds <= 0 {
		return res // the window never opened
	}
	res["seconds"] = w.Seconds
	res["loadgen_cpu_pct"] = w.SelfPct
	if w.ServerPct >= 0 {
		res["server_cpu_pct"] = w.ServerPct
	}
	if w.Server2Pct >= 0 && w.pid2 > 0 {
		res["server2_cpu_pct"] = w.Server2Pct
	}
	if w.MachinePct >= 0 {
		res["machine_cpu_pct"] = w.MachinePct
	}
	if w.pid > 0 {
		res["server_rss"] = procRSS(w.pid)
	}
	return res
}

// perSec is x per second over secs, 0 when the window never opened.
func perSec(x, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return x / secs
}
