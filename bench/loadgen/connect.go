package main

// connect: handshake churn. -concurrency loops each open a connection, upgrade it, send one
// message and wait for its echo, send a close and wait for the server's close, then start
// again. The figure is completed cycles per second.

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

func runConnect(o *options) (map[string]interface{}, error) {
	fails := &failures{}
	var measuring, stopped int32
	var cycles int64
	h := &hist{}
	msg := []byte("hello, echo")
	var wg sync.WaitGroup
	for g := 0; g < o.concurrency; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for atomic.LoadInt32(&stopped) == 0 {
				began := time.Now()
				err := cycle(o, msg)
				if atomic.LoadInt32(&measuring) != 1 {
					continue
				}
				if err != nil {
					fails.add(err)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				atomic.AddInt64(&cycles, 1)
				h.add(time.Since(began).Microseconds())
			}
		}()
	}
	w := measure(o, &measuring)
	n := atomic.LoadInt64(&cycles)
	atomic.StoreInt32(&stopped, 1)
	wg.Wait()
	res := map[string]interface{}{"cycles": n, "per_second": perSec(float64(n), w.Seconds), "latency_us": h.summary()}
	var err error
	if n == 0 {
		err = errors.New("no cycle completed")
	}
	return common(res, w, fails), err
}

func cycle(o *options, msg []byte) error {
	k, err := dial(o.addr, o.path, "", o.timeout)
	if err != nil {
		return err
	}
	defer k.c.Close()
	_ = k.c.SetDeadline(time.Now().Add(o.timeout))
	if err := k.write(opText, msg); err != nil {
		return err
	}
	if _, _, err := k.readFrame(); err != nil {
		return err
	}
	if _, err := k.c.Write(closeFrame()); err != nil {
		return err
	}
	for {
		if _, _, err := k.readFrame(); err != nil {
			if errors.Is(err, errClosed) {
				return nil
			}
			return nil // the server closed the TCP connection after its close frame, or at once
		}
	}
}
