package main

// echo on an epoll loop (poll.go): the same load as echoLoop, one connection's state here.

import (
	"fmt"
	"time"
)

type echoConn struct {
	op       byte
	size     int
	frameLen int
	batch    []byte      // the masked frame, -w times: a prefix of it is what one wake sends again
	sent     []time.Time // send times, a ring in the order the echoes come back
	head     int
	tail     int
}

func newEchoConn(k *conn, op byte, payload []byte, inFlight int) *echoConn {
	frame := k.appendMessage(nil, op, payload)
	batch := make([]byte, 0, len(frame)*inFlight)
	for i := 0; i < inFlight; i++ {
		batch = append(batch, frame...)
	}
	return &echoConn{op: op, size: len(payload), frameLen: len(frame), batch: batch, sent: make([]time.Time, inFlight)}
}

// bufferFor is the read buffer of an echo connection: a window's worth of echoes, within bounds.
func (e *echoConn) bufferFor() int {
	n := len(e.batch) + 4096
	if n > 8<<20 {
		n = 8 << 20
	}
	return n
}

// begin sends the first window.
func (e *echoConn) begin(k *conn, now time.Time) error {
	for i := range e.sent {
		e.sent[i] = now
	}
	return k.send(e.batch)
}

// frames counts every echo that came (a data frame of the op and size sent), answers pings,
// and sends as many messages again in one write.
func (e *echoConn) frames(k *conn, now time.Time, measuring bool) error {
	l := k.poll.loop
	due := 0
	for {
		op, p, ok, need := k.next()
		if !ok {
			k.poll.need = need
			break
		}
		if handled, err := k.pingOrClose(op, p); err != nil {
			return err
		} else if handled || op == opPong {
			continue
		}
		if op != e.op || len(p) != e.size {
			return fmt.Errorf("echo: a frame of op %d and %d bytes where %d bytes of op %d were sent", op, len(p), e.size, e.op)
		}
		if measuring {
			l.frames++
			l.h.put(now.Sub(e.sent[e.tail]).Microseconds())
		}
		e.tail = (e.tail + 1) % len(e.sent)
		due++
	}
	if due == 0 {
		return nil
	}
	if err := k.send(e.batch[:due*e.frameLen]); err != nil {
		return err
	}
	for ; due > 0; due-- {
		e.sent[e.head] = now
		e.head = (e.head + 1) % len(e.sent)
	}
	return nil
}
