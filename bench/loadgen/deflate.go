package main

// permessage-deflate (RFC 7692) on the client side, for the *-deflate scenarios (raw
// WebSocket only). -deflate offers
//
//	permessage-deflate; client_no_context_takeover; server_no_context_takeover
//
// which all of volley/ws, npm ws and uWebSockets.js (SHARED_COMPRESSOR|SHARED_DECOMPRESSOR)
// accept, and fails the connection when the server declines it or answers without
// server_no_context_takeover: every message in either direction is then compressed on its
// own, with no window kept between messages. The client compresses every message it sends
// (RSV1 set) and inflates every message the server sent with RSV1.
//
// What it costs the load generator: an echo connection compresses its message once (the
// same frame is sent again and again, as without deflate) and inflates an answer only when
// its bytes differ from the last one it checked (without context takeover the same message
// compresses to the same bytes); a subscriber looks a compressed delivery up by its bytes
// (one publication reaches every subscriber as the same bytes) and inflates it once. So
// every distinct compressed message is inflated and checked, and the load generator's CPU
// stays the server's, not zlib's.

import (
	"bytes"
	"compress/flate"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"sync"
)

var (
	useDeflate   bool
	payloadStyle string
)

func init() {
	flag.BoolVar(&useDeflate, "deflate", false, "negotiate permessage-deflate (no context takeover either way), compress every message sent, inflate what comes compressed (-proto ws)")
	flag.StringVar(&payloadStyle, "payload", "x", "x: 'x' padding after the marker (binary echo: random bytes); json: JSON-like text, compressible as real messages are")
}

const deflateOffer = "permessage-deflate; client_no_context_takeover; server_no_context_takeover"

// deflateTail ends a message's deflate data (RFC 7692 7.2.2), then an empty final stored
// block so that the reader ends with io.EOF.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// acceptDeflate checks the server's Sec-WebSocket-Extensions in the response head (lower case).
func acceptDeflate(head []byte) error {
	var ext []byte
	for _, line := range bytes.Split(head, []byte("\r\n")) {
		if bytes.HasPrefix(line, []byte("sec-websocket-extensions:")) {
			ext = append(append(ext, ','), line[len("sec-websocket-extensions:"):]...)
		}
	}
	if !bytes.Contains(ext, []byte("permessage-deflate")) {
		return errors.New("permessage-deflate: declined by the server")
	}
	if !bytes.Contains(ext, []byte("server_no_context_takeover")) {
		return fmt.Errorf("permessage-deflate: answered without server_no_context_takeover: %s", bytes.TrimSpace(ext[1:]))
	}
	return nil
}

var writers sync.Pool

// compress appends msg compressed as one message without context (the 00 00 ff ff tail removed) to dst.
func compress(dst, msg []byte) []byte {
	buf := bytes.NewBuffer(dst)
	w, _ := writers.Get().(*flate.Writer)
	if w == nil {
		w, _ = flate.NewWriter(buf, flate.BestSpeed)
	} else {
		w.Reset(buf)
	}
	_, _ = w.Write(msg)
	_ = w.Flush()
	writers.Put(w)
	out := buf.Bytes()
	if bytes.HasSuffix(out, deflateTail[:4]) {
		out = out[:len(out)-4]
	}
	return out
}

// tailReader reads a message's deflate data then deflateTail, as the io.ByteReader flate wants.
type tailReader struct {
	data []byte
	i    int
}

func (t *tailReader) ReadByte() (byte, error) {
	switch {
	case t.i < len(t.data):
		t.i++
		return t.data[t.i-1], nil
	case t.i-len(t.data) < len(deflateTail):
		t.i++
		return deflateTail[t.i-1-len(t.data)], nil
	}
	return 0, io.EOF
}

func (t *tailReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		b, err := t.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		p[n] = b
		n++
	}
	return n, nil
}

type inflater struct {
	src tailReader
	r   io.ReadCloser
}

var inflaters sync.Pool

// inflate appends the decompressed message to dst[:0].
func inflate(dst, data []byte) ([]byte, error) {
	f, _ := inflaters.Get().(*inflater)
	if f == nil {
		f = &inflater{}
		f.src = tailReader{data: data}
		f.r = flate.NewReader(&f.src)
	} else {
		f.src = tailReader{data: data}
		_ = f.r.(flate.Resetter).Reset(&f.src, nil)
	}
	defer inflaters.Put(f)
	dst = dst[:0]
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := f.r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, fmt.Errorf("permessage-deflate: %w", err)
		}
	}
}

// appendMessage appends a masked data frame for msg: compressed with RSV1 set when the
// connection negotiated permessage-deflate.
func (k *conn) appendMessage(dst []byte, op byte, msg []byte) []byte {
	if !k.deflate {
		return appendFrame(dst, op, msg)
	}
	return appendFrame(dst, op|0x40, compress(nil, msg))
}

// echoCheck verifies an echo: the payload sent, compressed (RSV1) or not. A compressed
// answer equal to the last one checked on this connection is not inflated again.
func (k *conn) echoCheck(p, sent []byte) error {
	if !k.rsv1 {
		if k.deflate && !bytes.Equal(p, sent) {
			return errors.New("echo: the answer differs from the message sent")
		}
		return nil
	}
	if !k.deflate {
		return errors.New("RSV1 set without permessage-deflate")
	}
	if bytes.Equal(p, k.lastZ) {
		return nil
	}
	out, err := inflate(k.scratch, p)
	k.scratch = out
	if err != nil {
		return err
	}
	if !bytes.Equal(out, sent) {
		return fmt.Errorf("echo: inflated %d bytes that differ from the %d sent", len(out), len(sent))
	}
	k.lastZ = append(k.lastZ[:0], p...)
	return nil
}

// markers remembers the marker of each compressed delivery by its bytes: one publication
// reaches every subscriber as the same bytes, and is inflated once.
type markerCache struct {
	mu sync.Mutex
	m  map[string][2]int64
}

var compressedMarkers = markerCache{m: map[string][2]int64{}}

// deliveryMarker is the marker of a delivery, inflating it first when it came compressed.
func (k *conn) deliveryMarker(data []byte) (seq, micros int64, err error) {
	if !k.rsv1 {
		return parseMarker(data)
	}
	if !k.deflate {
		return 0, 0, errors.New("RSV1 set without permessage-deflate")
	}
	c := &compressedMarkers
	c.mu.Lock()
	v, ok := c.m[string(data)]
	c.mu.Unlock()
	if ok {
		return v[0], v[1], nil
	}
	out, err := inflate(k.scratch, data)
	k.scratch = out
	if err != nil {
		return 0, 0, err
	}
	seq, micros, err = parseMarker(out)
	if err != nil {
		return 0, 0, err
	}
	c.mu.Lock()
	if len(c.m) >= 1<<14 {
		c.m = map[string][2]int64{}
	}
	c.m[string(data)] = [2]int64{seq, micros}
	c.mu.Unlock()
	return seq, micros, nil
}

// jsonText is the text of JSON-like payloads: a fixed pseudo-random sequence of words, so
// every server gets the same bytes and they compress about as much as chat messages do.
// Made on first use (64 KiB, repeated beyond that).
var (
	jsonOnce  sync.Once
	jsonBytes []byte
)

func jsonText() []byte {
	jsonOnce.Do(func() { jsonBytes = makeJSONText() })
	return jsonBytes
}

func makeJSONText() []byte {
	words := []string{"the", "volley", "message", "user", "channel", "presence", "hello", "world", "update", "score",
		"player", "match", "ready", "join", "leave", "ping", "status", "online", "away", "typing", "room", "lobby", "game",
		"tick", "state", "delta", "position", "velocity", "health", "points", "level", "team", "red", "blue", "green",
		"alpha", "bravo", "charlie", "echo", "foxtrot", "true", "false", "null", "id", "name", "text", "time"}
	r := rand.New(rand.NewSource(17))
	var b []byte
	for len(b) < 1<<16 {
		switch r.Intn(6) {
		case 0:
			b = append(b, fmt.Sprintf(`","%s":%d,"%s":"`, words[r.Intn(len(words))], r.Intn(100000), words[r.Intn(len(words))])...)
		case 1:
			b = append(b, fmt.Sprintf(" %s-%04d", words[r.Intn(len(words))], r.Intn(10000))...)
		default:
			b = append(b, ' ')
			b = append(b, words[r.Intn(len(words))]...)
		}
	}
	return b
}

// jsonPayload is `{"m":"MARKER","text":"..."}` of exactly size bytes (the marker alone when size is smaller).
func jsonPayload(mark []byte, size int) []byte {
	b := make([]byte, 0, size+len(mark)+16)
	b = append(b, `{"m":"`...)
	b = append(b, mark...)
	b = append(b, `","text":"`...)
	if len(b)+2 > size {
		return append(b[:0], mark...)
	}
	for text := jsonText(); len(b) < size-2; {
		n := size - 2 - len(b)
		if n > len(text) {
			n = len(text)
		}
		b = append(b, text[:n]...)
	}
	return append(b, `"}`...)
}

// payloadFor is a publication's data: the marker padded to size, as -payload says.
func payloadFor(seq, micros int64, size int) []byte {
	if payloadStyle == "json" {
		return jsonPayload(marker(seq, micros, 0), size)
	}
	return marker(seq, micros, size)
}

// publication is the frame the publisher sends: the protocol's publish frame, or with
// permessage-deflate (raw WebSocket) the payload compressed.
func publication(p *proto, k *conn, seq, micros int64, size int) []byte {
	data := payloadFor(seq, micros, size)
	if k.deflate {
		return k.appendMessage(nil, opBinary, data)
	}
	return p.publishFrame(nil, seq, data)
}
