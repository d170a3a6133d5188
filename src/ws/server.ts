import { EventEmitter } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode } from '../protocol/constants.js';
import { ErrorCode, HandshakeError } from '../protocol/errors.js';
import { buildRejectResponse, buildUpgradeResponse, parseUpgradeHead, validateUpgradeRequest, type ValidatedUpgrade } from '../protocol/handshake.js';
import { serverCompression, type CompressionOption } from './compression.js';
import { DEFAULT_HANDSHAKE_TIMEOUT } from './defaults.js';
import { Heartbeat } from './heartbeat.js';
import { resolveLimits, type ConnectionLimitOptions, type ConnectionLimits } from './limits.js';
import { PreparedMessage, prepareMessage } from './prepared-message.js';
import { acceptWebSocket, WebSocket } from './websocket.js';

/** The answer of a `verifyUpgrade` hook: accept, or refuse with an HTTP status. */
export type UpgradeVerdict = boolean | void | { status: number; message?: string; headers?: Record<string, string> };

export interface WebSocketServerOptions extends ConnectionLimitOptions {
  /** Listen on this port (a server is created). Exactly one of port, server and noServer. */
  port?: number;
  /** Host to listen on with `port`; default: all interfaces. */
  host?: string;
  backlog?: number;
  /** Attach to an existing http/https server. */
  server?: http.Server;
  /** Create no server: call handleUpgrade() from your own 'upgrade' handler. */
  noServer?: boolean;
  /** Accept upgrades only on this path (exact match, query ignored); default: any path. */
  path?: string;
  /** Picks the subprotocol from the client's list; false for none. Default: the first offered. */
  handleProtocols?: (protocols: Set<string>, req: http.IncomingMessage) => string | false;
  /**
   * Authenticates the upgrade request before the 101 is sent. Return (or resolve) true/undefined
   * to accept, false to refuse with 401, or { status, message, headers } to refuse with that
   * status. A hook that throws refuses with 500.
   */
  verifyUpgrade?: (req: http.IncomingMessage, info: ValidatedUpgrade) => UpgradeVerdict | Promise<UpgradeVerdict>;
  /** Origins allowed (exact match of the Origin header); others get 403. Default: any origin. */
  origins?: string[];
  /**
   * Milliseconds for verifyUpgrade to answer (then 408); with `port`, also the time the
   * request's headers may take to arrive (a slow or incomplete request is dropped). Default 10000.
   */
  handshakeTimeout?: number;
  /** Ping every connection this often (ms) and terminate those that did not answer the last ping. Default 0 (off). */
  heartbeatInterval?: number;
  /** Keep `clients`; default true. */
  clientTracking?: boolean;
  /** permessage-deflate: off by default (false); true or options to enable it. */
  perMessageDeflate?: CompressionOption;
}

export interface WebSocketServerEvents {
  connection: [ws: WebSocket, req: http.IncomingMessage];
  listening: [];
  error: [error: Error];
  close: [];
  /** A refused opening handshake (already answered with its HTTP status). */
  handshakeError: [error: HandshakeError, req: http.IncomingMessage];
}

/**
 * A WebSocket server: performs the opening handshake on HTTP upgrade requests and
 * emits 'connection' (ws, req) for each accepted one.
 */
export class WebSocketServer extends EventEmitter<WebSocketServerEvents> {
  readonly clients = new Set<WebSocket>();
  readonly options: Readonly<WebSocketServerOptions>;
  private httpServer: http.Server | null = null;
  private ownsServer = false;
  private readonly heartbeat: Heartbeat | null;
  private readonly compression;
  private readonly limits: ConnectionLimits;
  private closing = false;
  // Port mode: sockets whose first bytes have not come yet (see acceptSocket).
  private pending: PendingSockets | null = null;
  // Told by each connection as it closes: one function for all of them.
  private readonly onClientClosed = (ws: WebSocket): void => {
    this.clients.delete(ws);
    this.heartbeat?.delete(ws);
  };
  private readonly detach: () => void = () => {};
  /** @internal What an upgrade request read by the fast path goes to (the 'upgrade' handler). */
  onFastUpgrade: ((req: http.IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;

  constructor(options: WebSocketServerOptions, onListening?: () => void) {
    super();
    const modes = [options.port !== undefined, options.server !== undefined, options.noServer === true].filter(Boolean).length;
    if (modes !== 1) throw new TypeError('Exactly one of the "port", "server" and "noServer" options must be given');
    this.options = options;
    this.heartbeat = options.heartbeatInterval ? new Heartbeat(options.heartbeatInterval) : null;
    this.limits = resolveLimits(options, 'server');
    this.compression = serverCompression(options.perMessageDeflate ?? false, this.limits.maxPayload);

    if (options.port !== undefined) {
      this.ownsServer = true;
      const handshakeTimeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
      // Node checks the header timeout every connectionsCheckingInterval (30 s by default): check
      // often enough that a slow or incomplete request goes close to handshakeTimeout.
      const timeouts = { headersTimeout: handshakeTimeout, requestTimeout: handshakeTimeout, connectionsCheckingInterval: Math.min(1000, handshakeTimeout) };
      this.httpServer = http.createServer(timeouts, (_req, res) => {
        const body = 'Upgrade Required';
        res.writeHead(426, { 'Content-Type': 'text/plain', 'Content-Length': body.length, Upgrade: 'websocket', Connection: 'close' });
        res.end(body);
      });
      // headersTimeout also drops a socket that sends nothing at all (Node's connection check
      // counts from the connection's start), so no idle timer is set on every socket: that
      // timer cost each handshake a Timeout and a bound function, and kept the Timeout after.
      // The fast path: a socket whose first read is a plain, whole upgrade request is upgraded
      // here, without node:http's parser, request stream and per-socket listeners; any other
      // socket (a partial or unusual request, any non-upgrade request) goes to node:http with
      // the bytes read, and gets exactly the answers it got before.
      const httpServer = this.httpServer;
      const httpOnConnection = httpServer.listeners('connection');
      if (httpOnConnection.length === 1) {
        const toHttp = httpOnConnection[0] as (socket: Duplex) => void;
        httpServer.removeListener('connection', toHttp);
        const pending = (this.pending = new PendingSockets(handshakeTimeout));
        httpServer.on('connection', (socket: Socket) => acceptSocket(this, socket, pending, (s) => toHttp.call(httpServer, s)));
      }
      this.httpServer.listen(options.port, options.host, options.backlog, onListening);
    } else if (options.server) {
      this.httpServer = options.server;
    }
    if (this.httpServer) {
      const server = this.httpServer;
      const onListeningEvent = () => this.emit('listening');
      const onError = (err: Error) => this.emit('error', err);
      const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        if (!this.shouldHandle(req)) {
          // Leave it to another 'upgrade' handler if there is one.
          if (server.listenerCount('upgrade') === 1) abortHandshake(socket, 404, 'No WebSocket endpoint at this path');
          return;
        }
        this.handleUpgrade(req, socket, head, (ws) => this.emit('connection', ws, req));
      };
      this.onFastUpgrade = onUpgrade;
      server.on('listening', onListeningEvent);
      server.on('error', onError);
      server.on('upgrade', onUpgrade);
      this.detach = () => {
        server.off('listening', onListeningEvent);
        server.off('error', onError);
        server.off('upgrade', onUpgrade);
      };
    }
  }

  /** The address the server listens on (port mode), as net.Server.address() gives it. */
  address(): AddressInfo | string | null {
    return this.httpServer?.address() ?? null;
  }

  /** Whether a request is for this server (its path option). */
  shouldHandle(req: http.IncomingMessage): boolean {
    if (this.options.path === undefined) return true;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    return (q === -1 ? url : url.slice(0, q)) === this.options.path;
  }

  /**
   * Completes (or refuses) the opening handshake on `socket` and calls `cb` with the
   * open WebSocket. Refusals are answered with the HTTP status RFC 6455 names and the
   * socket is closed; `cb` is not called then, and 'handshakeError' is emitted.
   */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, cb: (ws: WebSocket, req: http.IncomingMessage) => void): void {
    socket.on('error', onHandshakeSocketError);
    const refuse = (err: HandshakeError) => {
      abortHandshake(socket, err.status, err.message, err.headers);
      if (this.listenerCount('handshakeError') > 0) this.emit('handshakeError', err, req);
    };
    if (this.closing) return refuse(new HandshakeError(ErrorCode.HandshakeRejected, 503, 'Server is shutting down'));

    let info: ValidatedUpgrade;
    try {
      info = validateUpgradeRequest(req);
    } catch (err) {
      return refuse(err as HandshakeError);
    }
    if (this.options.origins && !(info.origin !== undefined && this.options.origins.includes(info.origin))) {
      return refuse(new HandshakeError(ErrorCode.HandshakeRejected, 403, 'Origin not allowed'));
    }

    const verify = this.options.verifyUpgrade;
    if (!verify) return this.completeUpgrade(info, req, socket, head, cb);

    const timeoutMs = this.options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
    let decided = false;
    const timer = setTimeout(() => {
      decided = true;
      refuse(new HandshakeError(ErrorCode.HandshakeTimeout, 408, 'Upgrade verification timed out'));
    }, timeoutMs);
    const decide = (verdict: UpgradeVerdict) => {
      if (decided) return;
      decided = true;
      clearTimeout(timer);
      if (verdict === true || verdict === undefined) return this.completeUpgrade(info, req, socket, head, cb);
      if (verdict === false) return refuse(new HandshakeError(ErrorCode.HandshakeRejected, 401, 'Unauthorized'));
      refuse(new HandshakeError(ErrorCode.HandshakeRejected, verdict.status, verdict.message ?? http.STATUS_CODES[verdict.status] ?? 'Refused', verdict.headers));
    };
    const fail = () => {
      if (decided) return;
      decided = true;
      clearTimeout(timer);
      refuse(new HandshakeError(ErrorCode.HandshakeRejected, 500, 'Upgrade verification failed'));
    };
    try {
      const verdict = verify(req, info);
      if (verdict instanceof Promise) verdict.then(decide, fail);
      else decide(verdict);
    } catch {
      fail();
    }
  }

  private completeUpgrade(
    info: ValidatedUpgrade,
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    cb: (ws: WebSocket, req: http.IncomingMessage) => void,
  ): void {
    if (socket.destroyed || !socket.writable) return;
    let protocol = '';
    if (info.protocols.length > 0) {
      const chosen = this.options.handleProtocols ? this.options.handleProtocols(new Set(info.protocols), req) : info.protocols[0]!;
      if (chosen && info.protocols.includes(chosen)) protocol = chosen;
    }
    const negotiated = this.compression?.negotiate(info.extensions) ?? null;

    socket.write(buildUpgradeResponse({ key: info.key, protocol, extensions: negotiated?.header }));
    socket.off('error', onHandshakeSocketError);

    const ws = acceptWebSocket({
      limits: this.limits,
      role: 'server',
      socket: socket as Socket,
      head,
      protocol,
      extensions: negotiated?.header ?? '',
      deflate: negotiated?.deflate ?? null,
      onClosed: this.onClientClosed,
    });
    if (this.options.clientTracking !== false) this.clients.add(ws);
    this.heartbeat?.add(ws);
    cb(ws, req);
  }

  /**
   * Sends one message to every open client (or those `filter` keeps), framed once.
   * Returns the number of clients it was written to.
   */
  broadcast(data: string | Buffer | ArrayBuffer | ArrayBufferView | PreparedMessage, options: { binary?: boolean; filter?: (ws: WebSocket) => boolean } = {}): number {
    const message = data instanceof PreparedMessage ? data : prepareMessage(data, options);
    let count = 0;
    for (const ws of this.clients) {
      if (ws.readyState !== WebSocket.OPEN || (options.filter && !options.filter(ws))) continue;
      ws.sendPrepared(message);
      count++;
    }
    return count;
  }

  /**
   * Stops accepting connections and closes every client with 1001 (going away).
   * `cb` runs once the owned HTTP server has closed and every client is gone.
   */
  close(cb?: (err?: Error) => void): void {
    if (this.closing) {
      if (cb) this.once('close', cb);
      return;
    }
    this.closing = true;
    this.heartbeat?.stop();
    this.pending?.destroyAll();
    this.detach();
    for (const ws of this.clients) ws.close(CloseCode.GoingAway, 'Server shutting down');
    const waitClients = Promise.all([...this.clients].map((ws) => (ws.readyState === WebSocket.CLOSED ? null : new Promise((r) => ws.once('close', r)))));
    const waitServer = new Promise<void>((resolve) => {
      if (!this.ownsServer || !this.httpServer) return resolve();
      this.httpServer.close(() => resolve());
      this.httpServer.closeIdleConnections?.();
    });
    if (cb) this.once('close', cb);
    void Promise.all([waitClients, waitServer]).then(() => this.emit('close'));
  }
}

function onHandshakeSocketError(this: Duplex): void {
  this.destroy();
}

/** Answers a refused handshake and closes the socket once the answer is written. */
export function abortHandshake(socket: Duplex, status: number, message: string, headers?: Record<string, string>): void {
  if (socket.destroyed) return;
  socket.once('finish', () => socket.destroy());
  socket.end(buildRejectResponse(status, message, headers));
}

/**
 * Sockets waiting for their first bytes, dropped after handshakeTimeout (to 1.5 times it) of
 * silence: one interval for all of them, ticking only while some wait, three generations of
 * sets instead of a timer per socket.
 */
class PendingSockets {
  private young = new Set<Socket>();
  private middle = new Set<Socket>();
  private old = new Set<Socket>();
  private timer: NodeJS.Timeout | null = null;
  private readonly tickMs: number;

  constructor(timeoutMs: number) {
    this.tickMs = Math.max(1, Math.floor(timeoutMs / 2));
  }

  add(socket: Socket): void {
    this.young.add(socket);
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), this.tickMs);
      this.timer.unref();
    }
  }

  delete(socket: Socket): void {
    if (!this.young.delete(socket) && !this.middle.delete(socket)) this.old.delete(socket);
  }

  destroyAll(): void {
    for (const set of [this.young, this.middle, this.old]) {
      for (const socket of set) socket.destroy();
      set.clear();
    }
    this.stop();
  }

  private tick(): void {
    const expired = this.old;
    this.old = this.middle;
    this.middle = this.young;
    this.young = expired;
    for (const socket of expired) socket.destroy();
    expired.clear();
    if (this.old.size === 0 && this.middle.size === 0) this.stop();
  }

  private stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}

/** A socket of the server's own HTTP server (port mode): waits for its first bytes. */
function acceptSocket(server: WebSocketServer, socket: Socket, pending: PendingSockets, toHttp: (socket: Socket) => void): void {
  pending.add(socket);
  const onError = () => {
    pending.delete(socket);
    socket.destroy();
  };
  const onFirstData = (chunk: Buffer) => {
    pending.delete(socket);
    socket.off('data', onFirstData);
    socket.off('error', onError);
    socket.off('end', onError);
    const head = parseUpgradeHead(chunk);
    const onUpgrade = server.onFastUpgrade;
    if (head === null || onUpgrade === null) {
      // node:http reads the socket from these bytes on, as if it had read them itself.
      socket.pause();
      socket.unshift(chunk);
      toHttp(socket);
      socket.resume();
      return;
    }
    const req = new http.IncomingMessage(socket);
    req.method = 'GET';
    req.url = head.url;
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.httpVersion = '1.1';
    req.headers = head.headers;
    req.rawHeaders = head.rawHeaders;
    req.complete = true;
    (req as { upgrade?: boolean }).upgrade = true;
    // Nothing more is read until the connection is open (verifyUpgrade may take its time).
    socket.pause();
    onUpgrade(req, socket, chunk.subarray(head.length));
  };
  socket.on('data', onFirstData);
  // An error, or the peer's FIN before any byte: nothing to answer.
  socket.on('error', onError);
  socket.on('end', onError);
}
