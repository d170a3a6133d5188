package main

// broadcast: -c subscribers and one publisher. The publisher keeps -w publications in
// flight (a publication is done when every subscriber has it) or publishes at -rate per
// second; each delivery's latency is from the publish call to its arrival. Each publication's
// completion is from its publish call to its last delivery: a p99 of deliveries near the
// completion's median is the fan-out itself, one far above it rare stalls. The bytes the
// subscribers read over the window, divided by the deliveries, are the wire cost of one.

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

const slotRing = 4096

type fanout struct {
	p          *proto
	n          int64
	start      time.Time
	measuring  int32
	deliveries int64
	wireBytes  int64
	published  int64
	slots      [slotRing]int64
	sentAt     [slotRing]int64 // each publication's send time (micros), by slot
	done       chan int64
	h          hist
	completion hist // send to last delivery, per publication
}

func runBroadcast(o *options) (map[string]interface{}, error) {
	p, err := protoByName(o.proto)
	if err != nil {
		return nil, err
	}
	if o.window >= slotRing {
		return nil, fmt.Errorf("-w must be below %d", slotRing)
	}
	fails := &failures{}
	var opened int64
	open := func(path string, subscribe bool) func() (*conn, error) {
		return func() (*conn, error) {
			addr := o.addr
			// In a cluster, every other subscriber is on the second node.
			if subscribe && o.addr2 != "" && atomic.AddInt64(&opened, 1)%2 == 0 {
				addr = o.addr2
			}
			k, err := dial(addr, path, p.subprotocol, o.timeout)
			if err != nil {
				return nil, err
			}
			if err := p.join(k, subscribe, o.timeout); err != nil {
				k.c.Close()
				return nil, err
			}
			return k, nil
		}
	}
	subs := dialMany(o.conns, o.concurrency, open(p.path, true), fails)
	if len(subs) < o.conns {
		closeAll(subs)
		return common(map[string]interface{}{"subscribers": len(subs)}, &window{}, fails), fmt.Errorf("%d of %d subscribers failed", o.conns-len(subs), o.conns)
	}
	pub, err := open(p.pubPath, false)()
	if err != nil {
		closeAll(subs)
		return nil, fmt.Errorf("publisher: %w", err)
	}
	f := &fanout{p: p, n: int64(len(subs)), start: time.Now(), done: make(chan int64, slotRing)}
	var wg sync.WaitGroup
	var loops *pollLoops
	if polling() {
		if loops, err = newPollLoops(fails); err != nil {
			pub.c.Close()
			closeAll(subs)
			return nil, err
		}
		defer loops.close()
		for i, k := range subs {
			if err := loops.add(i, k, subscriberConn{f}, 0); err != nil {
				pub.c.Close()
				return nil, err
			}
		}
		loops.start(&f.measuring)
	} else {
		for _, k := range subs {
			wg.Add(1)
			go func(k *conn) {
				defer wg.Done()
				f.subscriber(k)
			}(k)
		}
	}
	go f.drain(pub) // replies, acks and pings to the publisher

	stop := make(chan struct{})
	pubErr := make(chan error, 1)
	go func() { pubErr <- f.publish(pub, o, stop) }()
	w := &window{}
	select {
	case err = <-pubErr:
	case <-time.After(o.warmup):
		atomic.StoreInt32(&f.measuring, 1)
		w.startPair(o.pid, o.pid2)
		select {
		case err = <-pubErr:
		case <-time.After(o.dur):
		}
		atomic.StoreInt32(&f.measuring, 0)
		w.stop()
	}
	close(stop)
	if loops != nil {
		loops.halt()
		n, b := loops.totals(&f.h)
		atomic.AddInt64(&f.deliveries, n)
		atomic.AddInt64(&f.wireBytes, b)
	}
	n := atomic.LoadInt64(&f.deliveries)
	bytesIn := atomic.LoadInt64(&f.wireBytes)
	pub.c.Close()
	closeAll(subs)
	wg.Wait()
	res := map[string]interface{}{
		"subscribers": len(subs), "deliveries": n, "per_second": perSec(float64(n), w.Seconds),
		"publications": atomic.LoadInt64(&f.published), "latency_us": f.h.summary(), "completion_us": f.completion.summary(),
	}
	if n > 0 {
		res["wire_bytes_per_delivery"] = float64(bytesIn) / float64(n)
	}
	if loops != nil {
		res["syscalls_per_frame"] = loops.syscalls()
	}
	return common(res, w, fails), err
}

func (f *fanout) micros() int64 { return time.Since(f.start).Microseconds() }

// publish sends publications: a window's worth, then one per completed publication, or at
// a fixed rate. It fails when no publication completes for a while (a lost delivery).
func (f *fanout) publish(pub *conn, o *options, stop chan struct{}) error {
	var seq, completed int64
	send := func() error {
		seq++
		atomic.AddInt64(&f.published, 1)
		sent := f.micros()
		atomic.StoreInt64(&f.sentAt[seq%slotRing], sent)
		_, err := pub.c.Write(publication(f.p, pub, seq, sent, o.size))
		return err
	}
	if o.rate > 0 {
		tick := time.NewTicker(time.Duration(float64(time.Second) / o.rate))
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return nil
			case <-f.done:
				completed++
			case <-tick.C:
				if seq-completed > slotRing/2 {
					return errors.New("the subscribers fell behind the fixed rate")
				}
				if err := send(); err != nil {
					return err
				}
			}
		}
	}
	for i := 0; i < o.window; i++ {
		if err := send(); err != nil {
			return err
		}
	}
	for {
		select {
		case <-stop:
			return nil
		case <-f.done:
			if err := send(); err != nil {
				return err
			}
		case <-time.After(o.timeout):
			s := seq - int64(o.window) + 1
			return fmt.Errorf("stalled: publication %d reached %d of %d subscribers in %s", s, atomic.LoadInt64(&f.slots[s%slotRing]), f.n, o.timeout)
		}
	}
}

func (f *fanout) subscriber(k *conn) {
	var now int64
	for {
		op, data, ok, need := k.next()
		if !ok {
			n, err := k.fill(need)
			if err != nil {
				return
			}
			if atomic.LoadInt32(&f.measuring) == 1 {
				atomic.AddInt64(&f.wireBytes, int64(n))
			}
			now = f.micros()
			continue
		}
		if handled, err := k.pingOrClose(op, data); err != nil {
			return
		} else if handled {
			continue
		}
		if ctl, _ := f.p.control(k, data); ctl {
			continue
		}
		seq, sent, err := k.deliveryMarker(data)
		if err != nil {
			continue // a reply, a join or leave push
		}
		if atomic.LoadInt32(&f.measuring) == 1 {
			atomic.AddInt64(&f.deliveries, 1)
			f.h.add(now - sent)
		}
		f.delivered(seq, now)
	}
}

// delivered counts one subscriber's delivery of publication seq at `at` (micros); the last
// one completes it.
func (f *fanout) delivered(seq, at int64) {
	slot := &f.slots[seq%slotRing]
	if atomic.AddInt64(slot, 1) == f.n {
		atomic.StoreInt64(slot, 0)
		if atomic.LoadInt32(&f.measuring) == 1 {
			f.completion.add(at - atomic.LoadInt64(&f.sentAt[seq%slotRing]))
		}
		f.done <- seq
	}
}

// subscriberConn is a subscriber on an epoll loop (poll.go): what subscriber does, with the
// clock read once per wake and the counters and histogram the loop's own.
type subscriberConn struct{ f *fanout }

func (s subscriberConn) frames(k *conn, now time.Time, measuring bool) error {
	f, l := s.f, k.poll.loop
	at := now.Sub(f.start).Microseconds()
	for {
		op, data, ok, need := k.next()
		if !ok {
			k.poll.need = need
			return nil
		}
		if handled, err := k.pingOrClose(op, data); err != nil {
			return err
		} else if handled {
			continue
		}
		if ctl, err := f.p.control(k, data); ctl {
			if err != nil {
				return err
			}
			continue
		}
		seq, sent, err := k.deliveryMarker(data)
		if err != nil {
			continue // a reply, a join or leave push
		}
		if measuring {
			l.frames++
			l.h.put(at - sent)
		}
		f.delivered(seq, at)
	}
}

// drain reads what comes to the publisher and answers pings.
func (f *fanout) drain(k *conn) {
	for {
		_, data, err := k.readFrame()
		if err != nil {
			return
		}
		_, _ = f.p.control(k, data)
	}
}
