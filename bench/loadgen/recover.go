package main

// recover: the reconnect-and-recover storm. -c clients subscribe to one channel (volley.v1,
// a namespace with history) or join one room (Socket.IO with connectionStateRecovery) while
// a publisher publishes at -rate. Once every client has had a publication and -warmup has
// passed, all of them are cut at once (TCP closed abruptly: SO_LINGER 0, a reset); the
// publisher goes on; after -down they all reconnect at once (-concurrency handshakes in
// flight) asking for what they missed: volley.v1 `subscribe` with `since: {offset, epoch}`,
// Socket.IO a CONNECT packet with the session's `pid` and last `offset`. A client has
// recovered when its reply says so (volley: `recovered: true`; Socket.IO: the same socket id
// back) and it holds, with no gap, every publication sent before it reconnected. Offsets
// (volley) and the markers' sequence numbers (both) are checked to be contiguous across the
// cut, and for -d after everyone has recovered. The figure is the time from the cut until
// the last client has recovered.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

var debugRecover = os.Getenv("LOADGEN_DEBUG") != ""

var recoverDown = flag.Duration("down", time.Second, "recover: how long the cut clients stay away while the publisher goes on")

func init() { extraModes["recover"] = runRecover }

const (
	stateLive = iota
	stateRecovered
	stateFellBack
)

// rclient is one client's view of the stream; its reader goroutine owns it.
type rclient struct {
	k         *conn
	lastSeq   int64     // the marker's sequence number of the last publication, in order
	lastOff   int64     // volley: the last offset
	epoch     string    // volley: the stream's epoch
	sid, pid  string    // sio: the socket id and private session id
	sioOffset string    // sio: the offset of the last event
	seqGaps   int64     // publications missing or repeated (markers)
	offGaps   int64     // volley: offsets not following the last one
	target    int64     // after the reconnect: the publisher's sequence number when it began
	missed    int64     // publications sent between its last one and its reconnect
	upgraded  time.Time // after the reconnect: when its WebSocket upgrade completed
	state     int
	doneAt    time.Time
	done      bool
	err       error
}

// offsetIn finds the first `"offset":N` in a push, whatever the envelope around it.
func offsetIn(data []byte) (int64, bool) {
	i := bytes.Index(data, []byte(`"offset":`))
	if i < 0 {
		return 0, false
	}
	i += len(`"offset":`)
	for i < len(data) && data[i] == ' ' {
		i++
	}
	var n int64
	start := i
	for ; i < len(data) && data[i] >= '0' && data[i] <= '9'; i++ {
		n = n*10 + int64(data[i]-'0')
	}
	return n, i > start
}

// epochIn finds `"epoch":"E"` in a push (the first publication of a stream carries it).
func epochIn(data []byte) (string, bool) {
	i := bytes.Index(data, []byte(`"epoch":"`))
	if i < 0 {
		return "", false
	}
	i += len(`"epoch":"`)
	j := bytes.IndexByte(data[i:], '"')
	if j < 0 {
		return "", false
	}
	return string(data[i : i+j]), true
}

// sioEventOffset is the last string argument of a Socket.IO event, `42["m","DATA","OFFSET"]`:
// with connectionStateRecovery the server appends the event's offset there.
func sioEventOffset(data []byte) (string, bool) {
	if !bytes.HasSuffix(data, []byte(`"]`)) {
		return "", false
	}
	body := data[:len(data)-2]
	i := bytes.LastIndex(body, []byte(`,"`))
	if i < 0 {
		return "", false
	}
	return string(body[i+2:]), true
}

// sioConnectReply reads `40{"sid":"…","pid":"…"}`.
func sioConnectReply(data []byte) (sid, pid string, err error) {
	var r struct {
		Sid string `json:"sid"`
		Pid string `json:"pid"`
	}
	if !bytes.HasPrefix(data, []byte("40")) {
		return "", "", fmt.Errorf("socket.io: expected a connect packet, got %.100q", data)
	}
	if len(data) > 2 {
		if err := json.Unmarshal(data[2:], &r); err != nil {
			return "", "", fmt.Errorf("socket.io connect: %w", err)
		}
	}
	return r.Sid, r.Pid, nil
}

// subscribeReply is volley.v1's answer to subscribe, as far as recovery needs it.
type subscribeReply struct {
	ID     int64 `json:"id"`
	Result *struct {
		Recoverable  bool   `json:"recoverable"`
		Epoch        string `json:"epoch"`
		Offset       int64  `json:"offset"`
		Recovered    *bool  `json:"recovered"`
		Publications []struct {
			Offset int64           `json:"offset"`
			Data   json.RawMessage `json:"data"`
		} `json:"publications"`
	} `json:"result"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// publication takes one publication in order: its marker and, for volley, its offset (0: none).
func (c *rclient) publication(data []byte, off int64) {
	if seq, _, err := parseMarker(data); err == nil {
		if c.lastSeq > 0 && seq != c.lastSeq+1 {
			c.seqGaps++
			if debugRecover {
				fmt.Fprintf(os.Stderr, "gap: after %d came %d: %.120q\n", c.lastSeq, seq, data)
			}
		}
		if seq > c.lastSeq {
			c.lastSeq = seq
		}
	}
	if off > 0 {
		if c.lastOff > 0 && off != c.lastOff+1 {
			c.offGaps++
		}
		if off > c.lastOff {
			c.lastOff = off
		}
	}
}

// checkDone marks the client recovered once it holds everything sent before its reconnect.
func (c *rclient) checkDone() {
	if !c.done && c.state == stateRecovered && c.lastSeq >= c.target {
		c.done, c.doneAt = true, time.Now()
	}
}

type storm struct {
	o        *options
	p        *proto
	seq      int64 // the publisher's last sequence number
	seen     int64 // clients that have had a publication
	mu       sync.Mutex
	finished int
	allDone  chan struct{}
	stopped  bool    // the run is over: connections opened from now on are closed at once
	open     []*conn // the reconnected clients' connections, closed at the end
}

var errStopped = errors.New("the run ended before this client reconnected")

// track registers a reconnected client's connection to be closed at the end; false when the end has come.
func (s *storm) track(k *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	s.open = append(s.open, k)
	return true
}

// closeTracked ends the run: every reconnected connection is reset, later ones as they come.
func (s *storm) closeTracked() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	for _, k := range s.open {
		cut(k)
	}
}

// frame handles one frame from the server for client c; it returns an error on a refusal.
func (s *storm) frame(c *rclient, data []byte) error {
	had := c.lastSeq
	if s.p.name == "sio" {
		if len(data) == 1 && data[0] == '2' {
			return c.k.write(opText, []byte("3"))
		}
		if !bytes.HasPrefix(data, []byte("42")) {
			return nil
		}
		if off, ok := sioEventOffset(data); ok {
			c.sioOffset = off
		}
		c.publication(data, 0)
	} else {
		if bytes.HasPrefix(data, []byte(`{"id":`)) {
			if bytes.Contains(data, []byte(`"error"`)) {
				return fmt.Errorf("hub refused: %.200s", data)
			}
			return nil
		}
		if e, ok := epochIn(data); ok {
			c.epoch = e
		}
		off, _ := offsetIn(data)
		c.publication(data, off)
	}
	if had == 0 && c.lastSeq > 0 {
		atomic.AddInt64(&s.seen, 1)
	}
	return nil
}

// read runs a client's connection until it closes, counting it finished once it recovered.
func (s *storm) read(c *rclient) {
	for {
		_, data, err := c.k.readFrame()
		if err != nil {
			return
		}
		if err := s.frame(c, data); err != nil {
			c.err = err
			return
		}
		if c.state != stateLive && !c.done {
			c.checkDone()
			if c.done {
				s.finish()
			}
		}
	}
}

func (s *storm) finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished++
	if s.finished == s.o.conns {
		close(s.allDone)
	}
}

// join opens a client's first session: connect and subscribe, or connect and join the room.
func (s *storm) join(c *rclient) error {
	k, err := dial(s.o.addr, s.p.path, s.p.subprotocol, s.o.timeout)
	if err != nil {
		return err
	}
	c.k = k
	_ = k.c.SetDeadline(time.Now().Add(s.o.timeout))
	defer k.c.SetDeadline(time.Time{})
	if s.p.name == "sio" {
		if err := sioOpen(k); err != nil {
			return err
		}
		if err := k.write(opText, []byte("40")); err != nil {
			return err
		}
		if c.sid, c.pid, err = sioAwaitConnect(k, nil); err != nil {
			return err
		}
		if c.pid == "" {
			return errors.New("socket.io: no pid in the connect reply (connectionStateRecovery off?)")
		}
		if err := k.write(opText, []byte(`420["join","`+sioRoom+`"]`)); err != nil {
			return err
		}
		return s.p.sioWait(k, "430")
	}
	r, err := volleySubscribe(k, "", func(data []byte) error { return s.frame(c, data) })
	if err != nil {
		return err
	}
	if !r.Result.Recoverable {
		return errors.New("the channel keeps no history: recovery needs a namespace with historySize > 0")
	}
	c.epoch, c.lastOff = r.Result.Epoch, r.Result.Offset
	return nil
}

// sioOpen reads the Engine.IO open packet.
func sioOpen(k *conn) error {
	_, data, err := k.readFrame()
	if err != nil {
		return err
	}
	if len(data) == 0 || data[0] != '0' {
		return fmt.Errorf("engine.io: expected an open packet, got %.100q", data)
	}
	return nil
}

// sioAwaitConnect reads until the namespace's connect reply, answering pings; the events
// before it (a recovered session's missed events come before its connect reply) go to early.
func sioAwaitConnect(k *conn, early func([]byte)) (sid, pid string, err error) {
	for {
		_, data, err := k.readFrame()
		if err != nil {
			return "", "", err
		}
		if bytes.Equal(data, []byte("2")) {
			if err := k.write(opText, []byte("3")); err != nil {
				return "", "", err
			}
			continue
		}
		if bytes.HasPrefix(data, []byte("44")) {
			return "", "", fmt.Errorf("socket.io refused: %.200s", data)
		}
		if bytes.HasPrefix(data, []byte("40")) {
			return sioConnectReply(data)
		}
		if early != nil && bytes.HasPrefix(data, []byte("42")) {
			early(append([]byte(nil), data...))
		}
	}
}

// rejoin reconnects a cut client asking for what it missed; it returns once the client
// knows whether it recovered (the rest arrives as pushes or events in read).
func (s *storm) rejoin(c *rclient) error {
	c.target = atomic.LoadInt64(&s.seq)
	c.missed = c.target - c.lastSeq
	k, err := dial(s.o.addr, s.p.path, s.p.subprotocol, s.o.timeout)
	if err != nil {
		return fmt.Errorf("reconnect: %w", err)
	}
	if !s.track(k) {
		cut(k)
		return errStopped
	}
	c.k, c.upgraded = k, time.Now()
	_ = k.c.SetDeadline(time.Now().Add(s.o.timeout))
	defer k.c.SetDeadline(time.Time{})
	if s.p.name == "sio" {
		if err := sioOpen(k); err != nil {
			return err
		}
		auth, _ := json.Marshal(map[string]string{"pid": c.pid, "offset": c.sioOffset})
		if err := k.write(opText, append([]byte("40"), auth...)); err != nil {
			return err
		}
		var missed [][]byte
		sid, pid, err := sioAwaitConnect(k, func(ev []byte) { missed = append(missed, ev) })
		if err != nil {
			return fmt.Errorf("waiting for the connect reply: %w", err)
		}
		if sid == c.sid && pid == c.pid {
			c.state = stateRecovered
			for _, ev := range missed {
				if err := s.frame(c, ev); err != nil {
					return err
				}
			}
			return nil
		}
		// A new session: not recovered; back into the room, and the order starts again.
		c.state, c.sid, c.pid, c.lastSeq = stateFellBack, sid, pid, 0
		if err := k.write(opText, []byte(`420["join","`+sioRoom+`"]`)); err != nil {
			return err
		}
		return s.p.sioWait(k, "430")
	}
	since, _ := json.Marshal(map[string]interface{}{"offset": c.lastOff, "epoch": c.epoch})
	// No push comes before the subscribe reply; anything else is not ours.
	r, err := volleySubscribe(k, string(since), nil)
	if err != nil {
		return err
	}
	if r.Result.Recovered == nil || !*r.Result.Recovered {
		c.state, c.lastSeq, c.lastOff, c.epoch = stateFellBack, 0, r.Result.Offset, r.Result.Epoch
		return nil
	}
	for _, pub := range r.Result.Publications {
		c.publication(pub.Data, pub.Offset)
	}
	if r.Result.Offset > 0 && r.Result.Offset != c.lastOff {
		c.offGaps++ // the reply's position is where the pushes continue: the publications must end there
	}
	c.state, c.epoch = stateRecovered, r.Result.Epoch
	return nil
}

// cut closes a connection abruptly: SO_LINGER 0 makes the close a reset.
func cut(k *conn) {
	if tc, ok := k.c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = k.c.Close()
}

func runRecover(o *options) (map[string]interface{}, error) {
	p, err := protoByName(o.proto)
	if err != nil {
		return nil, err
	}
	if p.name == "ws" {
		return nil, errors.New("recover speaks volley or sio")
	}
	if o.rate <= 0 {
		return nil, errors.New("recover needs -rate")
	}
	fails := &failures{}
	s := &storm{o: o, p: p, allDone: make(chan struct{})}
	clients := make([]*rclient, o.conns)
	for i := range clients {
		clients[i] = &rclient{}
	}
	// The first sessions, 64 handshakes at a time.
	var next int64 = -1
	var wg sync.WaitGroup
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := atomic.AddInt64(&next, 1)
				if i >= int64(len(clients)) {
					return
				}
				if err := s.join(clients[i]); err != nil {
					clients[i].err = err
					fails.add(err)
				}
			}
		}()
	}
	wg.Wait()
	for _, c := range clients {
		if c.err != nil {
			for _, c := range clients {
				if c.k != nil {
					c.k.c.Close()
				}
			}
			return common(map[string]interface{}{"clients": o.conns}, &window{}, fails), fmt.Errorf("%d of %d clients failed to subscribe", fails.count, o.conns)
		}
	}
	var readers sync.WaitGroup
	for _, c := range clients {
		readers.Add(1)
		go func(c *rclient) {
			defer readers.Done()
			s.read(c)
		}(c)
	}

	// The publisher: a session of its own (volley: subscribed, as the namespace lets
	// subscribers publish; it excludes itself), at a fixed rate until stopped.
	pub, err := dial(o.addr, p.pubPath, p.subprotocol, o.timeout)
	if err == nil {
		err = p.join(pub, p.name == "volley", o.timeout)
	}
	if err != nil {
		for _, c := range clients {
			cut(c.k)
		}
		return nil, fmt.Errorf("publisher: %w", err)
	}
	go func() {
		for {
			_, data, err := pub.readFrame()
			if err != nil {
				return
			}
			_, _ = p.control(pub, data)
		}
	}()
	stop := make(chan struct{})
	pubErr := make(chan error, 1)
	start := time.Now()
	go func() {
		tick := time.NewTicker(time.Duration(float64(time.Second) / o.rate))
		defer tick.Stop()
		for {
			select {
			case <-stop:
				pubErr <- nil
				return
			case <-tick.C:
				n := atomic.LoadInt64(&s.seq) + 1
				if _, err := pub.c.Write(p.publishFrame(nil, n, marker(n, time.Since(start).Microseconds(), o.size))); err != nil {
					pubErr <- err
					return
				}
				atomic.StoreInt64(&s.seq, n)
			}
		}
	}()
	finish := func(res map[string]interface{}, w *window, err error) (map[string]interface{}, error) {
		close(stop)
		<-pubErr
		pub.c.Close()
		for _, c := range clients {
			if c.k != nil {
				cut(c.k)
			}
		}
		return common(res, w, fails), err
	}

	// Every client has had a publication (so it has a position to recover from), then -warmup.
	deadline := time.Now().Add(o.timeout)
	for atomic.LoadInt64(&s.seen) < int64(o.conns) {
		if time.Now().After(deadline) {
			return finish(map[string]interface{}{"clients": o.conns}, &window{}, fmt.Errorf("%d of %d clients had no publication in %s", int64(o.conns)-atomic.LoadInt64(&s.seen), o.conns, o.timeout))
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(o.warmup)

	// The cut: every connection reset at once.
	w := &window{}
	w.start(o.pid)
	cutAt := time.Now()
	seqAtCut := atomic.LoadInt64(&s.seq)
	for _, c := range clients {
		cut(c.k)
	}
	readers.Wait()
	for _, c := range clients {
		if c.err != nil {
			fails.add(c.err)
		}
	}
	time.Sleep(*recoverDown)

	// The storm: everyone reconnects at once (-concurrency handshakes in flight).
	reconnectAt := time.Now()
	var failed, retries int64
	var firstRetry atomic.Value
	next = -1
	parallel := o.concurrency
	if parallel < 1 || parallel > o.conns {
		parallel = o.conns
	}
	for g := 0; g < parallel; g++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				i := atomic.AddInt64(&next, 1)
				if i >= int64(len(clients)) {
					return
				}
				c := clients[i]
				// A refused or reset handshake is tried again after 250 ms, as a client library
				// would, until -timeout after the storm began; each retry is counted.
				var err error
				for {
					lastSeq, lastOff := c.lastSeq, c.lastOff
					if err = s.rejoin(c); err == nil || errors.Is(err, errStopped) || time.Since(reconnectAt) > o.timeout {
						break
					}
					if atomic.AddInt64(&retries, 1) == 1 {
						firstRetry.Store(err.Error())
					}
					if c.k != nil {
						cut(c.k)
					}
					c.lastSeq, c.lastOff, c.state = lastSeq, lastOff, stateLive
					time.Sleep(250 * time.Millisecond)
				}
				if err != nil {
					fails.add(err)
					atomic.AddInt64(&failed, 1)
					s.finish()
					continue
				}
				if c.state == stateFellBack {
					c.done, c.doneAt = true, time.Now()
					s.finish()
				} else {
					c.checkDone()
					if c.done {
						s.finish()
					}
				}
				readers.Add(1)
				go func() {
					defer readers.Done()
					s.read(c)
				}()
			}
		}()
	}
	var timedOut bool
	select {
	case <-s.allDone:
	case <-time.After(o.timeout):
		timedOut = true
	}
	allAt := time.Now()
	w.stop()
	// Live pushes go on for -d: they too must follow on without a gap.
	time.Sleep(o.dur)
	seqAtEnd := atomic.LoadInt64(&s.seq)
	close(stop)
	<-pubErr
	pub.c.Close()
	s.closeTracked()
	// Handshakes still under way end within -timeout; the figures do not wait for them.
	ended := make(chan struct{})
	go func() {
		readers.Wait()
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
	}
	s.mu.Lock() // the clients' state is read below: no reader may still write it
	defer s.mu.Unlock()

	var recovered, fellBack, seqGaps, offGaps, behind, missed int64
	h := &hist{}
	var last, lastUpgrade time.Time
	upgrades := &hist{}
	for _, c := range clients {
		if !c.upgraded.IsZero() {
			upgrades.add(c.upgraded.Sub(reconnectAt).Microseconds())
			if c.upgraded.After(lastUpgrade) {
				lastUpgrade = c.upgraded
			}
		}
		seqGaps += c.seqGaps
		missed += c.missed
		offGaps += c.offGaps
		switch {
		case c.state == stateRecovered && c.done:
			recovered++
			h.add(c.doneAt.Sub(cutAt).Microseconds())
			if c.doneAt.After(last) {
				last = c.doneAt
			}
		case c.state == stateFellBack:
			fellBack++
		}
		if c.state != stateLive && c.lastSeq > 0 && c.lastSeq < seqAtEnd-int64(o.rate) {
			behind++ // far behind the publisher at the end: live pushes stopped arriving
		}
		if c.err != nil {
			fails.add(c.err)
		}
	}
	res := map[string]interface{}{
		"clients": o.conns, "recovered": recovered, "fell_back": fellBack, "failed": failed, "retries": retries,
		"seq_gaps": seqGaps, "offset_gaps": offGaps, "behind_at_end": behind,
		"missed_per_client": float64(missed) / float64(o.conns), "published_at_cut": seqAtCut,
		"published": seqAtEnd, "down_ms": float64(*recoverDown) / float64(time.Millisecond),
		"latency_us": h.summary(),
	}
	res["upgrade_us"] = upgrades.summary()
	if why, ok := firstRetry.Load().(string); ok {
		res["first_retry_reason"] = why
	}
	if !lastUpgrade.IsZero() {
		res["all_upgraded_ms"] = float64(lastUpgrade.Sub(reconnectAt)) / float64(time.Millisecond)
	}
	if !last.IsZero() {
		res["all_recovered_ms"] = float64(last.Sub(cutAt)) / float64(time.Millisecond)
		res["reconnect_to_all_ms"] = float64(last.Sub(reconnectAt)) / float64(time.Millisecond)
	}
	res = common(res, w, fails)
	switch {
	case timedOut:
		err = fmt.Errorf("%d of %d clients had not recovered %s after the reconnect (%d fell back, %d failed)", int64(o.conns)-recovered, o.conns, allAt.Sub(reconnectAt).Round(time.Millisecond), fellBack, failed)
	case seqGaps > 0 || offGaps > 0:
		err = fmt.Errorf("publications missed or repeated: %d sequence gaps, %d offset gaps", seqGaps, offGaps)
	case failed > 0:
		err = fmt.Errorf("%d of %d clients failed to reconnect", failed, o.conns)
	case recovered == 0:
		err = errors.New("no client recovered")
	}
	return res, err
}
