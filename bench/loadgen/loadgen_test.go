package main

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// serverFrame is an unmasked frame as a server sends it.
func serverFrame(op byte, payload []byte) []byte {
	n := len(payload)
	b := []byte{0x80 | op}
	switch {
	case n < 126:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

func TestNextParsesFramesOfEveryLengthForm(t *testing.T) {
	var stream []byte
	sizes := []int{0, 5, 125, 126, 65535, 65536, 200000}
	for _, n := range sizes {
		stream = append(stream, serverFrame(opBinary, bytes.Repeat([]byte{byte(n)}, n))...)
	}
	k := &conn{buf: stream, w: len(stream)}
	for _, n := range sizes {
		op, p, ok, _ := k.next()
		if !ok || op != opBinary || len(p) != n || (n > 0 && p[0] != byte(n)) {
			t.Fatalf("frame of %d: ok=%v op=%d len=%d", n, ok, op, len(p))
		}
	}
	if _, _, ok, need := k.next(); ok || need != 2 {
		t.Fatalf("after the last frame: ok=%v need=%d", ok, need)
	}
}

func TestNextWaitsForAPartialFrameAndSaysHowMuch(t *testing.T) {
	f := serverFrame(opText, bytes.Repeat([]byte("x"), 300))
	k := &conn{buf: f[:100], w: 100}
	if _, _, ok, need := k.next(); ok || need != len(f) {
		t.Fatalf("partial: ok=%v need=%d, want %d", ok, need, len(f))
	}
}

func TestClientFramesAreMaskedAndUnmaskBack(t *testing.T) {
	payload := []byte("hello, volley; a payload longer than eight bytes")
	f := appendFrameKey(nil, opText, payload, [4]byte{1, 2, 3, 4})
	if f[0] != 0x81 || f[1] != 0x80|byte(len(payload)) {
		t.Fatalf("header %x", f[:2])
	}
	body := append([]byte(nil), f[6:]...)
	maskBytes(body, [4]byte{1, 2, 3, 4})
	if !bytes.Equal(body, payload) {
		t.Fatalf("unmasked %q", body)
	}
}

func TestMarkerRoundTripsInsideEveryProtocolsDelivery(t *testing.T) {
	m := marker(42, 123456, 64)
	if len(m) != 64 {
		t.Fatalf("marker is %d bytes", len(m))
	}
	for _, delivery := range [][]byte{
		m,
		[]byte(`{"push":"pub","channel":"bench:fanout","pub":{"data":"` + string(m) + `"}}`),
		[]byte(`42["m","` + string(m) + `"]`),
	} {
		seq, us, err := parseMarker(delivery)
		if err != nil || seq != 42 || us != 123456 {
			t.Fatalf("%s: %d %d %v", delivery, seq, us, err)
		}
	}
	if _, _, err := parseMarker([]byte(`{"id":3,"result":{}}`)); err == nil {
		t.Fatal("a reply has no marker")
	}
}

func TestHistogramQuantilesAreWithinThreePercent(t *testing.T) {
	h := &hist{}
	for v := int64(1); v <= 100000; v++ {
		h.add(v)
	}
	for _, q := range []float64{0.5, 0.9, 0.99} {
		got, want := float64(h.quantile(q)), q*100000
		if got < want*0.97 || got > want*1.03 {
			t.Fatalf("p%v = %v, want about %v", q*100, got, want)
		}
	}
	if h.count() != 100000 || h.max != 100000 {
		t.Fatalf("count %d max %d", h.count(), h.max)
	}
}
