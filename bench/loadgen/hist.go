package main

// A latency histogram in microseconds, log-linear (exact below 64 µs, then 32 buckets per
// power of two: within 3%); add is safe from any goroutine, put only from the one that owns it.

import (
	"math/bits"
	"sync/atomic"
)

const histBuckets = 32*40 + 64

type hist struct {
	counts [histBuckets]int64
	max    int64
}

func bucketOf(us int64) int {
	if us < 64 {
		if us < 0 {
			return 0
		}
		return int(us)
	}
	e := bits.Len64(uint64(us)) - 6
	i := 32*e + int(us>>uint(e))
	if i >= histBuckets {
		return histBuckets - 1
	}
	return i
}

// valueOf is the middle of bucket i.
func valueOf(i int) int64 {
	if i < 64 {
		return int64(i)
	}
	e := i/32 - 1
	sub := int64(i - 32*e)
	return sub<<uint(e) + (int64(1)<<uint(e))/2
}

func (h *hist) add(us int64) {
	atomic.AddInt64(&h.counts[bucketOf(us)], 1)
	for {
		m := atomic.LoadInt64(&h.max)
		if us <= m || atomic.CompareAndSwapInt64(&h.max, m, us) {
			return
		}
	}
}

// put adds without atomics, for a histogram one goroutine owns (an epoll loop's); merge
// adds it into a shared one when that goroutine is done.
func (h *hist) put(us int64) {
	h.counts[bucketOf(us)]++
	if us > h.max {
		h.max = us
	}
}

func (h *hist) merge(o *hist) {
	for i, n := range o.counts {
		if n != 0 {
			atomic.AddInt64(&h.counts[i], n)
		}
	}
	for {
		m := atomic.LoadInt64(&h.max)
		if o.max <= m || atomic.CompareAndSwapInt64(&h.max, m, o.max) {
			return
		}
	}
}

func (h *hist) count() int64 {
	var n int64
	for i := range h.counts {
		n += atomic.LoadInt64(&h.counts[i])
	}
	return n
}

// quantile is the value at q (0..1) of what was added, in µs; -1 when empty.
func (h *hist) quantile(q float64) int64 {
	n := h.count()
	if n == 0 {
		return -1
	}
	rank := int64(q*float64(n-1)) + 1
	var seen int64
	for i := range h.counts {
		seen += atomic.LoadInt64(&h.counts[i])
		if seen >= rank {
			return valueOf(i)
		}
	}
	return atomic.LoadInt64(&h.max)
}

func (h *hist) summary() map[string]interface{} {
	return map[string]interface{}{
		"count": h.count(), "p50": h.quantile(0.5), "p90": h.quantile(0.9), "p99": h.quantile(0.99),
		"p999": h.quantile(0.999), "max": atomic.LoadInt64(&h.max),
	}
}
