package main

// The three protocols a connection can speak on top of WebSocket:
//   ws      raw frames: subscribers on /sub, the publisher on /pub, echo on /echo
//   volley  the volley.v1 hub protocol: connect, subscribe to a channel, publish to it
//   sio     Socket.IO 4 over the Engine.IO v4 WebSocket transport: open packet, namespace
//           connect (40), a "join" event with an acknowledgement, events 42[...], ping/pong
// Every delivery's data carries "~SEQ.MICROS~" so the subscriber finds which publication it
// is and when it was sent wherever the protocol puts the data.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

const (
	hubChannel = "bench:fanout"
	sioRoom    = "bench"
)

type proto struct {
	name        string
	path        string // request path of subscribers and idle connections
	pubPath     string
	subprotocol string
}

func protoByName(name string) (*proto, error) {
	switch name {
	case "ws":
		return &proto{name: name, path: "/sub", pubPath: "/pub"}, nil
	case "volley":
		return &proto{name: name, path: "/connection/websocket", pubPath: "/connection/websocket", subprotocol: "volley.v1"}, nil
	case "sio":
		p := "/socket.io/?EIO=4&transport=websocket"
		return &proto{name: name, path: p, pubPath: p}, nil
	}
	return nil, fmt.Errorf("unknown protocol %q (ws, volley, sio)", name)
}

// join makes a fresh connection a member: subscribed (volley), in the room (sio), or
// nothing to do (ws, where the path is the subscription). subscribe=false only opens the
// session (the publisher).
func (p *proto) join(k *conn, subscribe bool, timeout time.Duration) error {
	_ = k.c.SetDeadline(time.Now().Add(timeout))
	defer k.c.SetDeadline(time.Time{})
	switch p.name {
	case "volley":
		// The publisher subscribes too: the namespace lets subscribers publish.
		_, err := volleySubscribe(k, "", nil)
		return err
	case "sio":
		_, data, err := k.readFrame()
		if err != nil {
			return err
		}
		if len(data) == 0 || data[0] != '0' {
			return fmt.Errorf("engine.io: expected an open packet, got %.100q", data)
		}
		if err := k.write(opText, []byte("40")); err != nil {
			return err
		}
		if err := p.sioWait(k, "40"); err != nil {
			return err
		}
		if !subscribe {
			return nil
		}
		if err := k.write(opText, []byte(`420["join","`+sioRoom+`"]`)); err != nil {
			return err
		}
		return p.sioWait(k, "430")
	}
	return nil
}

// sioWait reads until a packet starting with prefix, answering Engine.IO pings.
func (p *proto) sioWait(k *conn, prefix string) error {
	for {
		_, data, err := k.readFrame()
		if err != nil {
			return err
		}
		if bytes.Equal(data, []byte("2")) {
			if err := k.write(opText, []byte("3")); err != nil {
				return err
			}
			continue
		}
		if bytes.HasPrefix(data, []byte("44")) {
			return fmt.Errorf("socket.io refused: %.200s", data)
		}
		if bytes.HasPrefix(data, []byte(prefix)) {
			return nil
		}
	}
}

// control answers what the protocol needs answered (Engine.IO pings); true when data was one.
func (p *proto) control(k *conn, data []byte) (bool, error) {
	if p.name == "sio" && len(data) == 1 && data[0] == '2' {
		return true, k.write(opText, []byte("3"))
	}
	return false, nil
}

// marker writes the "~SEQ.MICROS~" of a publication padded with 'x' to size bytes.
func marker(seq int64, micros int64, size int) []byte {
	b := make([]byte, 0, size+24)
	b = append(b, '~')
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, '.')
	b = strconv.AppendInt(b, micros, 10)
	b = append(b, '~')
	for len(b) < size {
		b = append(b, 'x')
	}
	return b
}

// publishFrame is the masked frame that publishes data (a marker) from the publisher.
func (p *proto) publishFrame(dst []byte, seq int64, data []byte) []byte {
	switch p.name {
	case "volley":
		cmd := make([]byte, 0, len(data)+120)
		cmd = append(cmd, `{"id":`...)
		cmd = strconv.AppendInt(cmd, seq+10, 10)
		cmd = append(cmd, `,"method":"publish","params":{"channel":"`+hubChannel+`","data":"`...)
		cmd = append(cmd, data...)
		cmd = append(cmd, `","excludeSelf":true}}`...)
		return appendFrame(dst, opText, cmd)
	case "sio":
		ev := make([]byte, 0, len(data)+20)
		ev = append(ev, `42["pub","`...)
		ev = append(ev, data...)
		ev = append(ev, `"]`...)
		return appendFrame(dst, opText, ev)
	}
	return appendFrame(dst, opBinary, data)
}

var errNoMarker = errors.New("no marker")

// parseMarker finds "~SEQ.MICROS~" in a delivery.
func parseMarker(data []byte) (seq, micros int64, err error) {
	i := bytes.IndexByte(data, '~')
	if i < 0 {
		return 0, 0, errNoMarker
	}
	i++
	for ; i < len(data) && data[i] >= '0' && data[i] <= '9'; i++ {
		seq = seq*10 + int64(data[i]-'0')
	}
	if i >= len(data) || data[i] != '.' {
		return 0, 0, errNoMarker
	}
	for i++; i < len(data) && data[i] >= '0' && data[i] <= '9'; i++ {
		micros = micros*10 + int64(data[i]-'0')
	}
	return seq, micros, nil
}

// volleySubscribe sends volleyJoin(since) and reads until the subscribe reply (id 2), which it
// returns; a refused command is an error. Pushes that come first go to onPush (nil: dropped).
func volleySubscribe(k *conn, since string, onPush func([]byte) error) (*subscribeReply, error) {
	if _, err := k.c.Write(volleyJoin(since)); err != nil {
		return nil, err
	}
	for {
		_, data, err := k.readFrame()
		if err != nil {
			return nil, err
		}
		if !bytes.HasPrefix(data, []byte(`{"id":`)) {
			if onPush != nil {
				if err := onPush(data); err != nil {
					return nil, err
				}
			}
			continue
		}
		var r subscribeReply
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("hub reply: %w", err)
		}
		if r.Error != nil {
			return nil, fmt.Errorf("hub refused: %.200s", data)
		}
		if r.ID == 2 {
			return &r, nil
		}
	}
}

// volleyJoin is a volley.v1 client's first two commands in one write: connect (id 1) and
// subscribe to the bench channel (id 2), with `since` (a JSON position) when recovering.
func volleyJoin(since string) []byte {
	params := `{"channel":"` + hubChannel + `"`
	if since != "" {
		params += `,"since":` + since
	}
	cmds := appendFrame(nil, opText, []byte(`{"id":1,"method":"connect","params":{}}`))
	return appendFrame(cmds, opText, []byte(`{"id":2,"method":"subscribe","params":`+params+`}}`))
}
