// The internals of one WebSocket, in either role: socket, frame parser and writer, closing
// handshake, backpressure. A WebSocket keeps its Connection in a private field and forwards
// its public methods to it; the Connection reports to the WebSocket only through its events.

import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { CloseCode, MAX_CLOSE_REASON_BYTES, MAX_CONTROL_PAYLOAD, Opcode } from '../protocol/constants.js';
import { buildClosePayload, isValidApplicationCloseCode, isValidWireCloseCode } from '../protocol/close.js';
import { ErrorCode, type ProtocolError, WebSocketError } from '../protocol/errors.js';
import { Receiver, type ReceiverHandlers } from '../protocol/receiver.js';
import type { NegotiatedDeflate } from './compression.js';
import { binaryToBuffer } from './data.js';
import type { ConnectionLimits } from './limits.js';
import type { PreparedMessage } from './prepared-message.js';
import { FrameSender, type BacklogWatcher, type WriteCallback } from './sender.js';
import { clearSocketTimeout, listenToSocket, watchDrain, type SocketOwner } from './socket-glue.js';

export type ReadyState = 0 | 1 | 2 | 3;
export type SendData = string | Buffer | ArrayBuffer | ArrayBufferView | Blob;

export interface SendOptions {
  /** Send as a binary frame (default: true for everything but strings). */
  binary?: boolean;
  /** Compress when permessage-deflate was negotiated (default true; small messages are never compressed). */
  compress?: boolean;
  /**
   * false: this is a fragment and more of the message follows; the message ends with the
   * next send whose fin is true (default). Fragments are never compressed.
   */
  fin?: boolean;
}

/**
 * Node-style events and their arguments. 'message' always carries a Buffer (text as its
 * UTF-8 bytes, already validated); `binaryType` applies to the browser-style MessageEvent.
 */
export interface WebSocketEvents {
  open: [];
  message: [data: Buffer, isBinary: boolean];
  close: [code: number, reason: Buffer];
  error: [error: Error];
  ping: [data: Buffer];
  pong: [data: Buffer];
}

/** What the client handshake or the server hands to a connection once the upgrade is done. */
export interface SocketSetup<T> {
  /** Shared by every connection of a server: kept by reference, not copied. */
  limits: Readonly<ConnectionLimits>;
  role: 'server' | 'client';
  socket: Socket;
  head: Buffer;
  protocol: string;
  extensions: string;
  /** Negotiated permessage-deflate, if any. */
  deflate: NegotiatedDeflate | null;
  /** Told once the connection has closed, before its 'close' event (the server's client set). */
  onClosed?: ((target: T) => void) | null;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;
const EMPTY = Buffer.alloc(0);
const NOT_READING_REASON = Buffer.from('Peer does not read');
const NO_LIMITS: Readonly<ConnectionLimits> = Object.freeze({ maxPayload: 0, maxFragments: 0, closeTimeout: 0, highWaterMark: 0, maxBufferedAmount: 0, drainTimeout: 0 });

export class Connection<T extends EventEmitter<WebSocketEvents>> implements ReceiverHandlers, SocketOwner, BacklogWatcher {
  /** The WebSocket whose events this connection emits. */
  private readonly target: T;
  state: ReadyState = CONNECTING;
  role: 'server' | 'client';
  protocol = '';
  extensions = '';
  /** Set by the server's heartbeat: false until the peer answers the last ping (or sends anything). */
  isAlive = true;
  /** Ends a client handshake in progress (set by the client handshake). */
  abortConnect: ((err: Error) => void) | null = null;

  private socket: Socket | null = null;
  private receiver: Receiver | null = null;
  private sender: FrameSender | null = null;
  private deflate: NegotiatedDeflate | null = null;
  private onClosed: ((target: T) => void) | null = null;
  private limits: Readonly<ConnectionLimits> = NO_LIMITS;
  private closeTimer: NodeJS.Timeout | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  private closeFrameSent = false;
  private closeFrameReceived = false;
  private closeCode: number = CloseCode.Abnormal;
  private closeReason: Buffer = EMPTY;
  private fragmentOpcode = 0; // Text/Binary while a fragmented send is in progress
  // Reading is paused while either holds: the receiver waits on the inflater, or the
  // outgoing buffer is above highWaterMark (the peer does not read what we send).
  private inflating = false;
  private backpressured = false;
  // Pongs: at most one written and not yet handed to the kernel; later pings only replace the
  // one pending answer (RFC 6455 section 5.5.3), so a ping flood queues nothing.
  private pongInFlight = false;
  private pendingPong: Buffer | null = null;
  private pongWritten: WriteCallback | null = null;

  constructor(target: T, role: 'server' | 'client') {
    this.target = target;
    this.role = role;
  }

  /** Bytes queued by send() and not yet handed to the kernel (pongs included). */
  get bufferedAmount(): number {
    return (this.sender?.bufferedAmount ?? 0) + (this.pendingPong?.length ?? 0);
  }

  /** Whether the close frames went both ways. */
  get wasClean(): boolean {
    return this.closeFrameSent && this.closeFrameReceived;
  }

  /** The upgrade is done: wire the socket, emit 'open', start reading. */
  attach(setup: SocketSetup<T>): void {
    const { socket } = setup;
    this.role = setup.role;
    this.socket = socket;
    this.protocol = setup.protocol;
    this.extensions = setup.extensions;
    this.limits = setup.limits;
    this.deflate = setup.deflate;
    this.onClosed = setup.onClosed ?? null;
    this.abortConnect = null;
    this.sender = new FrameSender(socket, setup.role === 'client', setup.deflate, this);
    this.receiver = new Receiver(
      { role: setup.role, maxPayload: setup.limits.maxPayload, maxFragments: setup.limits.maxFragments, inflater: setup.deflate },
      this,
    );
    clearSocketTimeout(socket);
    socket.setNoDelay(true);
    // Paused explicitly, adding the 'data' listener does not start the flow: nothing is read
    // before the caller ('open' listeners, the server's 'connection' callback) is ready.
    socket.pause();
    listenToSocket(socket, this);
    this.state = OPEN;
    this.target.emit('open');
    // Bytes that came with the upgrade go first, then the socket flows.
    process.nextTick(startReading, this, setup.head);
  }

  /** The client handshake failed: error, then close with 1006, as a browser reports it. */
  failConnect(err: Error): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.abortConnect = null;
    this.emitError(err);
    this.target.emit('close', CloseCode.Abnormal, EMPTY);
  }

  /**
   * The one writability check: true when a frame may be sent now. While CONNECTING it
   * throws, as browsers do; once closing, `cb` (if any) gets a NotOpen error.
   */
  private canSend(cb: WriteCallback | undefined): boolean {
    if (this.state === OPEN && !this.closeFrameSent) return true;
    if (this.state === CONNECTING) throw new WebSocketError(ErrorCode.InvalidState, 'WebSocket is not open: readyState 0 (CONNECTING)');
    if (cb) process.nextTick(cb, new WebSocketError(ErrorCode.NotOpen, `WebSocket is not open: readyState ${this.state}`));
    return false;
  }

  send(data: SendData | number, options: SendOptions, cb: WriteCallback | undefined): void {
    if (!this.canSend(cb)) return;
    if (options.fin === false || this.fragmentOpcode !== 0) {
      this.sendFragment(data, options, cb);
      return;
    }
    const compress = options.compress ?? true;
    const sender = this.sender!;
    if (typeof data === 'string') {
      sender.sendMessage(data, options.binary ?? false, compress, cb);
    } else if (typeof Blob !== 'undefined' && data instanceof Blob) {
      sender.sendLater(data.size, data.arrayBuffer().then((ab) => Buffer.from(ab)), options.binary ?? true, compress, cb);
    } else {
      const bytes = binaryToBuffer(data);
      // Browsers stringify anything that is not binary.
      if (bytes === null) sender.sendMessage(String(data), options.binary ?? false, compress, cb);
      else sender.sendMessage(bytes, options.binary ?? true, compress, cb);
    }
  }

  private sendFragment(data: SendData | number, options: SendOptions, cb: WriteCallback | undefined): void {
    if (typeof Blob !== 'undefined' && data instanceof Blob) throw new TypeError('A Blob cannot be sent as a fragment');
    const bytes = binaryToBuffer(data) ?? Buffer.from(String(data));
    const fin = options.fin ?? true;
    let opcode: number = Opcode.Continuation;
    if (this.fragmentOpcode === 0) {
      opcode = (options.binary ?? typeof data !== 'string') ? Opcode.Binary : Opcode.Text;
      this.fragmentOpcode = opcode;
    }
    if (fin) this.fragmentOpcode = 0;
    this.sender!.sendFragment(bytes, opcode, fin, cb);
  }

  sendPrepared(message: PreparedMessage, cb: WriteCallback | undefined): void {
    if (!this.canSend(cb)) return;
    if (this.role === 'client') {
      // Client frames need a fresh mask each: frame the payload again.
      this.sender!.sendMessage(message.payload, message.binary, true, cb);
      return;
    }
    const frame = this.deflate ? message.frameFor(this.deflate) : message.frame;
    if (frame === null) this.sender!.sendMessage(message.payload, message.binary, true, cb);
    else this.sender!.sendFrame(frame, cb);
  }

  sendControl(opcode: number, data: string | Buffer, cb: WriteCallback | undefined): void {
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    if (payload.length > MAX_CONTROL_PAYLOAD) throw new RangeError('Control frame payload must be at most 125 bytes');
    if (!this.canSend(cb)) return;
    this.sender!.sendControl(opcode, payload, cb);
  }

  close(code: number | undefined, reason: string | Buffer | undefined): void {
    if (code !== undefined) {
      const valid = this.role === 'client' ? isValidApplicationCloseCode(code) : isValidWireCloseCode(code);
      if (!valid) {
        throw new WebSocketError(
          ErrorCode.InvalidCloseArgs,
          this.role === 'client' ? `Close code must be 1000 or 3000-4999, got ${code}` : `Invalid close code ${code}`,
        );
      }
    }
    const reasonBytes = reason === undefined ? EMPTY : typeof reason === 'string' ? Buffer.from(reason) : reason;
    if (reasonBytes.length > MAX_CLOSE_REASON_BYTES) {
      throw new WebSocketError(ErrorCode.InvalidCloseArgs, `Close reason must be at most ${MAX_CLOSE_REASON_BYTES} bytes`);
    }
    if (this.state === CLOSED) return;
    if (this.state === CONNECTING) {
      this.abortConnect?.(new WebSocketError(ErrorCode.ConnectionFailed, 'WebSocket was closed before the connection was established'));
      return;
    }
    if (this.closeFrameSent) return;
    // A peer that does not read would never see the close frame: waiting closeTimeout for its
    // answer would only keep the descriptor and the buffers. The cut is final at once.
    const stalled = this.isStalled();
    this.state = CLOSING;
    this.sendCloseFrame(code ?? (reasonBytes.length > 0 ? CloseCode.Normal : undefined), reasonBytes);
    if (stalled) this.socket!.destroy();
    else if (this.closeFrameReceived && this.role === 'server') this.socket!.end();
    else this.armCloseTimer();
  }

  /** Destroys the connection at once, with no closing handshake. */
  terminate(): void {
    if (this.state === CLOSED) return;
    if (this.state === CONNECTING) {
      this.abortConnect?.(new WebSocketError(ErrorCode.ConnectionFailed, 'WebSocket was closed before the connection was established'));
      return;
    }
    this.state = CLOSING;
    this.socket!.destroy();
  }

  // ---- reading, and backpressure ----

  onSocketData(chunk: Buffer): void {
    if (!this.receiver!.push(chunk)) this.pauseForInflate();
  }

  /** Parses the bytes that came with the upgrade, then lets the socket flow. */
  beginReading(head: Buffer): void {
    if (this.state === CLOSED) return;
    if (head.length > 0 && !this.receiver!.push(head)) this.pauseForInflate();
    else if (!this.backpressured) this.socket!.resume();
  }

  private pauseForInflate(): void {
    this.inflating = true;
    this.socket!.pause();
  }

  /** The receiver can take bytes again. */
  onResume(): void {
    this.inflating = false;
    if (!this.backpressured) this.socket?.resume();
  }

  /** The socket could not take a write at once: pause reading above highWaterMark, fail above maxBufferedAmount. */
  onWriteBacklog(): void {
    if (this.state === CLOSED) return;
    const { maxBufferedAmount, highWaterMark, drainTimeout } = this.limits;
    if (maxBufferedAmount > 0 && this.bufferedAmount > maxBufferedAmount) {
      this.failNotReading(new WebSocketError(ErrorCode.BufferLimit, `Outgoing buffer passed maxBufferedAmount (${maxBufferedAmount} bytes)`));
      return;
    }
    // Pause only once the socket holds the bytes: its 'drain' is then sure to come.
    if (this.backpressured || highWaterMark === 0 || this.socket!.writableLength <= highWaterMark) return;
    this.backpressured = true;
    this.socket!.pause();
    watchDrain(this.socket!);
    if (drainTimeout > 0) {
      // A closure only in this rare state; an idle or reading connection has no timer.
      this.drainTimer = setTimeout(() => this.onDrainTimeout(), drainTimeout);
      this.drainTimer.unref?.();
    }
  }

  /** Everything written reached the kernel: read again. */
  onSocketDrain(): void {
    if (!this.backpressured) return;
    this.backpressured = false;
    this.clearDrainTimer();
    if (!this.inflating && this.state !== CLOSED) this.socket!.resume();
  }

  /** @returns whether the peer is not reading what we send (the outgoing buffer above the mark). */
  private isStalled(): boolean {
    const { highWaterMark } = this.limits;
    return this.backpressured || (highWaterMark > 0 && this.bufferedAmount > highWaterMark);
  }

  /** Fails a connection whose peer does not read: 1008, and the socket destroyed (a close frame could not get through). */
  private failNotReading(err: WebSocketError): void {
    if (this.state === CLOSED) return;
    this.closeCode = CloseCode.PolicyViolation;
    this.closeReason = NOT_READING_REASON;
    this.state = CLOSING;
    this.emitError(err);
    this.socket!.destroy();
  }

  private onDrainTimeout(): void {
    this.drainTimer = null;
    this.failNotReading(new WebSocketError(ErrorCode.DrainTimeout, `The outgoing buffer did not drain within drainTimeout (${this.limits.drainTimeout} ms)`));
  }

  private clearDrainTimer(): void {
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.drainTimer = null;
  }

  // ---- the receiver's events ----

  onMessage(data: Buffer, isBinary: boolean): void {
    this.isAlive = true;
    this.target.emit('message', data, isBinary);
  }

  onPing(data: Buffer): void {
    this.isAlive = true;
    if (this.state === OPEN && !this.closeFrameSent) this.answerPing(data);
    this.target.emit('ping', data);
  }

  private answerPing(data: Buffer): void {
    if (this.pongInFlight) {
      // A copy: the ping's bytes are a view of a received chunk, which must not stay pinned.
      this.pendingPong = Buffer.from(data);
      return;
    }
    this.pongInFlight = true;
    this.sender!.sendControl(Opcode.Pong, data, (this.pongWritten ??= (err) => this.onPongWritten(err)));
  }

  private onPongWritten(err?: Error | null): void {
    this.pongInFlight = false;
    const next = this.pendingPong;
    if (next === null) return;
    this.pendingPong = null;
    if (!err && this.state === OPEN && !this.closeFrameSent) this.answerPing(next);
  }

  onPong(data: Buffer): void {
    this.isAlive = true;
    this.target.emit('pong', data);
  }

  onClose(code: number, reason: Buffer): void {
    this.closeFrameReceived = true;
    this.closeCode = code;
    this.closeReason = reason;
    // Keep reading (the receiver drops what follows) so that the peer's FIN is seen.
    this.socket!.resume();
    if (!this.closeFrameSent) {
      this.state = CLOSING;
      // Echo the peer's code and reason (RFC 6455 section 5.5.1); 1005 means it sent none.
      this.sendCloseFrame(code === CloseCode.NoStatus ? undefined : code, reason);
    }
    // The server closes TCP first (RFC 6455 section 7.1.1); the client waits for it.
    if (this.role === 'server') this.socket!.end();
    else this.armCloseTimer();
  }

  onError(err: ProtocolError): void {
    // Fail the connection (RFC 6455 section 7.1.7): send the code, then close TCP.
    this.closeCode = err.closeCode;
    this.closeReason = EMPTY;
    this.socket!.resume();
    this.emitError(err);
    if (!this.closeFrameSent && this.state !== CLOSED) {
      this.state = CLOSING;
      this.sendCloseFrame(err.closeCode, EMPTY);
    }
    this.socket!.end();
    this.armCloseTimer();
  }

  private sendCloseFrame(code: number | undefined, reason: Buffer): void {
    this.closeFrameSent = true;
    this.pendingPong = null; // nothing may follow a close frame
    this.sender!.sendControl(Opcode.Close, buildClosePayload(code, reason));
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== null || this.socket === null) return;
    const socket = this.socket;
    this.closeTimer = setTimeout(() => socket.destroy(), this.limits.closeTimeout);
    this.closeTimer.unref?.();
  }

  // ---- the socket's end ----

  onSocketEnd(): void {
    // The peer closed its side: finish ours (node:http sockets allow half-open).
    this.state = CLOSING;
    this.receiver?.stop();
    // Ending twice makes Node build an error (with a stack) for nothing.
    if (this.socket !== null && !this.socket.writableEnded) {
      this.sender?.flush(); // frames sent this iteration go out before our FIN
      this.socket.end();
    }
  }

  onSocketClose(): void {
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.clearDrainTimer();
    this.receiver?.stop();
    this.deflate?.cleanup();
    this.pendingPong = null;
    this.state = CLOSED;
    this.onClosed?.(this.target);
    this.target.emit('close', this.closeCode, this.closeReason);
  }

  // 'error' is emitted only when someone listens: an unheard error must not crash the process.
  private emitError(err: Error): void {
    if (this.target.listenerCount('error') > 0) this.target.emit('error', err);
  }
}

function startReading(connection: Connection<any>, head: Buffer): void {
  connection.beginReading(head);
}

