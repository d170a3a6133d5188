package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestCompressedMessagesInflateBackWithoutContext(t *testing.T) {
	for _, msg := range [][]byte{{}, []byte("a"), jsonPayload([]byte("~1.2~"), 64), jsonPayload([]byte("~3.4~"), 16384), bytes.Repeat([]byte{7}, 200000)} {
		z := compress(nil, msg)
		if len(msg) == 0 && !bytes.Equal(z, []byte{0}) {
			t.Fatalf("an empty message compresses to 00 (RFC 7692 7.2.3.6), got %x", z)
		}
		if bytes.HasSuffix(z, []byte{0, 0, 0xff, 0xff}) {
			t.Fatalf("the 00 00 ff ff tail is removed")
		}
		out, err := inflate(nil, z)
		if err != nil || !bytes.Equal(out, msg) {
			t.Fatalf("%d bytes: inflated %d, %v", len(msg), len(out), err)
		}
	}
}

func TestInflatesWhatZlibStyleServersSend(t *testing.T) {
	// A server's sync-flushed message at the default level, tail removed, as volley, ws and uWS send it.
	msg := jsonPayload([]byte("~9.9~"), 4096)
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.DefaultCompression)
	_, _ = w.Write(msg)
	_ = w.Flush()
	z := bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff})
	out, err := inflate(make([]byte, 0, 10), z)
	if err != nil || !bytes.Equal(out, msg) {
		t.Fatalf("inflated %d of %d bytes: %v", len(out), len(msg), err)
	}
	if _, err := inflate(nil, []byte{0xff, 0xff, 0xff}); err == nil {
		t.Fatal("garbage must not inflate")
	}
}

func TestJSONPayloadsAreExactlySizedCarryTheMarkerAndCompress(t *testing.T) {
	for _, size := range []int{64, 1024, 16384, 200000} {
		p := jsonPayload(marker(42, 123456, 0), size)
		if len(p) != size {
			t.Fatalf("size %d: got %d", size, len(p))
		}
		if seq, us, err := parseMarker(p); err != nil || seq != 42 || us != 123456 {
			t.Fatalf("size %d: marker %d %d %v", size, seq, us, err)
		}
		if !bytes.HasPrefix(p, []byte(`{"m":"~42.123456~","text":"`)) || !bytes.HasSuffix(p, []byte(`"}`)) {
			t.Fatalf("size %d: %.60s ... %s", size, p, p[len(p)-8:])
		}
	}
	if !bytes.Equal(jsonPayload([]byte("~1.1~"), 64), jsonPayload([]byte("~1.1~"), 64)) {
		t.Fatal("the same payload every time, for every server")
	}
	p := jsonPayload([]byte("~1.1~"), 16384)
	if r := float64(len(compress(nil, p))) / float64(len(p)); r > 0.6 || r < 0.05 {
		t.Fatalf("16 KiB of JSON-like text compresses to %.2f of its size: not like real messages", r)
	}
}

func TestTheServersAnswerMustAcceptDeflateWithoutServerContext(t *testing.T) {
	ok := "http/1.1 101 switching protocols\r\nsec-websocket-extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover"
	if err := acceptDeflate([]byte(ok)); err != nil {
		t.Fatal(err)
	}
	if err := acceptDeflate([]byte("http/1.1 101 switching protocols\r\nupgrade: websocket")); err == nil {
		t.Fatal("a declined offer fails the connection")
	}
	if err := acceptDeflate([]byte("http/1.1 101 x\r\nsec-websocket-extensions: permessage-deflate")); err == nil {
		t.Fatal("context takeover by the server fails the connection")
	}
}

func TestCompressedFramesSetRSV1AndAreReadBack(t *testing.T) {
	k := &conn{deflate: true}
	msg := jsonPayload([]byte("~5.6~"), 300)
	f := k.appendMessage(nil, opText, msg)
	if f[0] != 0x80|0x40|opText || f[1]&0x80 == 0 {
		t.Fatalf("header %x: FIN, RSV1, text, masked", f[:2])
	}
	// The server's answer: the same compressed bytes, unmasked, RSV1 set.
	z := compress(nil, msg)
	answer := serverFrame(opText|0x40, z)
	r := &conn{deflate: true, buf: append(append([]byte{}, answer...), serverFrame(opText, msg)...)}
	r.w = len(r.buf)
	op, p, ok, _ := r.next()
	if !ok || op != opText || !r.rsv1 {
		t.Fatalf("op %d ok %v rsv1 %v", op, ok, r.rsv1)
	}
	if err := r.echoCheck(p, msg); err != nil || !bytes.Equal(r.lastZ, z) {
		t.Fatalf("echoCheck: %v", err)
	}
	if err := r.echoCheck(p, []byte("other")); err != nil {
		t.Fatal("the same compressed bytes are not inflated again")
	}
	op, p, ok, _ = r.next()
	if !ok || op != opText || r.rsv1 || r.echoCheck(p, msg) != nil {
		t.Fatalf("an uncompressed answer: ok %v rsv1 %v", ok, r.rsv1)
	}
	if err := r.echoCheck([]byte("wrong"), msg); err == nil {
		t.Fatal("a wrong uncompressed echo is an error")
	}
	r.rsv1 = true
	if seq, us, err := r.deliveryMarker(z); err != nil || seq != 5 || us != 6 {
		t.Fatalf("delivery marker %d %d %v", seq, us, err)
	}
	if seq, us, err := r.deliveryMarker(z); err != nil || seq != 5 || us != 6 {
		t.Fatalf("cached delivery marker %d %d %v", seq, us, err)
	}
}

func TestMaskedFramesFromTheRawFloorAreUnmaskedWithTheFlag(t *testing.T) {
	payload := []byte("a masked echo, as net-raw returns the client's own frame")
	f := appendFrameKey(nil, opText, payload, [4]byte{9, 8, 7, 6})
	acceptMasked = true
	defer func() { acceptMasked = false }()
	k := &conn{buf: append([]byte{}, f...), w: len(f)}
	op, p, ok, _ := k.next()
	if !ok || op != opText || !bytes.Equal(p, payload) {
		t.Fatalf("ok %v op %d payload %q", ok, op, p)
	}
}

// A wss:// server with permessage-deflate in a few lines: it checks the offer, answers it,
// inflates one client message and sends it back compressed.
func TestDialOverTLSWithDeflateEchoesACompressedMessage(t *testing.T) {
	certPEM, keyPEM, err := selfSigned()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	serverErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			serverErr <- err
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			serverErr <- err
			return
		}
		if got := req.Header.Get("Sec-WebSocket-Extensions"); got != deflateOffer {
			serverErr <- fmt.Errorf("offer %q", got)
			return
		}
		sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + wsGUID))
		_, _ = c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
			base64.StdEncoding.EncodeToString(sum[:]) + "\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n\r\n"))
		head := make([]byte, 2)
		if _, err := readFull(br, head); err != nil || head[0] != 0x80|0x40|opText {
			serverErr <- fmt.Errorf("first byte %x: %v", head[0], err)
			return
		}
		n := int(head[1] & 0x7f)
		if n == 126 {
			var l [2]byte
			_, _ = readFull(br, l[:])
			n = int(binary.BigEndian.Uint16(l[:]))
		}
		var key [4]byte
		_, _ = readFull(br, key[:])
		body := make([]byte, n)
		_, _ = readFull(br, body)
		maskBytes(body, key)
		msg, err := inflate(nil, body)
		if err != nil {
			serverErr <- err
			return
		}
		_, err = c.Write(serverFrame(opText|0x40, compress(nil, msg)))
		serverErr <- err
		time.Sleep(100 * time.Millisecond)
	}()
	useTLS, useDeflate = true, true
	defer func() { useTLS, useDeflate = false, false }()
	k, err := dial(ln.Addr().String(), "/echo", "", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer k.c.Close()
	if _, ok := k.c.(*tls.Conn); !ok || !k.deflate {
		t.Fatalf("tls %v deflate %v", ok, k.deflate)
	}
	msg := jsonPayload([]byte("~7.7~"), 1000)
	if _, err := k.c.Write(k.appendMessage(nil, opText, msg)); err != nil {
		t.Fatal(err)
	}
	if err := <-serverErr; err != nil {
		t.Fatal(err)
	}
	op, p, err := k.readFrame()
	if err != nil || op != opText || !bytes.Equal(p, msg) {
		t.Fatalf("readFrame: op %d, %d bytes, %v", op, len(p), err)
	}
}

func readFull(r *bufio.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
