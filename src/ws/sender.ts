import type { Socket } from 'node:net';
import { Opcode } from '../protocol/constants.js';
import { encodeFrame, encodeTextFrame, serverFrameLength, writeServerHeader } from '../protocol/frame.js';

export type WriteCallback = (err?: Error | null) => void;

/** The part of a negotiated permessage-deflate the sender needs. */
export interface MessageDeflater {
  shouldCompress(byteLength: number): boolean;
  compress(data: Buffer, fin: boolean, cb: (err: Error | null, out?: Buffer) => void): void;
}

/** Told when the outgoing buffer may have grown past a mark (a write the socket could not take at once). */
export interface BacklogWatcher {
  onWriteBacklog(): void;
}

/** One unit of output; calls `done` once its frames are handed to the socket. */
type Step = (done: () => void) => void;

// Small data frames written in one event-loop iteration are kept in a list and handed to the
// socket as one buffer when the iteration's I/O is done: a broadcast or an echo burst then
// costs one socket.write per connection and turn, not one per frame (Writable's per-write
// bookkeeping and the writev of many tiny buffers were a fifth of a 64 B broadcast's profile).
// Larger frames, control frames and anything past PENDING_MAX go to the corked socket at once,
// after what was kept: order is always kept.
const PENDING_FRAME_MAX = 1024;
const PENDING_MAX = 16 * 1024;
// The largest payload of a small frame (a 4-byte header from 126 bytes on).
const SMALL_PAYLOAD_MAX = PENDING_FRAME_MAX - 4;

// Small unmasked frames (a server's send() of small messages) are written straight into a slab
// shared by every sender, as Node's Buffer pool does for small buffers: the frames one sender
// writes in a row lie side by side, kept as one run and handed to the socket as one view, so
// an echo burst costs no buffer per frame and no merge copy at the flush. A run ends when
// another sender writes into the slab, a kept frame of another kind comes, or the turn's flush.
// Regions are never written twice: a full slab is left to the views that still hold it.
const SLAB_SIZE = 16 * 1024;
let slab: Buffer | null = null;
let slabUsed = 0;

/**
 * Writes frames to one socket, in order. Writes made in the same event-loop iteration
 * are coalesced: small frames are merged into one buffer, larger ones written to the socket
 * corked on the first and uncorked once that iteration's I/O is done, so a burst of messages
 * costs one write or writev. A step that finishes later (compression, a Blob's
 * bytes) holds back everything sent after it, so order is always kept.
 */
export class FrameSender {
  private readonly socket: Socket;
  private readonly mask: boolean;
  private readonly deflater: MessageDeflater | null;
  private readonly watcher: BacklogWatcher;
  private corked = false;
  private scheduled = false; // in this iteration's flush list
  // Small frames kept for this iteration's flush (see PENDING_FRAME_MAX), their size and callbacks.
  // A broadcast's frames are not copied into each sender: `pendingShared` > 0 says this sender's
  // kept frames are the first `pendingShared` of the turn's shared list (see turnFrames below).
  private pendingShared = 0;
  private pendingFirst: Buffer | null = null;
  private pendingMore: Buffer[] | null = null;
  private pendingBytes = 0;
  private pendingCallbacks: WriteCallback[] | null = null;
  private busy = false; // an asynchronous step is in flight
  private queue: Array<{ step: Step; bytes: number }> | null = null; // only once something waited
  /** Bytes accepted but not yet handed to the socket. */
  private queuedBytes = 0;
  // The open run of frames in the shared slab (see SLAB_SIZE): runSlab[runStart...runEnd).
  private runSlab: Buffer | null = null;
  private runStart = 0;
  private runEnd = 0;

  constructor(socket: Socket, mask: boolean, deflater: MessageDeflater | null, watcher: BacklogWatcher) {
    this.socket = socket;
    this.mask = mask;
    this.deflater = deflater;
    this.watcher = watcher;
  }

  /** Bytes not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.queuedBytes + this.pendingBytes + this.socket.writableLength;
  }

  /** Sends a data message; a string payload is sent as its UTF-8 bytes. */
  sendMessage(payload: Buffer | string, binary: boolean, compress: boolean, cb?: WriteCallback): void {
    const deflate = compress && this.deflater !== null;
    if (!this.busy && !deflate) {
      this.writeMessage(payload, binary, cb);
      return;
    }
    const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
    this.schedule(data.length, (done) => this.encodeAndWrite(data, binary, compress, cb, done));
  }

  /** Sends a message whose bytes arrive later (a Blob), keeping its place in the order. */
  sendLater(byteLength: number, load: Promise<Buffer>, binary: boolean, compress: boolean, cb?: WriteCallback): void {
    this.schedule(byteLength, (done) => {
      load.then(
        (data) => this.encodeAndWrite(data, binary, compress, cb, done),
        (err: Error) => {
          cb?.(err);
          done();
        },
      );
    });
  }

  /** Sends one fragment of a message, uncompressed; `opcode` is Text/Binary first, then Continuation. */
  sendFragment(payload: Buffer, opcode: number, fin: boolean, cb?: WriteCallback): void {
    const write = () => this.writeData(encodeFrame(payload, { opcode, fin, mask: this.mask }), cb);
    if (!this.busy) return write();
    this.schedule(payload.length, (done) => {
      write();
      done();
    });
  }

  sendControl(opcode: number, payload: Buffer, cb?: WriteCallback): void {
    if (!this.busy) return this.writeBuffers(encodeFrame(payload, { opcode, mask: this.mask }), cb);
    this.schedule(payload.length, (done) => {
      this.writeBuffers(encodeFrame(payload, { opcode, mask: this.mask }), cb);
      done();
    });
  }

  /** Writes a frame encoded beforehand (server role: unmasked, the same bytes for every socket). */
  sendFrame(frame: Buffer, cb?: WriteCallback): void {
    // A broadcast's second and later frames of a turn: the next of the turn's shared list, counted.
    // (pendingShared > 0: this sender is scheduled, keeps no frames of its own, and took the
    // turn's frames so far; each was small enough to keep.)
    const shared = this.pendingShared;
    if (shared > 0 && turnFrames[shared] === frame && cb === undefined && !this.busy && this.pendingBytes + frame.length <= PENDING_MAX) {
      this.pendingShared = shared + 1;
      this.pendingBytes += frame.length;
      return;
    }
    if (!this.busy) return this.writeOne(frame, cb);
    this.schedule(frame.length, (done) => {
      this.writeOne(frame, cb);
      done();
    });
  }

  /** Hands the frames kept for this iteration to the socket now (before the socket is ended). */
  flush(): void {
    this.flushPending();
  }

  private writeMessage(payload: Buffer | string, binary: boolean, cb?: WriteCallback): void {
    const opcode = binary ? Opcode.Binary : Opcode.Text;
    if (!this.mask) {
      this.writeServerMessage(payload, opcode, cb);
      return;
    }
    if (typeof payload === 'string') {
      const small = binary ? null : encodeTextFrame(payload, this.mask);
      if (small) return this.writeOne(small, cb);
      payload = Buffer.from(payload);
    }
    this.writeData(encodeFrame(payload, { opcode, mask: this.mask }), cb);
  }

  /** An unmasked data frame: small ones written into the shared slab, the payload copied at once. */
  private writeServerMessage(payload: Buffer | string, opcode: number, cb?: WriteCallback): void {
    if (typeof payload === 'string') {
      // Each UTF-16 unit encodes to at most 3 bytes.
      if (payload.length * 3 > SMALL_PAYLOAD_MAX) {
        payload = Buffer.from(payload);
      } else {
        const length = Buffer.byteLength(payload);
        const at = this.reserveFrame(serverFrameLength(length), cb);
        if (at >= 0) this.runSlab!.write(payload, writeServerHeader(this.runSlab!, at, opcode, length));
        return;
      }
    }
    if (payload.length <= SMALL_PAYLOAD_MAX) {
      const at = this.reserveFrame(serverFrameLength(payload.length), cb);
      if (at >= 0) this.runSlab!.set(payload, writeServerHeader(this.runSlab!, at, opcode, payload.length));
      return;
    }
    this.writeData(encodeFrame(payload, { opcode, mask: false }), cb);
  }

  /**
   * Makes room for a small frame of `size` bytes at the end of this turn's kept frames, in this
   * sender's run in the shared slab; returns its offset in `runSlab`, or -1 (and `cb` told)
   * when the socket cannot be written.
   */
  private reserveFrame(size: number, cb?: WriteCallback): number {
    if (!this.scheduled && !this.beginWrite(cb)) return -1;
    if (this.pendingBytes + size > PENDING_MAX) this.flushPending();
    // Frames counted in the turn's shared list come before this one: they become this sender's own
    // (a run joins pendingFirst/pendingMore, which must not coexist with pendingShared).
    this.unshare();
    // The run goes on while it ends where the slab's free space begins (nobody wrote after it).
    if (this.runSlab === null || this.runSlab !== slab || this.runEnd !== slabUsed || slabUsed + size > SLAB_SIZE) {
      this.endRun();
      if (slab === null || slabUsed + size > SLAB_SIZE) {
        slab = Buffer.allocUnsafe(SLAB_SIZE);
        slabUsed = 0;
      }
      this.runSlab = slab;
      this.runStart = slabUsed;
    }
    const at = slabUsed;
    slabUsed += size;
    this.runEnd = slabUsed;
    this.pendingBytes += size;
    if (cb) (this.pendingCallbacks ??= []).push(cb);
    return at;
  }

  /** Closes the open run: it joins the kept frames as one view (its bytes are already counted). */
  private endRun(): void {
    const run = this.runSlab;
    if (run === null) return;
    this.runSlab = null;
    const frames = run.subarray(this.runStart, this.runEnd);
    if (this.pendingFirst === null) this.pendingFirst = frames;
    else (this.pendingMore ??= []).push(frames);
  }

  private encodeAndWrite(data: Buffer, binary: boolean, compress: boolean, cb: WriteCallback | undefined, done: () => void): void {
    const deflater = this.deflater;
    if (!compress || deflater === null || !deflater.shouldCompress(data.length)) {
      this.writeMessage(data, binary, cb);
      return done();
    }
    deflater.compress(data, true, (err, out) => {
      if (err || !out) {
        cb?.(err ?? new Error('Compression failed'));
        this.socket.destroy();
      } else {
        const opcode = binary ? Opcode.Binary : Opcode.Text;
        this.writeData(encodeFrame(out, { opcode, rsv1: true, mask: this.mask }), cb);
      }
      done();
    });
  }

  private schedule(bytes: number, step: Step): void {
    if (this.busy) {
      this.queuedBytes += bytes;
      (this.queue ??= []).push({ step, bytes });
      this.watcher.onWriteBacklog();
      return;
    }
    this.execute(step);
  }

  private execute(step: Step): void {
    let finished = false;
    let sync = true;
    this.busy = true;
    step(() => {
      if (finished) return;
      finished = true;
      if (!sync) this.resume();
    });
    sync = false;
    if (finished) this.busy = false;
  }

  private resume(): void {
    this.busy = false;
    while (!this.busy && this.queue !== null && this.queue.length > 0) {
      const { step, bytes } = this.queue.shift()!;
      this.queuedBytes -= bytes;
      this.execute(step);
    }
  }

  /** A data frame in one buffer (the broadcast path, small messages): kept for the flush when small. */
  private writeOne(frame: Buffer, cb?: WriteCallback): void {
    if (frame.length > PENDING_FRAME_MAX) return this.writeBuffers([frame], cb);
    // The socket's state is read once, by flushPending when it writes the kept frames (telling
    // their callbacks if the socket is gone by then), not here: in a fan-out to thousands every
    // subscriber's socket state is a cache miss, and reading it before the first write delayed
    // every subscriber's delivery by one more of them.
    if (!this.scheduled) {
      this.scheduled = true;
      scheduleFlush(this);
    }
    if (this.pendingBytes + frame.length > PENDING_MAX) this.flushPending();
    // An open run in the slab comes first: it joins the kept frames, and this frame follows it.
    if (this.runSlab !== null) this.endRun();
    this.pendingBytes += frame.length;
    if (cb) (this.pendingCallbacks ??= []).push(cb);
    if (this.pendingFirst === null && !inFlushAll) {
      // The same frames in the same order as the turn's shared list so far: only count them.
      const shared = this.pendingShared;
      if (shared === turnFrames.length) turnFrames.push(frame);
      else if (turnFrames[shared] !== frame) {
        this.unshare();
        return this.keepOwn(frame);
      }
      this.pendingShared = shared + 1;
      return;
    }
    // Inside flushAll a sender not flushed yet may still count on the list (valid until it ends).
    this.unshare();
    this.keepOwn(frame);
  }

  private keepOwn(frame: Buffer): void {
    if (this.pendingFirst === null) this.pendingFirst = frame;
    else (this.pendingMore ??= []).push(frame);
  }

  /** @internal Moves the frames kept in the turn's shared list into this sender's own. */
  unshare(): void {
    const shared = this.pendingShared;
    if (shared === 0) return;
    this.pendingShared = 0;
    this.pendingFirst = turnFrames[0]!;
    if (shared > 1) this.pendingMore = turnFrames.slice(1, shared);
  }

  /** A data frame as encodeFrame returns it. */
  private writeData(buffers: Buffer[], cb?: WriteCallback): void {
    if (buffers.length === 1) this.writeOne(buffers[0]!, cb);
    else this.writeBuffers(buffers, cb);
  }

  /** Writes to the corked socket now, after the frames kept so far. */
  private writeBuffers(buffers: Buffer[], cb?: WriteCallback): void {
    if (!this.beginWrite(cb)) return;
    this.flushPending();
    const socket = this.socket;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
    }
    const last = buffers.length - 1;
    for (let i = 0; i < last; i++) socket.write(buffers[i]!);
    // write() is false once the socket holds more than its own small mark: only then look further.
    if (!socket.write(buffers[last]!, cb)) this.watcher.onWriteBacklog();
  }

  /** Schedules this iteration's flush; false (and `cb` told) when the socket cannot be written. */
  private beginWrite(cb?: WriteCallback): boolean {
    const socket = this.socket;
    // `writable` is false once the socket is destroyed too; `destroyed` would read its
    // readable side as well, one more object per socket and turn in a broadcast.
    if (!socket.writable) {
      if (cb) process.nextTick(cb, new Error('The socket is not writable'));
      return false;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      scheduleFlush(this);
    }
    return true;
  }

  /** Writes the kept frames as one buffer. */
  private flushPending(): void {
    if (this.runSlab !== null) this.endRun();
    const shared = this.pendingShared;
    const first = this.pendingFirst;
    if (first === null && shared === 0) return;
    const more = this.pendingMore;
    const callbacks = this.pendingCallbacks;
    const bytes = this.pendingBytes;
    this.pendingShared = 0;
    this.pendingFirst = null;
    this.pendingMore = null;
    this.pendingCallbacks = null;
    this.pendingBytes = 0;
    const socket = this.socket;
    if (!socket.writable) {
      if (callbacks !== null) for (const cb of callbacks) process.nextTick(cb, new Error('The socket is not writable'));
      return;
    }
    const data = shared > 0 ? sharedFrames(shared, bytes) : more === null ? first! : mergeFrames(first!, more, bytes);
    const cb = callbacks === null ? undefined : callbacks.length === 1 ? callbacks[0] : callAll.bind(null, callbacks);
    if (!socket.write(data, cb)) this.watcher.onWriteBacklog();
  }

  /** @internal Called once per event-loop iteration after the first write of a burst. */
  flushBurst(): void {
    this.scheduled = false;
    this.flushPending();
    if (this.corked) {
      this.corked = false;
      this.socket.uncork();
    }
  }
}

function callAll(callbacks: WriteCallback[], err?: Error | null): void {
  for (let i = 0; i < callbacks.length; i++) callbacks[i]!(err);
}

// Every socket written to during one event-loop iteration is flushed once, after all of
// that iteration's I/O callbacks ran: the messages a burst of input produced (an echo of
// several frames, a broadcast of several publications) leave in one writev per socket.
// Two lists taken in turn and kept at their size, filled by index: a list made afresh each
// turn grew from empty by doubling (a copy and garbage for every turn of a broadcast to
// 1,000 sockets). A slot is cleared as its sender is flushed, so nothing is kept alive.
let flushQueue: Array<FrameSender | undefined> = [];
let spareQueue: Array<FrameSender | undefined> = [];
let flushCount = 0;
let flushScheduled = false;

function scheduleFlush(sender: FrameSender): void {
  flushQueue[flushCount++] = sender;
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
}

function flushAll(): void {
  // Senders scheduled while this runs (a callback writing elsewhere) go to the other list.
  const queue = flushQueue;
  const count = flushCount;
  flushQueue = spareQueue;
  spareQueue = queue;
  flushCount = 0;
  flushScheduled = false;
  inFlushAll = true;
  let i = 0;
  try {
    for (; i < count; i++) {
      const sender = queue[i]!;
      queue[i] = undefined;
      sender.flushBurst();
    }
  } finally {
    inFlushAll = false;
    forgetMerges();
    // Had a flush thrown, the senders after it still wait for theirs: the next turn's, with
    // their frames moved out of the shared list, which ends here.
    for (let j = i + 1; j < count; j++) {
      const sender = queue[j]!;
      queue[j] = undefined;
      sender.unshare();
      scheduleFlush(sender);
    }
    endTurn();
  }
}

// Several prepared messages broadcast in one turn leave every subscriber's sender holding
// the same frames in the same order: during flushAll the buffer merged for the first
// subscriber is reused for the next ones whose frames are the same objects, so a turn copies
// the frames once, not once per subscriber (a per-subscriber allocation and copy at 16
// publications in flight). Frames are compared by identity only, and only within one
// flushAll, where nothing can change them between two subscribers.
// (Three fields, not an object: an echo burst merges per connection and shares nothing.)
let inFlushAll = false;
let lastFirst: Buffer | null = null;
let lastMore: Buffer[] | null = null;
let lastMerged: Buffer | null = null;

/** One buffer holding `first` then `more` (`bytes` in all). */
function mergeFrames(first: Buffer, more: Buffer[], bytes: number): Buffer {
  if (lastFirst === first && sameFrames(lastMore!, more)) return lastMerged!;
  const merged = Buffer.allocUnsafe(bytes);
  let at = first.copy(merged, 0);
  for (let i = 0; i < more.length; i++) at += more[i]!.copy(merged, at);
  if (inFlushAll) {
    lastFirst = first;
    lastMore = more;
    lastMerged = merged;
  }
  return merged;
}

// The frames written in this turn, in the order the first sender to get each was given it: a
// broadcast loop (every publication to every subscriber) leaves each subscriber with a prefix
// of this list, which its sender keeps as a count, so a subscriber costs no array and no copy,
// and the prefix is merged into one buffer once per turn. A sender whose frames differ (its own
// echo, a reply) keeps its own. Only frames written outside flushAll go here, so every sender
// counting on the list is in the flush that ends it (endTurn).
let turnFrames: Buffer[] = [];
let sharedCount = 0;
let sharedMerged: Buffer | null = null;

/** The first `count` frames of the turn's list (`bytes` in all) as one buffer, merged once. */
function sharedFrames(count: number, bytes: number): Buffer {
  if (count === 1) return turnFrames[0]!;
  if (count === sharedCount) return sharedMerged!;
  const merged = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = 0; i < count; i++) at += turnFrames[i]!.copy(merged, at);
  sharedCount = count;
  sharedMerged = merged;
  return merged;
}

function endTurn(): void {
  if (turnFrames.length > 0) turnFrames = [];
  sharedCount = 0;
  sharedMerged = null;
}

function forgetMerges(): void {
  lastFirst = null;
  lastMore = null;
  lastMerged = null;
}

function sameFrames(a: Buffer[], b: Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
