package main

// idle: open -c connections (subscribed to the channel or in the room for the hub
// protocols), hold them for -hold, and read the server's RSS before and after: the growth
// divided by the connections is the memory one idle connection costs the server.

import (
	"errors"
	"runtime"
	"time"
)

func runIdle(o *options) (map[string]interface{}, error) {
	p, err := protoByName(o.proto)
	if err != nil {
		return nil, err
	}
	path := p.path
	if o.proto == "ws" {
		path = o.path
	}
	fails := &failures{}
	before := procRSS(o.pid)
	w := &window{}
	w.start(o.pid)
	conns := dialMany(o.conns, o.concurrency, func() (*conn, error) {
		k, err := dial(o.addr, path, p.subprotocol, o.timeout)
		if err != nil {
			return nil, err
		}
		if err := p.join(k, true, o.timeout); err != nil {
			k.c.Close()
			return nil, err
		}
		return k, nil
	}, fails)
	opened := time.Since(w.at)
	for _, k := range conns {
		go func(k *conn) {
			for {
				_, data, err := k.readFrame()
				if err != nil {
					return
				}
				_, _ = p.control(k, data)
			}
		}(k)
	}
	runtime.GC()
	time.Sleep(o.hold)
	after := procRSS(o.pid)
	w.stop()
	closeAll(conns)
	res := map[string]interface{}{"connections": len(conns), "open_seconds": opened.Seconds(), "per_second": float64(len(conns)) / opened.Seconds()}
	if before > 0 && after > 0 && len(conns) > 0 {
		res["server_rss_before"] = before
		res["server_rss_after"] = after
		res["rss_per_connection"] = float64(after-before) / float64(len(conns))
	}
	if len(conns) == 0 {
		err = errors.New("no connection opened")
	}
	return common(res, w, fails), err
}
