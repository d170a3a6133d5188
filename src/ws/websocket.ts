import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { CloseCode, MAX_CLOSE_REASON_BYTES, Opcode, MAX_CONTROL_PAYLOAD } from '../protocol/constants.js';
import { buildClosePayload, isValidApplicationCloseCode, isValidWireCloseCode } from '../protocol/close.js';
import { ErrorCode, type ProtocolError, WebSocketError } from '../protocol/errors.js';
import { type MessageInflater, Receiver } from '../protocol/receiver.js';
import type { CloseEvent, ErrorEvent, MessageEvent, WsEvent, WsEventListener } from './events.js';
import { BrowserEvents, type BrowserEventType, type MessageData } from './browser-events.js';
import { ReceiverBridge, listenToSocket, startReading } from './socket-glue.js';
import { FrameSender, type MessageDeflater, type WriteCallback } from './sender.js';
import type { CompressionInfo, PreparedMessage } from './prepared-message.js';
import { openClientConnection, type ClientOptions } from './client-handshake.js';
import { DEFAULT_CLOSE_TIMEOUT } from './defaults.js';

export type BinaryType = 'nodebuffer' | 'arraybuffer' | 'blob';
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

/** What the server or the client handshake hands to a WebSocket once the upgrade is done. */
export interface SocketSetup {
  role: 'server' | 'client';
  socket: Socket;
  head: Buffer;
  protocol: string;
  extensions: string;
  maxPayload: number;
  closeTimeout: number;
  /** Negotiated permessage-deflate, if any. */
  deflate: (MessageInflater & MessageDeflater & CompressionInfo & { cleanup(): void }) | null;
}


/** Marks a WebSocket built by the server (no client handshake to run). */
export const SERVER_SIDE: unique symbol = Symbol('volley.server-side');

const EMPTY = Buffer.alloc(0);

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

/**
 * A WebSocket connection, in either role. It offers the browser's API (readyState,
 * onopen/onmessage/onerror/onclose, addEventListener, send, close, bufferedAmount,
 * binaryType) and Node-style events (`on('message', (data, isBinary) => ...)`).
 */
export class WebSocket extends EventEmitter<WebSocketEvents> {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;

  binaryType: BinaryType = 'nodebuffer';
  /** Set by the server's heartbeat: false until the peer answers the last ping. */
  isAlive = true;

  private state: ReadyState = WebSocket.CONNECTING;
  private readonly urlString: string;
  private protocolName = '';
  private extensionsHeader = '';
  private role: 'server' | 'client' = 'server';
  private socket: Socket | null = null;
  private receiver: Receiver | null = null;
  private sender: FrameSender | null = null;
  private deflate: SocketSetup['deflate'] = null;
  private closeTimeoutMs = DEFAULT_CLOSE_TIMEOUT;
  private closeTimer: NodeJS.Timeout | null = null;
  private closeFrameSent = false;
  private closeFrameReceived = false;
  private closeCode: number = CloseCode.Abnormal;
  private closeReason: Buffer = EMPTY;
  private fragmentOpcode = 0; // Text/Binary while a fragmented send is in progress
  private abortConnect: ((err: Error) => void) | null = null;
  // The browser API's bookkeeping, created only when it is used.
  private browserEventsState: BrowserEvents | null = null;
  /** @internal Told when this connection closes (the server's client set and heartbeat). */
  owner: { onClientClosed(ws: WebSocket): void } | null = null;

  /**
   * Opens a client connection to `address` (ws://, wss://, http:// or https://).
   * Throws a SyntaxError-like WebSocketError (WS_ERR_INVALID_URL) for a bad URL or
   * subprotocol list, as the browser's constructor does.
   */
  constructor(address: string | URL, protocols?: string | string[], options?: ClientOptions) {
    super();
    if ((address as unknown) === SERVER_SIDE) {
      this.urlString = '';
      return;
    }
    this.role = 'client';
    const opened = openClientConnection(this, address, protocols, options ?? {});
    this.urlString = opened.url;
    this.abortConnect = opened.abort;
  }

  get readyState(): ReadyState {
    return this.state;
  }
  get url(): string {
    return this.urlString;
  }
  /** The subprotocol the server selected, or ''. */
  get protocol(): string {
    return this.protocolName;
  }
  /** The negotiated extensions, as the Sec-WebSocket-Extensions value, or ''. */
  get extensions(): string {
    return this.extensionsHeader;
  }
  /** Bytes queued by send() and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.sender?.bufferedAmount ?? 0;
  }

  /** @internal Called by the client handshake or the server once the upgrade is done. */
  attach(setup: SocketSetup): void {
    const { socket } = setup;
    this.role = setup.role;
    this.socket = socket;
    this.protocolName = setup.protocol;
    this.extensionsHeader = setup.extensions;
    this.closeTimeoutMs = setup.closeTimeout;
    this.deflate = setup.deflate;
    this.abortConnect = null;
    this.sender = new FrameSender(socket, setup.role === 'client', setup.deflate);
    this.receiver = new Receiver({ role: setup.role, maxPayload: setup.maxPayload, inflater: setup.deflate }, new ReceiverBridge(this));
    socket.setTimeout(0);
    socket.setNoDelay(true);
    // Paused explicitly, adding the 'data' listener does not start the flow: nothing is read
    // before the caller ('open' listeners, the server's 'connection' callback) is ready.
    socket.pause();
    listenToSocket(socket, this);
    this.state = WebSocket.OPEN;
    this.emit('open');
    // Bytes that came with the upgrade go first, then the socket flows.
    process.nextTick(startReading, this, setup.head);
  }

  /** @internal Feeds received bytes to the parser; false asks the caller to pause reading. */
  feed(chunk: Buffer): boolean {
    return this.receiver!.push(chunk);
  }

  /** @internal The parser can take bytes again. */
  resumeReading(): void {
    this.socket?.resume();
  }

  /** @internal The client handshake failed: error, then close with 1006, as a browser reports it. */
  failConnect(err: Error): void {
    if (this.state === WebSocket.CLOSED) return;
    this.state = WebSocket.CLOSED;
    this.abortConnect = null;
    this.emitError(err);
    this.emit('close', CloseCode.Abnormal, EMPTY);
  }

  /**
   * Sends a message. Strings go as text frames, everything else as binary (override with
   * `options.binary`). Throws while CONNECTING, as browsers do; after the connection started
   * closing the data is dropped and `cb` receives an error.
   */
  send(data: SendData | number, optionsOrCb?: SendOptions | WriteCallback, cb?: WriteCallback): void {
    let options: SendOptions = {};
    if (typeof optionsOrCb === 'function') cb = optionsOrCb;
    else if (optionsOrCb) options = optionsOrCb;
    if (this.state === WebSocket.CONNECTING) {
      throw new WebSocketError(ErrorCode.InvalidState, 'WebSocket is not open: readyState 0 (CONNECTING)');
    }
    if (this.state !== WebSocket.OPEN || this.closeFrameSent) {
      if (cb) process.nextTick(cb, new WebSocketError(ErrorCode.NotOpen, `WebSocket is not open: readyState ${this.state}`));
      return;
    }
    const compress = options.compress ?? true;
    const sender = this.sender!;
    if (options.fin === false || this.fragmentOpcode !== 0) {
      this.sendFragment(data, options, cb);
      return;
    }
    if (typeof data === 'string') {
      sender.sendMessage(data, options.binary ?? false, compress, cb);
    } else if (Buffer.isBuffer(data)) {
      sender.sendMessage(data, options.binary ?? true, compress, cb);
    } else if (data instanceof ArrayBuffer) {
      sender.sendMessage(Buffer.from(data), options.binary ?? true, compress, cb);
    } else if (ArrayBuffer.isView(data)) {
      sender.sendMessage(Buffer.from(data.buffer, data.byteOffset, data.byteLength), options.binary ?? true, compress, cb);
    } else if (typeof Blob !== 'undefined' && data instanceof Blob) {
      sender.sendLater(data.size, data.arrayBuffer().then((ab) => Buffer.from(ab)), options.binary ?? true, compress, cb);
    } else {
      // Browsers stringify anything else.
      sender.sendMessage(String(data), options.binary ?? false, compress, cb);
    }
  }

  private sendFragment(data: SendData | number, options: SendOptions, cb?: WriteCallback): void {
    if (typeof Blob !== 'undefined' && data instanceof Blob) throw new TypeError('A Blob cannot be sent as a fragment');
    const bytes = toBuffer(data as Exclude<SendData, Blob> | number);
    const fin = options.fin ?? true;
    let opcode: number = Opcode.Continuation;
    if (this.fragmentOpcode === 0) {
      opcode = (options.binary ?? typeof data !== 'string') ? Opcode.Binary : Opcode.Text;
      this.fragmentOpcode = opcode;
    }
    if (fin) this.fragmentOpcode = 0;
    this.sender!.sendFragment(bytes, opcode, fin, cb);
  }

  /** Writes a message framed once by prepareMessage() (the fast path for broadcast). */
  sendPrepared(message: PreparedMessage, cb?: WriteCallback): void {
    if (this.state !== WebSocket.OPEN || this.closeFrameSent) {
      if (cb) process.nextTick(cb, new WebSocketError(ErrorCode.NotOpen, `WebSocket is not open: readyState ${this.state}`));
      return;
    }
    if (this.role === 'client') {
      // Client frames need a fresh mask each: frame the payload again.
      this.sender!.sendMessage(message.payload, message.binary, true, cb);
      return;
    }
    const frame = this.deflate ? message.frameFor(this.deflate) : message.frame;
    if (frame === null) this.sender!.sendMessage(message.payload, message.binary, true, cb);
    else this.sender!.sendFrame(frame, cb);
  }

  ping(data: string | Buffer = EMPTY, cb?: WriteCallback): void {
    this.sendControl(Opcode.Ping, data, cb);
  }

  pong(data: string | Buffer = EMPTY, cb?: WriteCallback): void {
    this.sendControl(Opcode.Pong, data, cb);
  }

  private sendControl(opcode: number, data: string | Buffer, cb?: WriteCallback): void {
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    if (payload.length > MAX_CONTROL_PAYLOAD) throw new RangeError('Control frame payload must be at most 125 bytes');
    if (this.state === WebSocket.CONNECTING) throw new WebSocketError(ErrorCode.InvalidState, 'WebSocket is not open: readyState 0 (CONNECTING)');
    if (this.state !== WebSocket.OPEN || this.closeFrameSent) {
      if (cb) process.nextTick(cb, new WebSocketError(ErrorCode.NotOpen, `WebSocket is not open: readyState ${this.state}`));
      return;
    }
    this.sender!.sendControl(opcode, payload, cb);
  }

  /**
   * Starts the closing handshake. As in browsers, a client may pass 1000 or 3000-4999 and a
   * reason of at most 123 UTF-8 bytes; a server may use any code valid on the wire (1001, 1008 ...).
   */
  close(code?: number, reason?: string | Buffer): void {
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
    if (this.state === WebSocket.CLOSED) return;
    if (this.state === WebSocket.CONNECTING) {
      this.abortConnect?.(new WebSocketError(ErrorCode.ConnectionFailed, 'WebSocket was closed before the connection was established'));
      return;
    }
    if (this.closeFrameSent) return;
    this.state = WebSocket.CLOSING;
    this.sendCloseFrame(code ?? (reasonBytes.length > 0 ? CloseCode.Normal : undefined), reasonBytes);
    if (this.closeFrameReceived && this.role === 'server') this.socket!.end();
    else this.armCloseTimer();
  }

  /** Destroys the connection at once, with no closing handshake. */
  terminate(): void {
    if (this.state === WebSocket.CLOSED) return;
    if (this.state === WebSocket.CONNECTING) {
      this.abortConnect?.(new WebSocketError(ErrorCode.ConnectionFailed, 'WebSocket was closed before the connection was established'));
      return;
    }
    this.state = WebSocket.CLOSING;
    this.socket!.destroy();
  }

  // ---- incoming ----

  /** @internal */
  onMessage(data: Buffer, isBinary: boolean): void {
    this.isAlive = true;
    this.emit('message', data, isBinary);
  }

  /** @internal A message's data as the browser's MessageEvent carries it (binaryType applied). */
  messageData(data: Buffer, isBinary: boolean): MessageData {
    if (!isBinary) return data.toString();
    switch (this.binaryType) {
      case 'arraybuffer':
        return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
      case 'blob':
        return new Blob([data as Uint8Array<ArrayBuffer>]);
      default:
        return data;
    }
  }

  /** @internal */
  onPing(data: Buffer): void {
    this.isAlive = true;
    if (this.state === WebSocket.OPEN && !this.closeFrameSent) this.sender!.sendControl(Opcode.Pong, data);
    this.emit('ping', data);
  }

  /** @internal */
  onCloseFrame(code: number, reason: Buffer): void {
    this.closeFrameReceived = true;
    this.closeCode = code;
    this.closeReason = reason;
    // Keep reading (the receiver drops what follows) so that the peer's FIN is seen.
    this.socket!.resume();
    if (!this.closeFrameSent) {
      this.state = WebSocket.CLOSING;
      // Echo the peer's code and reason (RFC 6455 section 5.5.1); 1005 means it sent none.
      this.sendCloseFrame(code === CloseCode.NoStatus ? undefined : code, reason);
    }
    // The server closes TCP first (RFC 6455 section 7.1.1); the client waits for it.
    if (this.role === 'server') this.socket!.end();
    else this.armCloseTimer();
  }

  /** @internal */
  onProtocolError(err: ProtocolError): void {
    // Fail the connection (RFC 6455 section 7.1.7): send the code, then close TCP.
    this.closeCode = err.closeCode;
    this.closeReason = EMPTY;
    this.socket!.resume();
    this.emitError(err);
    if (!this.closeFrameSent && this.state !== WebSocket.CLOSED) {
      this.state = WebSocket.CLOSING;
      this.sendCloseFrame(err.closeCode, EMPTY);
    }
    this.socket!.end();
    this.armCloseTimer();
  }

  private sendCloseFrame(code: number | undefined, reason: Buffer): void {
    this.closeFrameSent = true;
    this.sender!.sendControl(Opcode.Close, buildClosePayload(code, reason));
  }

  private armCloseTimer(): void {
    if (this.closeTimer !== null || this.socket === null) return;
    const socket = this.socket;
    this.closeTimer = setTimeout(() => socket.destroy(), this.closeTimeoutMs);
    this.closeTimer.unref?.();
  }

  /** @internal */
  onSocketEnd(): void {
    // The peer closed its side: finish ours (node:http sockets allow half-open).
    this.state = WebSocket.CLOSING;
    this.receiver?.stop();
    // Ending twice makes Node build an error (with a stack) for nothing.
    if (this.socket !== null && !this.socket.writableEnded) this.socket.end();
  }

  /** @internal */
  onSocketClose(): void {
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.closeTimer = null;
    this.receiver?.stop();
    this.deflate?.cleanup();
    this.state = WebSocket.CLOSED;
    this.owner?.onClientClosed(this);
    this.emit('close', this.closeCode, this.closeReason);
  }

  /** @internal Whether the close frames went both ways. */
  get wasClean(): boolean {
    return this.closeFrameSent && this.closeFrameReceived;
  }

  // 'error' is emitted only when someone listens: an unheard error must not crash the process.
  private emitError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  // ---- the browser's event API (see browser-events.ts) ----

  private get browserEvents(): BrowserEvents {
    return (this.browserEventsState ??= new BrowserEvents(this));
  }

  addEventListener(type: BrowserEventType, listener: WsEventListener<any>, options?: { once?: boolean }): void {
    this.browserEvents.add(type, listener, options);
  }

  removeEventListener(type: BrowserEventType, listener: WsEventListener<any>): void {
    this.browserEventsState?.remove(type, listener);
  }

  get onopen(): ((ev: WsEvent) => void) | null {
    return (this.browserEventsState?.getHandler('open') as any) ?? null;
  }
  set onopen(fn: ((ev: WsEvent) => void) | null) {
    this.browserEvents.setHandler('open', fn);
  }
  get onmessage(): ((ev: MessageEvent<MessageData>) => void) | null {
    return (this.browserEventsState?.getHandler('message') as any) ?? null;
  }
  set onmessage(fn: ((ev: MessageEvent<MessageData>) => void) | null) {
    this.browserEvents.setHandler('message', fn);
  }
  get onerror(): ((ev: ErrorEvent) => void) | null {
    return (this.browserEventsState?.getHandler('error') as any) ?? null;
  }
  set onerror(fn: ((ev: ErrorEvent) => void) | null) {
    this.browserEvents.setHandler('error', fn);
  }
  get onclose(): ((ev: CloseEvent) => void) | null {
    return (this.browserEventsState?.getHandler('close') as any) ?? null;
  }
  set onclose(fn: ((ev: CloseEvent) => void) | null) {
    this.browserEvents.setHandler('close', fn);
  }
}

function toBuffer(data: Exclude<SendData, Blob> | number): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (typeof data === 'number') return Buffer.from(String(data));
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
