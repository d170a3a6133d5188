package main

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// pollPair is a conn on a loop whose socket is one end of a socketpair; the test holds the other end.
func pollPair(t *testing.T, h pollHandler) (*conn, *pollLoop, int) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.SetNonblock(fds[0], true); err != nil {
		t.Fatal(err)
	}
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fds[0])}
	if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fds[0], &ev); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fds[0]); syscall.Close(fds[1]); syscall.Close(ep) })
	l := &pollLoop{epfd: ep, fails: &failures{}}
	k := &conn{buf: make([]byte, 4096)}
	k.poll = &polled{fd: fds[0], loop: l, handler: h}
	return k, l, fds[1]
}

// feed puts bytes in the conn's buffer as a read would.
func feed(k *conn, b []byte) {
	k.makeRoom(len(b) + k.w)
	k.w += copy(k.buf[k.w:], b)
}

// drain reads what the conn wrote to its peer so far.
func drain(t *testing.T, peer int) []byte {
	t.Helper()
	_ = syscall.SetNonblock(peer, true)
	var out []byte
	b := make([]byte, 1<<16)
	for {
		n, err := syscall.Read(peer, b)
		if n <= 0 || err != nil {
			return out
		}
		out = append(out, b[:n]...)
	}
}

func TestPolledEchoCountsEachEchoAnswersPingsAndSendsAsManyAgain(t *testing.T) {
	payload := bytes.Repeat([]byte("x"), 64)
	e := &echoConn{}
	k, l, peer := pollPair(t, e)
	*e = *newEchoConn(k, opText, payload, 10)
	start := time.Now()
	for i := range e.sent {
		e.sent[i] = start
	}
	echo := serverFrame(opText, payload)
	var in []byte
	in = append(in, echo...)
	in = append(in, serverFrame(opPing, []byte("hb"))...)
	in = append(in, echo...)
	in = append(in, echo...)
	in = append(in, echo[:30]...) // a fourth echo, not whole yet
	feed(k, in)
	if err := e.frames(k, start.Add(250*time.Microsecond), true); err != nil {
		t.Fatal(err)
	}
	if l.frames != 3 || l.h.count() != 3 || l.h.quantile(0.5) != 250 {
		t.Fatalf("counted %d echoes, %d latencies, p50 %d µs", l.frames, l.h.count(), l.h.quantile(0.5))
	}
	if k.poll.need != len(echo) {
		t.Fatalf("need %d, want the partial echo's %d bytes", k.poll.need, len(echo))
	}
	out := drain(t, peer)
	// A pong (masked, 2 bytes of payload) first, then the three messages again in one write.
	pong := 2 + 4 + 2
	if len(out) != pong+3*e.frameLen || out[0] != 0x80|opPong || !bytes.Equal(out[pong:], e.batch[:3*e.frameLen]) {
		t.Fatalf("wrote %d bytes (%x...), want a pong and 3 frames of %d", len(out), out[:2], e.frameLen)
	}
	// The rest of the fourth echo: counted, and sent again on its own.
	feed(k, echo[30:])
	if err := e.frames(k, start.Add(time.Millisecond), false); err != nil {
		t.Fatal(err)
	}
	if l.frames != 3 {
		t.Fatalf("counted %d: an echo outside the measured window was counted", l.frames)
	}
	if out := drain(t, peer); len(out) != e.frameLen {
		t.Fatalf("wrote %d bytes, want one frame of %d", len(out), e.frameLen)
	}
}

func TestPolledEchoRefusesAFrameThatIsNotTheMessageSent(t *testing.T) {
	e := &echoConn{}
	k, _, _ := pollPair(t, e)
	*e = *newEchoConn(k, opText, bytes.Repeat([]byte("x"), 64), 4)
	feed(k, serverFrame(opText, bytes.Repeat([]byte("x"), 63)))
	if err := e.frames(k, time.Now(), true); err == nil || !strings.Contains(err.Error(), "63 bytes") {
		t.Fatalf("a short echo: %v", err)
	}
	feed(k, serverFrame(opClose, []byte{0x03, 0xe8}))
	k.r, k.w = 0, 0
	feed(k, serverFrame(opClose, []byte{0x03, 0xe8}))
	if err := e.frames(k, time.Now(), true); err != errClosed {
		t.Fatalf("a close frame: %v", err)
	}
}

func TestPolledSubscriberCountsDeliveriesAndCompletesEachPublication(t *testing.T) {
	p, _ := protoByName("ws")
	f := &fanout{p: p, n: 2, start: time.Now(), done: make(chan int64, 8)}
	k, l, _ := pollPair(t, subscriberConn{f})
	var in []byte
	for seq := int64(1); seq <= 3; seq++ {
		in = append(in, serverFrame(opBinary, marker(seq, 0, 64))...)
	}
	in = append(in, serverFrame(opText, []byte(`{"id":3,"result":{}}`))...) // no marker: not a delivery
	feed(k, in)
	f.delivered(2, 0) // the other subscriber already has publication 2
	if err := (subscriberConn{f}).frames(k, f.start.Add(time.Millisecond), true); err != nil {
		t.Fatal(err)
	}
	if l.frames != 3 || l.h.count() != 3 {
		t.Fatalf("counted %d deliveries, %d latencies", l.frames, l.h.count())
	}
	select {
	case seq := <-f.done:
		if seq != 2 {
			t.Fatalf("completed publication %d, want 2", seq)
		}
	default:
		t.Fatal("publication 2 reached both subscribers but was not completed")
	}
	if len(f.done) != 0 {
		t.Fatal("a publication one subscriber has not yet was completed")
	}
}

func TestPolledSendQueuesWhatTheSocketDoesNotTakeAndFlushesItLater(t *testing.T) {
	k, _, peer := pollPair(t, nil)
	_ = syscall.SetsockoptInt(k.poll.fd, syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096)
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, more than the socket takes
	if err := k.send(big); err != nil {
		t.Fatal(err)
	}
	if len(k.poll.pending) == 0 {
		t.Fatal("nothing queued: the socket took 1 MiB at once")
	}
	if err := k.send([]byte("tail")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for len(k.poll.pending) > 0 {
		got = append(got, drain(t, peer)...)
		if err := k.poll.flush(); err != nil {
			t.Fatal(err)
		}
	}
	got = append(got, drain(t, peer)...)
	if !bytes.Equal(got, append(big, "tail"...)) {
		t.Fatalf("the peer got %d bytes, want %d in order", len(got), len(big)+4)
	}
}

// rawEchoServer answers the upgrade and then writes every byte back as it came (as
// bench/servers/net-raw.mjs does), on 127.0.0.1.
func rawEchoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				r := bufio.NewReader(c)
				var key string
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if strings.HasPrefix(strings.ToLower(line), "sec-websocket-key:") {
						key = strings.TrimSpace(line[len("sec-websocket-key:"):])
					}
					if line == "\r\n" {
						break
					}
				}
				sum := sha1.Sum([]byte(key + wsGUID))
				_, _ = c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
					base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n"))
				_, _ = io.Copy(c, r)
			}(c)
		}
	}()
	return ln.Addr().String()
}

func TestPollLoopsEchoThroughARealSocketAndCountEveryFrameRead(t *testing.T) {
	acceptMasked = true
	defer func() { acceptMasked = false }()
	addr := rawEchoServer(t)
	fails := &failures{}
	loops, err := newPollLoops(fails)
	if err != nil {
		t.Fatal(err)
	}
	defer loops.close()
	payload := bytes.Repeat([]byte("y"), 300) // a 16-bit length
	var echoes []*echoConn
	var conns []*conn
	for i := 0; i < 4; i++ {
		k, err := dial(addr, "/echo", "", 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		e := newEchoConn(k, opBinary, payload, 5)
		if err := loops.add(i, k, e, e.bufferFor()); err != nil {
			t.Fatal(err)
		}
		if err := e.begin(k, time.Now()); err != nil {
			t.Fatal(err)
		}
		echoes, conns = append(echoes, e), append(conns, k)
	}
	measuring := int32(1)
	loops.start(&measuring)
	time.Sleep(200 * time.Millisecond)
	atomic.StoreInt32(&measuring, 0)
	loops.halt()
	h := &hist{}
	n, wire := loops.totals(h)
	if fails.count != 0 {
		t.Fatalf("failures: %v", fails.first)
	}
	if n == 0 || h.count() != n {
		t.Fatalf("%d echoes, %d latencies", n, h.count())
	}
	// Every byte read is a counted echo or part of one not whole yet: nothing skipped, nothing counted twice.
	var partial int64
	for _, k := range conns {
		partial += int64(k.w - k.r)
	}
	if frameLen := int64(echoes[0].frameLen); wire != n*frameLen+partial {
		t.Fatalf("read %d bytes for %d echoes of %d bytes and %d bytes of a partial one", wire, n, frameLen, partial)
	}
}
