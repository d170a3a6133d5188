package main

// echo: every connection keeps -w messages in flight; each echo that comes back sends the
// next. The frames are masked once per connection (a random key) and written again as they
// are: the server unmasks every one all the same, and the client stays cheap.

import (
	"bytes"
	"crypto/rand"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

func runEcho(o *options) (map[string]interface{}, error) {
	fails := &failures{}
	conns := dialMany(o.conns, o.concurrency, func() (*conn, error) { return dial(o.addr, o.path, "", o.timeout) }, fails)
	if len(conns) == 0 {
		return common(map[string]interface{}{}, &window{}, fails), errors.New("no connection opened")
	}
	payload := bytes.Repeat([]byte("x"), o.size)
	op := byte(opText)
	if payloadStyle == "json" {
		payload = jsonPayload([]byte("~0.0~"), o.size)
	}
	if o.binary {
		op = opBinary
		if payloadStyle != "json" {
			_, _ = rand.Read(payload)
		}
	}
	var measuring int32
	var msgs int64
	h := &hist{}
	if polling() {
		return echoPolled(o, conns, op, payload, fails)
	}
	var wg sync.WaitGroup
	for _, k := range conns {
		wg.Add(1)
		go func(k *conn) {
			defer wg.Done()
			if err := echoLoop(k, op, payload, o.window, &measuring, &msgs, h); err != nil && atomic.LoadInt32(&measuring) == 1 {
				fails.add(err)
			}
		}(k)
	}
	w := measure(o, &measuring)
	n := atomic.LoadInt64(&msgs)
	closeAll(conns)
	wg.Wait()
	res := map[string]interface{}{
		"connections": len(conns), "messages": n,
		"per_second": perSec(float64(n), w.Seconds), "mb_per_second": perSec(float64(n)*float64(o.size)/1e6, w.Seconds),
		"latency_us": h.summary(),
	}
	return common(res, w, fails), nil
}

func echoLoop(k *conn, op byte, payload []byte, inFlight int, measuring *int32, msgs *int64, h *hist) error {
	frame := k.appendMessage(nil, op, payload)
	batch := bytes.Repeat(frame, inFlight)
	sent := make([]time.Time, inFlight) // send times, a ring in the order the echoes come back
	head, tail := 0, 0
	now := time.Now()
	if _, err := k.c.Write(batch); err != nil {
		return err
	}
	for i := range sent {
		sent[i] = now
	}
	due := 0 // echoes received since the last write: the frames to send again
	for {
		fop, p, ok, need := k.next()
		if !ok {
			if due > 0 {
				if _, err := k.c.Write(batch[:due*len(frame)]); err != nil {
					return err
				}
				for ; due > 0; due-- {
					sent[head] = now
					head = (head + 1) % inFlight
				}
			}
			if _, err := k.fill(need); err != nil {
				return err
			}
			now = time.Now()
			continue
		}
		if handled, err := k.pingOrClose(fop, p); err != nil {
			return err
		} else if handled {
			continue
		}
		if k.deflate || k.rsv1 {
			if err := k.echoCheck(p, payload); err != nil {
				return err
			}
		}
		if atomic.LoadInt32(measuring) == 1 {
			atomic.AddInt64(msgs, 1)
			h.add(now.Sub(sent[tail]).Microseconds())
		}
		tail = (tail + 1) % inFlight
		due++
	}
}

// echoPolled is runEcho with the connections on epoll loops (poll.go).
func echoPolled(o *options, conns []*conn, op byte, payload []byte, fails *failures) (map[string]interface{}, error) {
	loops, err := newPollLoops(fails)
	if err != nil {
		closeAll(conns)
		return nil, err
	}
	defer loops.close()
	now := time.Now()
	for i, k := range conns {
		e := newEchoConn(k, op, payload, o.window)
		if err := loops.add(i, k, e, e.bufferFor()); err != nil {
			return nil, err
		}
		if err := e.begin(k, now); err != nil {
			return nil, err
		}
	}
	var measuring int32
	loops.start(&measuring)
	w := measure(o, &measuring)
	loops.halt()
	h := &hist{}
	n, _ := loops.totals(h)
	res := map[string]interface{}{
		"connections": len(conns), "messages": n,
		"per_second": perSec(float64(n), w.Seconds), "mb_per_second": perSec(float64(n)*float64(o.size)/1e6, w.Seconds),
		"latency_us": h.summary(), "syscalls_per_frame": loops.syscalls(),
	}
	return common(res, w, fails), nil
}
