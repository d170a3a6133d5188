// VolleyServer: the hub's WebSocket endpoint, the HTTP API and static files on one
// port, or attached to an existing http server; and a graceful shutdown.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Hub } from '../hub/hub.js';
import type { HubOptions } from '../hub/options.js';
import { DisconnectCode, SUBPROTOCOL } from '../hub/wire.js';
import { WebSocketServer, abortHandshake, type CompressionOption, type WebSocket } from '../ws/index.js';
import { createHttpApi, type HttpApi, type HttpApiOptions } from './http-api.js';
import { createStaticHandler, type StaticHandler } from './static-files.js';
import { CLIENT_BUNDLE_PATH, serveClientBundle } from './client-bundle.js';
import { WebSocketSession } from './websocket-session.js';
import type { MqttBridge, MqttBridgeOptions } from '../bridges/mqtt/index.js';

export interface VolleyServerOptions extends HubOptions {
  /** Use this hub instead of creating one from the hub options. */
  hub?: Hub;
  /** Port to listen on when no `server` is given. Default 8000 (0 picks a free port). */
  port?: number;
  /** Host to listen on. Default: all interfaces. */
  host?: string;
  /** Attach to this http server instead of creating one; listen() is then up to you. */
  server?: http.Server;
  /**
   * Neither create nor attach to a server: the host routes requests and upgrades to
   * handleRequest() / handleUpgrade(), which return false for paths that are not Volley's.
   * Default false.
   */
  detached?: boolean;
  /** Path of the WebSocket endpoint. Default '/connection/websocket'. */
  websocketPath?: string;
  /** Mounts the HTTP API when given (it needs an apiKey). Default: no API. */
  api?: HttpApiOptions;
  /** Serve the files of this directory at '/'. Default: none. */
  staticDir?: string;
  /** Allowed Origin header values for WebSocket upgrades. Default: any origin. */
  origins?: string[];
  /** WebSocket ping interval; dead peers are dropped after one missed pong. 0 disables. Default 25000. */
  heartbeatIntervalMs?: number;
  /** permessage-deflate for WebSocket clients. Default false. */
  perMessageDeflate?: CompressionOption;
  /** How long close() waits for in-flight API calls and closing handshakes. Default 10000. */
  shutdownTimeoutMs?: number;
  /** An MQTT bridge (docs/mqtt.md), started by ready()/listen(); MQTT.js is loaded only then. Default: none. */
  mqtt?: MqttBridgeOptions;
}

export class VolleyServer {
  readonly hub: Hub;
  /** The server listened on or attached to; undefined when detached. */
  readonly httpServer: http.Server | undefined;
  readonly api: HttpApi | undefined;
  private readonly wss: WebSocketServer;
  private readonly staticFiles: StaticHandler | undefined;
  private readonly ownsServer: boolean;
  private readonly ownsHub: boolean;
  private readonly websocketPath: string;
  private readonly apiPrefix: string;
  private readonly shutdownTimeoutMs: number;
  private readonly onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => this.handleRequest(req, res);
  private readonly onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(req, socket, head);
  private closing: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  /** The MQTT bridge once ready() has resolved; undefined without the `mqtt` option. */
  mqttBridge: MqttBridge | undefined;

  constructor(private readonly options: VolleyServerOptions = {}) {
    this.ownsHub = options.hub === undefined;
    this.hub = options.hub ?? new Hub(options);
    this.websocketPath = options.websocketPath ?? '/connection/websocket';
    this.apiPrefix = (options.api?.prefix ?? '/api').replace(/\/$/, '');
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    this.api = options.api === undefined ? undefined : createHttpApi(this.hub, options.api);
    this.staticFiles = options.staticDir === undefined ? undefined : createStaticHandler(options.staticDir);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.hub.options.limits.maxMessageSize,
      heartbeatInterval: options.heartbeatIntervalMs ?? 25_000,
      perMessageDeflate: options.perMessageDeflate ?? false,
      ...(options.origins === undefined ? {} : { origins: options.origins }),
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
      verifyUpgrade: (_req, info) =>
        info.protocols.includes(SUBPROTOCOL) ? true : { status: 400, message: `Subprotocol ${SUBPROTOCOL} required` },
    });
    this.ownsServer = options.server === undefined && options.detached !== true;
    this.httpServer = options.detached ? undefined : (options.server ?? http.createServer());
    this.httpServer?.on('request', this.onRequest);
    this.httpServer?.on('upgrade', this.onUpgrade);
  }

  /** Resolves once the hub (and its broker) is ready, and the MQTT bridge subscribed; what a detached host awaits. */
  ready(): Promise<void> {
    this.starting ??= (async () => {
      await this.hub.ready();
      if (this.options.mqtt === undefined) return;
      const { startMqttBridge, hubBridgeHost } = await import('../bridges/mqtt/index.js');
      this.mqttBridge = await startMqttBridge(this.options.mqtt, hubBridgeHost(this.hub));
    })();
    return this.starting;
  }

  /** Starts listening (owned server only). Resolves with the bound address. */
  async listen(): Promise<AddressInfo> {
    await this.ready();
    const server = this.httpServer;
    if (server === undefined) throw new Error('A detached VolleyServer does not listen: its host does; await ready() instead');
    if (!this.ownsServer) return server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 8000, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  /** Server-side publish, as hub.publish. */
  publish(channel: string, data: unknown): ReturnType<Hub['publish']> {
    return this.hub.publish(channel, data);
  }

  /**
   * Graceful shutdown: stop accepting connections and API calls, close every client with
   * 1001, let in-flight API calls finish, then close the listener. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const server = this.httpServer;
    const listenerClosed = this.ownsServer && server?.listening
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    const socketsClosed = new Promise<void>((resolve) => this.wss.close(() => resolve()));
    const apiDrained = this.api?.drain() ?? Promise.resolve();
    await this.mqttBridge?.close();
    if (this.ownsHub) await this.hub.close(DisconnectCode.shutdown, 'server shutdown');
    await withTimeout(Promise.all([apiDrained, socketsClosed]), this.shutdownTimeoutMs);
    for (const ws of this.wss.clients) ws.terminate();
    server?.off('request', this.onRequest);
    server?.off('upgrade', this.onUpgrade);
    if (this.ownsServer && server !== undefined) {
      server.closeIdleConnections();
      await withTimeout(listenerClosed, this.shutdownTimeoutMs);
      server.closeAllConnections();
    }
  }

  /** Takes an upgrade on the WebSocket path; returns false for any other path (detached hosts route it on). */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (pathOf(req) !== this.websocketPath) {
      // On a shared server another 'upgrade' listener may own this path.
      if (this.ownsServer || this.httpServer?.listenerCount('upgrade') === 1) {
        abortHandshake(socket, 404, 'Not Found');
        return true;
      }
      return false;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    return true;
  }

  private accept(ws: WebSocket): void {
    const client = this.hub.connect(new WebSocketSession(ws));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) client.close(1003, 'binary frames are not supported');
      else client.handleText(data.toString('utf8'));
    });
    ws.on('close', () => client.handleClose());
    ws.on('error', () => {});
  }

  /**
   * Answers Volley's paths (API, client bundle, WebSocket path, static files) and returns true;
   * returns false for other paths when detached or on a shared server, so the host routes them on.
   */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const path = pathOf(req);
    if (this.api !== undefined && (path === this.apiPrefix || path.startsWith(`${this.apiPrefix}/`))) {
      this.api(req, res);
      return true;
    }
    if (path === CLIENT_BUNDLE_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      serveClientBundle(res).catch(() => respond(res, 500, 'Internal Server Error'));
      return true;
    }
    if (path === this.websocketPath) {
      respond(res, 426, 'Upgrade Required', { upgrade: 'websocket', 'sec-websocket-version': '13' });
      return true;
    }
    // Attached to someone else's server (or detached): leave other paths to their handlers.
    const ownsOtherPaths = this.ownsServer || this.httpServer?.listenerCount('request') === 1;
    if (this.staticFiles === undefined) {
      if (ownsOtherPaths) respond(res, 404, 'Not Found');
      return ownsOtherPaths;
    }
    // Static files take every remaining path; a missing file is a 404 unless another
    // listener of a shared server may still answer it.
    const answersMisses = ownsOtherPaths || this.options.detached === true;
    this.staticFiles(req, res).then(
      (served) => {
        if (!served && answersMisses) respond(res, 404, 'Not Found');
      },
      () => respond(res, 500, 'Internal Server Error'),
    );
    return true;
  }
}

export function createServer(options: VolleyServerOptions = {}): VolleyServer {
  return new VolleyServer(options);
}

function pathOf(req: http.IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}

function respond(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
