package main

// The client side of RFC 6455 that the load needs: the upgrade request, masked frames out,
// unmasked frames in. Frames are parsed from one growing buffer per connection, so a read
// that brings fifty frames costs one syscall.

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"
)

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

const (
	opText   = 1
	opBinary = 2
	opClose  = 8
	opPing   = 9
	opPong   = 10
)

// conn is one client connection with its read buffer.
type conn struct {
	c    net.Conn
	buf  []byte
	r, w int // unread bytes are buf[r:w]
	// deflate: permessage-deflate was negotiated (deflate.go); rsv1: the last frame next()
	// returned was compressed. lastZ and scratch are deflate.go's.
	deflate, rsv1  bool
	lastZ, scratch []byte
	// poll: set when the connection was handed to an epoll loop (poll.go); c is closed then.
	poll *polled
}

var errClosed = errors.New("closed by server")

// dial opens a TCP connection and completes the WebSocket upgrade on path.
func dial(addr, path, subprotocol string, timeout time.Duration) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if useTLS {
		t, err := tlsClient(c, timeout)
		if err != nil {
			c.Close()
			return nil, err
		}
		c = t
	}
	k := &conn{c: c, buf: make([]byte, 4096)}
	if err := k.upgrade(addr, path, subprotocol, timeout); err != nil {
		c.Close()
		return nil, err
	}
	return k, nil
}

func (k *conn) upgrade(addr, path, subprotocol string, timeout time.Duration) error {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	req := "GET " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
	if subprotocol != "" {
		req += "Sec-WebSocket-Protocol: " + subprotocol + "\r\n"
	}
	if useDeflate {
		req += "Sec-WebSocket-Extensions: " + deflateOffer + "\r\n"
	}
	req += "\r\n"
	_ = k.c.SetDeadline(time.Now().Add(timeout))
	defer k.c.SetDeadline(time.Time{})
	if _, err := k.c.Write([]byte(req)); err != nil {
		return err
	}
	for {
		if end := bytes.Index(k.buf[:k.w], []byte("\r\n\r\n")); end >= 0 {
			head := k.buf[:end]
			if !bytes.HasPrefix(head, []byte("HTTP/1.1 101")) {
				line := head
				if i := bytes.IndexByte(line, '\r'); i >= 0 {
					line = line[:i]
				}
				return fmt.Errorf("upgrade refused: %s", line)
			}
			sum := sha1.Sum([]byte(key + wsGUID))
			if !bytes.Contains(bytes.ToLower(head), bytes.ToLower([]byte("sec-websocket-accept: "+base64.StdEncoding.EncodeToString(sum[:])))) {
				return errors.New("upgrade: wrong Sec-WebSocket-Accept")
			}
			if useDeflate {
				if err := acceptDeflate(bytes.ToLower(head)); err != nil {
					return err
				}
				k.deflate = true
			}
			k.r = end + 4
			return nil
		}
		if k.w == len(k.buf) {
			return errors.New("upgrade: response head too large")
		}
		n, err := k.c.Read(k.buf[k.w:])
		if err != nil {
			return err
		}
		k.w += n
	}
}

// fill reads once from the socket, after moving the unread bytes to the front; it grows
// the buffer when the frame being read (need bytes) does not fit. n is the bytes read.
func (k *conn) fill(need int) (int, error) {
	k.makeRoom(need)
	n, err := k.c.Read(k.buf[k.w:])
	k.w += n
	if n > 0 {
		return n, nil
	}
	return 0, err
}

// next returns the next complete frame in the buffer without reading from the socket:
// ok is false when it has not fully arrived, and need is how many bytes it takes in all.
// payload is a view into the buffer, valid until the next fill.
func (k *conn) next() (op byte, payload []byte, ok bool, need int) {
	b := k.buf[k.r:k.w]
	if len(b) < 2 {
		return 0, nil, false, 2
	}
	n := int(b[1] & 0x7f)
	h := 2
	switch n {
	case 126:
		if len(b) < 4 {
			return 0, nil, false, 4
		}
		n = int(binary.BigEndian.Uint16(b[2:]))
		h = 4
	case 127:
		if len(b) < 10 {
			return 0, nil, false, 10
		}
		n = int(binary.BigEndian.Uint64(b[2:]))
		h = 10
	}
	masked := b[1]&0x80 != 0
	if masked {
		h += 4 // a server must not mask; tolerated, the payload is then still masked (unmasked with -masked)
	}
	if len(b) < h+n {
		return 0, nil, false, h + n
	}
	k.r += h + n
	if masked && acceptMasked {
		var key [4]byte
		copy(key[:], b[h-4:h])
		maskBytes(b[h:h+n], key)
	}
	k.rsv1 = b[0]&0x40 != 0
	return b[0] & 0x0f, b[h : h+n], true, 0
}

// pingOrClose is what every reader does with those two: a ping is answered with a pong, a
// close ends the read (errClosed). handled is false for every other frame.
func (k *conn) pingOrClose(op byte, p []byte) (handled bool, err error) {
	switch op {
	case opPing:
		return true, k.write(opPong, p)
	case opClose:
		return true, errClosed
	}
	return false, nil
}

// readFrame blocks until a whole frame has arrived. Pings are answered and skipped.
func (k *conn) readFrame() (byte, []byte, error) {
	for {
		op, p, ok, need := k.next()
		if ok {
			if handled, err := k.pingOrClose(op, p); err != nil {
				return op, p, err
			} else if handled {
				continue
			}
			if k.rsv1 {
				out, err := inflate(nil, p)
				return op, out, err
			}
			return op, p, nil
		}
		if _, err := k.fill(need); err != nil {
			return 0, nil, err
		}
	}
}

// write sends one masked frame (a fresh random key per frame).
func (k *conn) write(op byte, payload []byte) error {
	return k.send(appendFrame(nil, op, payload))
}

// send writes bytes: through the connection's epoll loop when it has one.
func (k *conn) send(b []byte) error {
	if k.poll != nil {
		return k.poll.send(b)
	}
	_, err := k.c.Write(b)
	return err
}

// close closes the connection (its raw socket when a loop had it: the loop's close does that).
func (k *conn) close() {
	if k.poll == nil {
		k.c.Close()
	}
}

// appendFrame appends a masked frame to dst with a fresh random masking key.
func appendFrame(dst []byte, op byte, payload []byte) []byte {
	var key [4]byte
	_, _ = rand.Read(key[:])
	return appendFrameKey(dst, op, payload, key)
}

func appendFrameKey(dst []byte, op byte, payload []byte, key [4]byte) []byte {
	n := len(payload)
	dst = append(dst, 0x80|op)
	switch {
	case n < 126:
		dst = append(dst, 0x80|byte(n))
	case n < 1<<16:
		dst = append(dst, 0x80|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	dst = append(dst, key[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	maskBytes(dst[start:], key)
	return dst
}

func maskBytes(b []byte, key [4]byte) {
	k := binary.LittleEndian.Uint32(key[:])
	k64 := uint64(k) | uint64(k)<<32
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k64)
	}
	for ; i < len(b); i++ {
		b[i] ^= key[i&3]
	}
}

// closeFrame is a masked close with status 1000.
func closeFrame() []byte {
	return appendFrame(nil, opClose, []byte{0x03, 0xe8})
}
