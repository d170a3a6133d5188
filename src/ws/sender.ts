import type { Socket } from 'node:net';
import { Opcode } from '../protocol/constants.js';
import { encodeFrame, encodeTextFrame } from '../protocol/frame.js';

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

/**
 * Writes frames to one socket, in order. Writes made in the same event-loop iteration
 * are coalesced: the socket is corked on the first and uncorked once that iteration's
 * I/O is done, so a burst of small messages costs one writev. A step that finishes later (compression, a Blob's
 * bytes) holds back everything sent after it, so order is always kept.
 */
export class FrameSender {
  private readonly socket: Socket;
  private readonly mask: boolean;
  private readonly deflater: MessageDeflater | null;
  private readonly watcher: BacklogWatcher;
  private corked = false;
  private busy = false; // an asynchronous step is in flight
  private queue: Array<{ step: Step; bytes: number }> | null = null; // only once something waited
  /** Bytes accepted but not yet handed to the socket. */
  private queuedBytes = 0;

  constructor(socket: Socket, mask: boolean, deflater: MessageDeflater | null, watcher: BacklogWatcher) {
    this.socket = socket;
    this.mask = mask;
    this.deflater = deflater;
    this.watcher = watcher;
  }

  /** Bytes not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.queuedBytes + this.socket.writableLength;
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
    const write = () => this.writeBuffers(encodeFrame(payload, { opcode, fin, mask: this.mask }), cb);
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
    if (!this.busy) return this.writeOne(frame, cb);
    this.schedule(frame.length, (done) => {
      this.writeBuffers([frame], cb);
      done();
    });
  }

  private writeMessage(payload: Buffer | string, binary: boolean, cb?: WriteCallback): void {
    const opcode = binary ? Opcode.Binary : Opcode.Text;
    if (typeof payload === 'string') {
      const small = binary ? null : encodeTextFrame(payload, this.mask);
      if (small) return this.writeBuffers([small], cb);
      payload = Buffer.from(payload);
    }
    this.writeBuffers(encodeFrame(payload, { opcode, mask: this.mask }), cb);
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
        this.writeBuffers(encodeFrame(out, { opcode, rsv1: true, mask: this.mask }), cb);
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

  // The broadcast path: one ready frame, no array.
  private writeOne(frame: Buffer, cb?: WriteCallback): void {
    // write() is false once the socket holds more than its own small mark: only then look further.
    if (this.beginWrite(cb) && !this.socket.write(frame, cb)) this.watcher.onWriteBacklog();
  }

  private writeBuffers(buffers: Buffer[], cb?: WriteCallback): void {
    if (!this.beginWrite(cb)) return;
    const last = buffers.length - 1;
    for (let i = 0; i < last; i++) this.socket.write(buffers[i]!);
    if (!this.socket.write(buffers[last]!, cb)) this.watcher.onWriteBacklog();
  }

  /** Corks the socket for this burst; false (and `cb` told) when it cannot be written. */
  private beginWrite(cb?: WriteCallback): boolean {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) {
      if (cb) process.nextTick(cb, new Error('The socket is not writable'));
      return false;
    }
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      scheduleFlush(this);
    }
    return true;
  }

  /** @internal Called once per event-loop iteration after the first write of a burst. */
  flushBurst(): void {
    this.corked = false;
    this.socket.uncork();
  }
}

// Every socket written to during one event-loop iteration is flushed once, after all of
// that iteration's I/O callbacks ran: the messages a burst of input produced (an echo of
// several frames, a broadcast of several publications) leave in one writev per socket.
let flushQueue: FrameSender[] = [];
let flushScheduled = false;

function scheduleFlush(sender: FrameSender): void {
  flushQueue.push(sender);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
}

function flushAll(): void {
  const queue = flushQueue;
  flushQueue = [];
  flushScheduled = false;
  for (let i = 0; i < queue.length; i++) queue[i]!.flushBurst();
}
