package main

// -masked: for the net-raw floor (bench/servers/net-raw.mjs), which writes every byte it
// receives back as it came, so the frames it returns are the client's own, masked. A server
// must never mask (RFC 6455 5.1); with -masked the load generator accepts such frames and
// unmasks them, so echo against that floor is the most it can drive through Node.

import "flag"

var acceptMasked bool

func init() {
	flag.BoolVar(&acceptMasked, "masked", false, "accept masked frames from the server and unmask them (the net-raw floor echoes the client's frames as they are)")
}
