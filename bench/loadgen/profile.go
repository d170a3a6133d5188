package main

// -cpuprofile FILE: a pprof CPU profile of the whole run (`go tool pprof -top bench/bin/loadgen FILE`),
// to see where the load generator's own time goes.

import (
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
)

var cpuProfile string

func init() {
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
}

// startProfile starts the CPU profile when -cpuprofile asks for one; the returned func stops it.
func startProfile() func() {
	if cpuProfile == "" {
		return func() {}
	}
	f, err := os.Create(cpuProfile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "-cpuprofile:", err)
		os.Exit(2)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintln(os.Stderr, "-cpuprofile:", err)
		os.Exit(2)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
