import { EventEmitter } from 'node:events';
import { Opcode } from '../protocol/constants.js';
import { openClientConnection, type ClientOptions } from './client-handshake.js';
import { BrowserEvents, type BinaryType, type BrowserEventType, type MessageData } from './browser-events.js';
import { Connection, type ReadyState, type SendData, type SendOptions, type SocketSetup, type WebSocketEvents } from './connection.js';
import type { CloseEvent, ErrorEvent, MessageEvent, WsEvent, WsEventListener } from './events.js';
import type { PreparedMessage } from './prepared-message.js';
import type { WriteCallback } from './sender.js';

export type { BinaryType, ReadyState, SendData, SendOptions, WebSocketEvents };

// How the server hands an accepted socket to a new WebSocket: read once by the constructor,
// synchronously, so nothing else can see it.
let acceptedSetup: SocketSetup<WebSocket> | null = null;

/** @internal The server's way to wrap a socket it upgraded. */
export function acceptWebSocket(setup: SocketSetup<WebSocket>): WebSocket {
  acceptedSetup = setup;
  try {
    return new WebSocket('');
  } finally {
    acceptedSetup = null;
  }
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
  // On the prototype (as in browsers), not four fields on every socket: see below the class.
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSING: 2;
  declare readonly CLOSED: 3;

  binaryType: BinaryType = 'nodebuffer';

  readonly #connection: Connection<WebSocket>;
  readonly #url: string;
  // The browser API's bookkeeping, created only when it is used.
  #browserEvents: BrowserEvents | null = null;

  /**
   * Opens a client connection to `address` (ws://, wss://, http:// or https://).
   * Throws a SyntaxError-like WebSocketError (WS_ERR_INVALID_URL) for a bad URL or
   * subprotocol list, as the browser's constructor does.
   */
  constructor(address: string | URL, protocols?: string | string[], options?: ClientOptions) {
    super();
    // EventEmitter's own listener table is a dictionary-mode object (some 160 bytes more per socket).
    (this as unknown as { _events: EventSlots })._events = new EventSlots();
    const accepted = acceptedSetup;
    if (accepted !== null) {
      acceptedSetup = null;
      this.#url = '';
      this.#connection = new Connection<WebSocket>(this, 'server');
      this.#connection.attach(accepted);
      return;
    }
    const connection = new Connection<WebSocket>(this, 'client');
    this.#connection = connection;
    const opened = openClientConnection(connection, address, protocols, options ?? {});
    this.#url = opened.url;
    connection.abortConnect = opened.abort;
  }

  get readyState(): ReadyState {
    return this.#connection.state;
  }
  get url(): string {
    return this.#url;
  }
  /** The subprotocol the server selected, or ''. */
  get protocol(): string {
    return this.#connection.protocol;
  }
  /** The negotiated extensions, as the Sec-WebSocket-Extensions value, or ''. */
  get extensions(): string {
    return this.#connection.extensions;
  }
  /** Bytes queued by send() (and automatic pongs) and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.#connection.bufferedAmount;
  }
  /** Set by the server's heartbeat: false until the peer answers the last ping (or sends anything). */
  get isAlive(): boolean {
    return this.#connection.isAlive;
  }
  set isAlive(alive: boolean) {
    this.#connection.isAlive = alive;
  }

  /**
   * Sends a message. Strings go as text frames, everything else as binary (override with
   * `options.binary`). Throws while CONNECTING, as browsers do; after the connection started
   * closing the data is dropped and `cb` receives an error.
   */
  send(data: SendData | number, optionsOrCb?: SendOptions | WriteCallback, cb?: WriteCallback): void {
    if (typeof optionsOrCb === 'function') this.#connection.send(data, NO_OPTIONS, optionsOrCb);
    else this.#connection.send(data, optionsOrCb ?? NO_OPTIONS, cb);
  }

  /** Writes a message framed once by prepareMessage() (the fast path for broadcast). */
  sendPrepared(message: PreparedMessage, cb?: WriteCallback): void {
    this.#connection.sendPrepared(message, cb);
  }

  ping(data: string | Buffer = EMPTY, cb?: WriteCallback): void {
    this.#connection.sendControl(Opcode.Ping, data, cb);
  }

  pong(data: string | Buffer = EMPTY, cb?: WriteCallback): void {
    this.#connection.sendControl(Opcode.Pong, data, cb);
  }

  /**
   * Starts the closing handshake. As in browsers, a client may pass 1000 or 3000-4999 and a
   * reason of at most 123 UTF-8 bytes; a server may use any code valid on the wire (1001, 1008 ...).
   * When the peer is not reading (the outgoing buffer is above highWaterMark) the socket is
   * destroyed at once instead: the close frame could not reach it.
   */
  close(code?: number, reason?: string | Buffer): void {
    this.#connection.close(code, reason);
  }

  /** Destroys the connection at once, with no closing handshake. */
  terminate(): void {
    this.#connection.terminate();
  }

  /** @internal EventEmitter's, leaving out the slots of events nobody listens to (see EventSlots). */
  override eventNames(): Array<keyof WebSocketEvents> {
    return super.eventNames().filter((name) => this.listenerCount(name) > 0);
  }

  // ---- the browser's event API (see browser-events.ts) ----

  get #events(): BrowserEvents {
    return (this.#browserEvents ??= new BrowserEvents(this, this.#connection));
  }

  addEventListener(type: BrowserEventType, listener: WsEventListener<any>, options?: { once?: boolean }): void {
    this.#events.add(type, listener, options);
  }

  removeEventListener(type: BrowserEventType, listener: WsEventListener<any>): void {
    this.#browserEvents?.remove(type, listener);
  }

  get onopen(): ((ev: WsEvent) => void) | null {
    return (this.#browserEvents?.getHandler('open') as any) ?? null;
  }
  set onopen(fn: ((ev: WsEvent) => void) | null) {
    this.#events.setHandler('open', fn);
  }
  get onmessage(): ((ev: MessageEvent<MessageData>) => void) | null {
    return (this.#browserEvents?.getHandler('message') as any) ?? null;
  }
  set onmessage(fn: ((ev: MessageEvent<MessageData>) => void) | null) {
    this.#events.setHandler('message', fn);
  }
  get onerror(): ((ev: ErrorEvent) => void) | null {
    return (this.#browserEvents?.getHandler('error') as any) ?? null;
  }
  set onerror(fn: ((ev: ErrorEvent) => void) | null) {
    this.#events.setHandler('error', fn);
  }
  get onclose(): ((ev: CloseEvent) => void) | null {
    return (this.#browserEvents?.getHandler('close') as any) ?? null;
  }
  set onclose(fn: ((ev: CloseEvent) => void) | null) {
    this.#events.setHandler('close', fn);
  }
}


for (const [name, value] of [['CONNECTING', 0], ['OPEN', 1], ['CLOSING', 2], ['CLOSED', 3]] as const) {
  Object.defineProperty(WebSocket.prototype, name, { value, enumerable: true });
}

/**
 * A WebSocket's listener table (EventEmitter's `_events`): one slot for each event it emits,
 * so that the object keeps a fixed shape, as Node's streams do for theirs. Its prototype has
 * no prototype, so an event named like an Object.prototype member finds no listener.
 */
interface EventSlots {
  open: unknown;
  message: unknown;
  close: unknown;
  error: unknown;
  ping: unknown;
  pong: unknown;
}
const EventSlots = function (this: EventSlots) {
  this.open = undefined;
  this.message = undefined;
  this.close = undefined;
  this.error = undefined;
  this.ping = undefined;
  this.pong = undefined;
} as unknown as new () => EventSlots;
EventSlots.prototype = Object.create(null);

const EMPTY = Buffer.alloc(0);
const NO_OPTIONS: SendOptions = {};
