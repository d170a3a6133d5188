package main

// scale: -c idle raw WebSocket subscribers (/sub) held open at once, spread over -sources
// source addresses 127.0.0.2, 127.0.0.3, ... (one address has ~28k ephemeral ports), then
// -rounds broadcasts of one message from /pub, one after the other. Figures: the server's
// RSS growth per connection (after -hold), and the time from a broadcast's send until the
// last subscriber has it. The process raises its own open-files limit to fit -c (as root,
// or within the hard limit), and closes every connection with a reset (SO_LINGER 0) so
// that no port is left in TIME_WAIT for the next run.

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	scaleSources = flag.Int("sources", 0, "scale: spread the connections over this many source addresses 127.0.0.2, 127.0.0.3, ... (0: the default)")
	scaleRounds  = flag.Int("rounds", 3, "scale: broadcasts sent one after the other once every connection is open")
)

func init() { extraModes["scale"] = runScale }

// sourceAddr is the source address of connection i of n spread over k addresses from 127.0.0.2 (nil: the default).
func sourceAddr(i, n, k int) net.IP {
	if k <= 0 {
		return nil
	}
	per := (n + k - 1) / k
	return net.IPv4(127, 0, 0, byte(2+i/per))
}

// raiseNofile makes room for n open files in this process.
func raiseNofile(n uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if lim.Cur >= n {
		return nil
	}
	if lim.Max < n {
		lim.Max = n
	}
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("cannot raise the open-files limit to %d (needs root or a hard limit that high): %w", n, err)
	}
	return nil
}

// dialFrom is dial with a source address and a small read buffer (idle connections).
func dialFrom(addr string, local net.IP, path string, timeout time.Duration) (*conn, error) {
	d := net.Dialer{Timeout: timeout}
	if local != nil {
		d.LocalAddr = &net.TCPAddr{IP: local}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	k := &conn{c: c, buf: make([]byte, 1024)}
	if err := k.upgrade(addr, path, "", timeout); err != nil {
		c.Close()
		return nil, err
	}
	return k, nil
}

func runScale(o *options) (map[string]interface{}, error) {
	if o.proto != "ws" {
		return nil, errors.New("scale speaks raw WebSocket (-proto ws)")
	}
	if *scaleSources > 250 {
		return nil, errors.New("-sources: at most 250")
	}
	if err := raiseNofile(uint64(o.conns) + 1024); err != nil {
		return nil, err
	}
	fails := &failures{}
	before := procRSS(o.pid)
	w := &window{}
	w.start(o.pid)
	var index int64 = -1
	conns := dialMany(o.conns, o.concurrency, func() (*conn, error) {
		i := int(atomic.AddInt64(&index, 1))
		return dialFrom(o.addr, sourceAddr(i, o.conns, *scaleSources), "/sub", o.timeout)
	}, fails)
	opened := time.Since(w.at)
	reset := func(all []*conn) {
		for _, k := range all {
			cut(k)
		}
	}
	if len(conns) < o.conns {
		reset(conns)
		w.stop()
		return common(map[string]interface{}{"connections": len(conns)}, w, fails), fmt.Errorf("%d of %d connections failed", o.conns-len(conns), o.conns)
	}
	start := time.Now()
	var got int64
	arrived := make(chan struct{}, 1)
	var lastArrival int64 // µs since start
	var wg sync.WaitGroup
	for _, k := range conns {
		wg.Add(1)
		go func(k *conn) {
			defer wg.Done()
			for {
				_, data, err := k.readFrame()
				if err != nil {
					return
				}
				if _, _, err := parseMarker(data); err != nil {
					continue
				}
				now := time.Since(start).Microseconds()
				for {
					old := atomic.LoadInt64(&lastArrival)
					if now <= old || atomic.CompareAndSwapInt64(&lastArrival, old, now) {
						break
					}
				}
				if atomic.AddInt64(&got, 1) == int64(len(conns)) {
					arrived <- struct{}{}
				}
			}
		}(k)
	}
	runtime.GC()
	time.Sleep(o.hold)
	after := procRSS(o.pid)

	// The broadcasts, one after the other; each is done when the last subscriber has it.
	pub, err := dial(o.addr, "/pub", "", o.timeout)
	var times []float64
	if err == nil {
		for r := 1; r <= *scaleRounds; r++ {
			atomic.StoreInt64(&got, 0)
			sent := time.Since(start).Microseconds()
			if _, err = pub.c.Write(appendFrame(nil, opBinary, marker(int64(r), sent, o.size))); err != nil {
				break
			}
			select {
			case <-arrived:
				times = append(times, float64(atomic.LoadInt64(&lastArrival)-sent))
			case <-time.After(o.timeout):
				err = fmt.Errorf("broadcast %d reached %d of %d subscribers in %s", r, atomic.LoadInt64(&got), len(conns), o.timeout)
			}
			if err != nil {
				break
			}
		}
		pub.c.Close()
	}
	w.stop()
	reset(conns)
	wg.Wait()
	res := map[string]interface{}{
		"connections": len(conns), "open_seconds": opened.Seconds(), "per_second": float64(len(conns)) / opened.Seconds(),
		"sources": *scaleSources, "broadcast_us": times,
	}
	if len(times) > 0 {
		sorted := append([]float64(nil), times...)
		sort.Float64s(sorted)
		res["broadcast_all_us"] = sorted[len(sorted)/2]
	}
	if before > 0 && after > 0 && len(conns) > 0 {
		res["server_rss_before"] = before
		res["server_rss_after"] = after
		res["rss_per_connection"] = float64(after-before) / float64(len(conns))
	}
	return common(res, w, fails), err
}
