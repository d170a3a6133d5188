package main

// The echo connections and the broadcast subscribers of plain TCP (no -tls, no -deflate) are
// not served by a goroutine each but by one epoll loop per core (GOMAXPROCS; one under
// taskset) on their raw sockets. Measured with -cpuprofile, nearly all of the load
// generator's time is the kernel's read and write; a goroutine per connection added a read
// per wake that found nothing (EAGAIN, then park) and a fifth of the core in the scheduler's
// netpoll. The loop reads a socket only when epoll says it is readable (level-triggered: one
// read per wake, the rest on the next wake), parses every frame that came in place, answers
// with one write, reads the clock once per wake, and keeps its counters and latency
// histogram to itself (summed when it stops). It sleeps as a parked goroutine: its epoll
// descriptor is itself in Go's netpoller, and epoll_pwait is only ever called with a timeout
// of 0. Every frame is still parsed and counted one by one; pings, pongs, closes and the hub
// protocols' control messages are handled as on the goroutine path.
//
// A connection is dialled and upgraded (and joined, for the hubs) with Go's net package as
// before, then detached: its socket is duplicated and the net.Conn closed, which takes it out
// of Go's netpoller (otherwise every arrival would wake the runtime's own epoll too).

import (
	"errors"
	"flag"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

var usePoll bool

func init() {
	flag.BoolVar(&usePoll, "poll", true, "echo and broadcast over plain TCP: one epoll loop per core on the raw sockets (false: a goroutine per connection, as with -tls and -deflate)")
}

// polling says whether this run's connections go to epoll loops.
func polling() bool { return usePoll && !useTLS && !useDeflate }

// pollHandler consumes every whole frame a read brought (parsed with k.next) at `now`, and
// leaves k.poll.need set to the next frame's need; an error drops the connection.
type pollHandler interface {
	frames(k *conn, now time.Time, measuring bool) error
}

// polled is a connection's state on a loop: its raw socket and what a write could not take yet.
type polled struct {
	fd      int
	loop    *pollLoop
	pending []byte
	handler pollHandler
	// need: the bytes the frame being read takes in all (k.next's need when the handler stopped).
	need int
}

type pollLoop struct {
	epfd int
	// file is epfd in Go's netpoller: the loop sleeps as a parked goroutine until the epoll
	// set has events, so a sleep costs no thread of its own (a blocking epoll_wait would
	// make the runtime hand the core to another thread each time).
	file   *os.File
	rc     syscall.RawConn
	byFd   []*conn
	open   int
	events [512]syscall.EpollEvent
	// What the loop counted while measuring, its own until it stops: bytes read, frames
	// (echoes or deliveries) and their latencies.
	wireBytes int64
	frames    int64
	h         hist
	// System calls while measuring: epoll waits, reads, writes; measuring as of this wake.
	calls     syscallCounts
	measuring bool
	fails     *failures
}

type syscallCounts struct{ waits, reads, writes int64 }

// perFrame is the system calls per frame, for the result.
func (c syscallCounts) perFrame(frames int64) map[string]interface{} {
	if frames == 0 {
		return nil
	}
	f := float64(frames)
	return map[string]interface{}{"epoll_waits": float64(c.waits) / f, "reads": float64(c.reads) / f, "writes": float64(c.writes) / f}
}

// pollLoops is one loop per core, the connections spread over them.
type pollLoops struct {
	loops []*pollLoop
	stop  int32
	wg    sync.WaitGroup
}

func newPollLoops(fails *failures) (*pollLoops, error) {
	n := runtime.GOMAXPROCS(0)
	ls := &pollLoops{}
	for i := 0; i < n; i++ {
		fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err == nil {
			err = syscall.SetNonblock(fd, true) // so that os.NewFile puts it in Go's netpoller
		}
		if err != nil {
			ls.close()
			return nil, err
		}
		l := &pollLoop{epfd: fd, fails: fails, file: os.NewFile(uintptr(fd), "epoll")}
		ls.loops = append(ls.loops, l)
		if l.rc, err = l.file.SyscallConn(); err != nil {
			ls.close()
			return nil, err
		}
	}
	return ls, nil
}

// add detaches k from Go's netpoller and hands it to loop i mod the loops, its read buffer
// grown to minBuf bytes (room for a window's worth of frames: one read takes them all).
func (ls *pollLoops) add(i int, k *conn, h pollHandler, minBuf int) error {
	fd, err := detach(k)
	if err != nil {
		return err
	}
	l := ls.loops[i%len(ls.loops)]
	k.poll = &polled{fd: fd, loop: l, handler: h}
	if len(k.buf) < minBuf {
		grown := make([]byte, minBuf)
		copy(grown, k.buf[k.r:k.w])
		k.w -= k.r
		k.r = 0
		k.buf = grown
	}
	for fd >= len(l.byFd) {
		l.byFd = append(l.byFd, nil)
	}
	l.byFd[fd] = k
	l.open++
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
	return syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, fd, &ev)
}

// start runs the loops until stop; measuring is read once per wake.
func (ls *pollLoops) start(measuring *int32) {
	for _, l := range ls.loops {
		ls.wg.Add(1)
		go func(l *pollLoop) {
			defer ls.wg.Done()
			l.run(&ls.stop, measuring)
		}(l)
	}
}

// halt stops the loops and waits for them: a deadline in the past wakes a sleeping one.
func (ls *pollLoops) halt() {
	atomic.StoreInt32(&ls.stop, 1)
	for _, l := range ls.loops {
		_ = l.file.SetReadDeadline(time.Unix(1, 0))
	}
	ls.wg.Wait()
}

// totals sums the loops' counters and merges their histograms into h; after halt.
func (ls *pollLoops) totals(h *hist) (frames, wireBytes int64) {
	for _, l := range ls.loops {
		frames += l.frames
		wireBytes += l.wireBytes
		h.merge(&l.h)
	}
	return frames, wireBytes
}

// syscalls is what the loops spent per frame while measuring (the result's "syscalls_per_frame").
func (ls *pollLoops) syscalls() map[string]interface{} {
	var c syscallCounts
	var frames int64
	for _, l := range ls.loops {
		c.waits += l.calls.waits
		c.reads += l.calls.reads
		c.writes += l.calls.writes
		frames += l.frames
	}
	return c.perFrame(frames)
}

// close closes every connection still open and the epoll descriptors.
func (ls *pollLoops) close() {
	for _, l := range ls.loops {
		for _, k := range l.byFd {
			if k != nil {
				syscall.Close(k.poll.fd)
			}
		}
		l.file.Close()
	}
}

// detach returns a duplicate of k's socket and closes the net.Conn (taking the socket out of
// Go's netpoller; the duplicate keeps it open). The socket stays non-blocking.
func detach(k *conn) (int, error) {
	tc, ok := k.c.(*net.TCPConn)
	if !ok {
		return -1, errors.New("poll: not a plain TCP connection")
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	var dupErr error
	if err := raw.Control(func(s uintptr) { fd, dupErr = syscall.Dup(int(s)) }); err != nil {
		return -1, err
	}
	if dupErr != nil {
		return -1, dupErr
	}
	syscall.CloseOnExec(fd)
	_ = k.c.Close()
	return fd, nil
}

func (l *pollLoop) run(stop, measuring *int32) {
	var n int
	var waitErr error
	// poll takes the events ready now; false (none) parks the goroutine until there are.
	poll := func(fd uintptr) bool {
		n, waitErr = epollWaitNow(int(fd), l.events[:])
		return n > 0 || waitErr != nil
	}
	for atomic.LoadInt32(stop) == 0 && l.open > 0 {
		if err := l.rc.Read(poll); err != nil {
			if atomic.LoadInt32(stop) == 0 {
				l.fails.add(err)
			}
			return
		}
		if waitErr != nil {
			if waitErr == syscall.EINTR {
				continue
			}
			l.fails.add(waitErr)
			return
		}
		now := time.Now()
		m := atomic.LoadInt32(measuring) == 1
		l.measuring = m
		if m {
			l.calls.waits++
		}
		for i := 0; i < n; i++ {
			ev := &l.events[i]
			k := l.byFd[ev.Fd]
			if k == nil {
				continue
			}
			if ev.Events&syscall.EPOLLOUT != 0 {
				if err := k.poll.flush(); err != nil {
					l.drop(k, err, m)
					continue
				}
			}
			if ev.Events&(syscall.EPOLLIN|syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 {
				if err := l.readable(k, now, m); err != nil {
					l.drop(k, err, m)
				}
			}
		}
	}
}

// readable reads once into k's buffer (grown when the frame being read does not fit) and
// hands the frames to the handler.
func (l *pollLoop) readable(k *conn, now time.Time, measuring bool) error {
	k.makeRoom(k.poll.need)
	n, err := rawRead(k.poll.fd, k.buf[k.w:])
	if measuring {
		l.calls.reads++
	}
	if err == syscall.EAGAIN {
		return nil
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return errClosed
	}
	k.w += n
	if measuring {
		l.wireBytes += int64(n)
	}
	return k.poll.handler.frames(k, now, measuring)
}

func (l *pollLoop) drop(k *conn, err error, measuring bool) {
	if measuring && err != errClosed {
		l.fails.add(err)
	} else if measuring {
		l.fails.add(errors.New("connection closed by the server while measuring"))
	}
	_ = syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, k.poll.fd, nil)
	syscall.Close(k.poll.fd)
	l.byFd[k.poll.fd] = nil
	l.open--
}

// send writes b, or queues what the socket does not take and waits for it to be writable.
func (p *polled) send(b []byte) error {
	if len(p.pending) > 0 {
		p.pending = append(p.pending, b...)
		return nil
	}
	n, err := rawWrite(p.fd, b)
	if p.loop.measuring {
		p.loop.calls.writes++
	}
	if err != nil && err != syscall.EAGAIN {
		return err
	}
	if n < len(b) {
		p.pending = append(p.pending[:0], b[n:]...)
		return p.watchWritable(true)
	}
	return nil
}

// flush writes what was queued; once all is gone, epoll stops reporting writability.
func (p *polled) flush() error {
	for len(p.pending) > 0 {
		n, err := rawWrite(p.fd, p.pending)
		if err == syscall.EAGAIN {
			return nil
		}
		if err != nil {
			return err
		}
		p.pending = p.pending[n:]
	}
	p.pending = p.pending[:0]
	return p.watchWritable(false)
}

func (p *polled) watchWritable(on bool) error {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(p.fd)}
	if on {
		ev.Events |= syscall.EPOLLOUT
	}
	return syscall.EpollCtl(p.loop.epfd, syscall.EPOLL_CTL_MOD, p.fd, &ev)
}

// makeRoom moves the unread bytes to the front and grows the buffer when a frame of need
// bytes does not fit or the buffer is full: before every read, on either path.
func (k *conn) makeRoom(need int) {
	if k.r > 0 {
		copy(k.buf, k.buf[k.r:k.w])
		k.w -= k.r
		k.r = 0
	}
	if need > len(k.buf) {
		grown := make([]byte, need+4096)
		copy(grown, k.buf[:k.w])
		k.buf = grown
	} else if k.w == len(k.buf) {
		grown := make([]byte, 2*len(k.buf))
		copy(grown, k.buf[:k.w])
		k.buf = grown
	}
}

// epollWaitNow is epoll_wait(2) with a timeout of 0 (epoll_pwait with no signal mask): it never blocks.
func epollWaitNow(epfd int, events []syscall.EpollEvent) (int, error) {
	n, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// rawRead and rawWrite are read(2) and write(2) on a non-blocking socket: they never block,
// so they skip the runtime's bookkeeping for blocking system calls.
func rawRead(fd int, b []byte) (int, error)  { return rawIO(syscall.SYS_READ, fd, b) }
func rawWrite(fd int, b []byte) (int, error) { return rawIO(syscall.SYS_WRITE, fd, b) }

func rawIO(trap uintptr, fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	n, _, e := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}
