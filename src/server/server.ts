// VolleyServer: the hub's WebSocket endpoint, the HTTP API and static files on one
// port, or attached to an existing http server; connection limits; and a graceful shutdown.

import http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { MemoryBroker } from '../broker/memory.js';
import type { Broker } from '../broker/broker.js';
import { NodeLink, newNodeId } from '../broker/cluster/node-link.js';
import { Hub } from '../hub/hub.js';
import { DisconnectCode, SUBPROTOCOL } from '../wire/index.js';
import { WebSocketServer, abortHandshake, type WebSocket } from '../ws/index.js';
import { AdminConsole, type AdminOptions } from './admin-console.js';
import { CLIENT_BUNDLE_PATH, serveClientBundle } from './client-bundle.js';
import { ConnectionLimiter } from './connection-limits.js';
import { REFUSAL_GRACE_MS, SERVER_DEFAULTS, TIMEOUT_CHECK_INTERVAL_MS } from './defaults.js';
import { createHttpApi, localConnections, type HttpApi } from './http-api.js';
import { listen, pathOf, sendText, settleWithin } from './http-util.js';
import { NodeStats } from './node-stats.js';
import { checkOptions } from './option-errors.js';
import { volleyServerOptionsSchema, type VolleyServerOptions } from './options-schema.js';
import type { ServerRoute } from './routes.js';
import { createStaticHandler, type StaticHandler } from './static-files.js';
import { connectWebSocket } from './websocket-session.js';
import { TransportEndpoint, resolveTransportOptions, type TransportStats } from '../transports/index.js';
import { answerConnections } from './remote-connections.js';
import { packageVersion } from './version.js';
import { BrokerProbe } from './broker-probe.js';
import { loggingObserver, type Logger } from './logger.js';
import type { ServerMetrics } from './metrics.js';
import { answerHealth, answerMetrics, METRICS_PATH, startMetricsListener, type Unreadiness } from './ops-endpoints.js';
import type { MqttBridge } from '../bridges/mqtt/index.js';
import { resolveMqttBridgeOptions } from '../bridges/mqtt/options.js';

export type { VolleyServerOptions } from './options-schema.js';

/** Figures of the server itself (the hub keeps its own in `hub.stats`). */
export interface ServerStats {
  /** Connections counted against the limits now. */
  readonly connections: number;
  /** Connections refused with 503 because of maxConnections or maxConnectionsPerAddress. */
  readonly connectionsRefused: number;
  /** The HTTP transports' sessions; undefined when `transports.enabled` is false. */
  readonly transports: TransportStats | undefined;
}

const TOO_MANY = 'Too many connections';

export class VolleyServer {
  readonly hub: Hub;
  /** The server listened on or attached to; undefined when detached. */
  readonly httpServer: http.Server | https.Server | undefined;
  readonly api: HttpApi | undefined;
  /** The admin console; undefined without the `admin` option. */
  readonly admin: AdminConsole | undefined;
  /** This node's figures and its peers' (with `api` or `admin`). */
  readonly nodeStats: NodeStats | undefined;
  /** This node's id (the `nodeId` option, or a random one): its session ids, inbox, `info`. */
  readonly nodeId: string;
  /**
   * The one node-to-node link of this server, with a shared broker, once ready() has resolved:
   * the transports' routing and the API's cross-node `connections` use it. One per node id,
   * as the broker keeps one handler per channel (its inbox).
   */
  nodeLink: NodeLink | undefined;
  private readonly options: VolleyServerOptions;
  private readonly wss: WebSocketServer;
  private readonly staticFiles: StaticHandler | undefined;
  private readonly routes: readonly ServerRoute[];
  private readonly limiter: ConnectionLimiter;
  /** SSE, HTTP streaming, long-polling and /connection/events; undefined when disabled. */
  readonly transports: TransportEndpoint | undefined;
  /** Sockets of an owned server that came in over a limit: their request gets 503. */
  private readonly refusedSockets = new WeakSet<object>();
  private readonly ownsServer: boolean;
  private readonly ownsHub: boolean;
  /** The MemoryBroker this server made for its hub (no broker given), closed with it. */
  private readonly ownBroker: Broker | undefined;
  private readonly websocketPath: string;
  private readonly apiPrefix: string;
  private readonly shutdownTimeoutMs: number;
  private readonly onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => this.handleRequest(req, res);
  private readonly onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(req, socket, head);
  private closing: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  /** The MQTT bridge once ready() has resolved; undefined without the `mqtt` option. */
  mqttBridge: MqttBridge | undefined;
  private readonly logger: Logger | undefined;
  private readonly probe: BrokerProbe;
  private metrics: ServerMetrics | undefined;
  /** The metrics listener of its own, once ready() has started it. */
  private metricsServer: http.Server | undefined;
  private started = false;
  private draining: Promise<void> | undefined;
  /** Removes this server's observers from the hub (which may outlive it when it was given). */
  private readonly unobserve: Array<() => void> = [];
  private endDrainDelay: (() => void) | undefined;

  /** Throws an OptionError (a TypeError) naming the first option that is wrong. */
  constructor(input: VolleyServerOptions = {}) {
    const options = checkOptions(volleyServerOptionsSchema, input, (path) => (path.length === 0 ? 'the options' : path.join('.')));
    this.options = options;
    // A bad bridge rule stops the construction, naming the rule, before anything starts.
    if (options.mqtt !== undefined) resolveMqttBridgeOptions(options.mqtt, 'mqtt');
    this.ownsHub = options.hub === undefined;
    this.ownBroker = options.hub === undefined && options.broker === undefined ? new MemoryBroker() : undefined;
    this.hub = options.hub ?? new Hub({ ...options, broker: options.broker ?? this.ownBroker! });
    this.routes = options.routes ?? [];
    this.websocketPath = options.websocketPath ?? SERVER_DEFAULTS.websocketPath;
    this.apiPrefix = (options.api?.prefix ?? SERVER_DEFAULTS.apiPrefix).replace(/\/$/, '');
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? SERVER_DEFAULTS.shutdownTimeoutMs;
    this.admin = options.admin === undefined ? undefined : this.startAdmin(options.admin);
    const withApi = options.api !== undefined || this.admin !== undefined;
    this.nodeId = options.nodeId ?? newNodeId();
    this.nodeStats = withApi
      ? new NodeStats(this.hub, { nodeId: this.nodeId, version: packageVersion(), intervalMs: options.nodeStatsIntervalMs ?? SERVER_DEFAULTS.nodeStatsIntervalMs })
      : undefined;
    // The console's login grants the API (it uses nothing else), even where no API key is set.
    this.api = withApi
      ? createHttpApi(this.hub, options.api ?? {}, {
        nodeStats: this.nodeStats, nodeLink: () => this.nodeLink, serverLimits: this.serverLimits(), authorize: this.admin?.authorize,
      })
      : undefined;
    this.staticFiles = options.staticDir === undefined ? undefined : createStaticHandler(options.staticDir);
    this.limiter = new ConnectionLimiter({
      maxConnections: options.maxConnections ?? SERVER_DEFAULTS.maxConnections,
      maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? SERVER_DEFAULTS.maxConnectionsPerAddress,
      exemptLoopback: options.exemptLoopback ?? SERVER_DEFAULTS.exemptLoopback,
    });
    const transportOptions = resolveTransportOptions(options.transports, this.hub.options.limits.maxMessageSize, options.origins);
    this.transports = transportOptions.enabled
      ? new TransportEndpoint({
          hub: this.hub,
          nodeId: this.nodeId,
          options: transportOptions,
          prefix: this.websocketPath.slice(0, this.websocketPath.lastIndexOf('/')) || '/',
          admit: (address) => {
            const lease = this.limiter.lease(address);
            return typeof lease === 'function' ? lease : undefined;
          },
        })
      : undefined;
    const handshakeTimeoutMs = options.handshakeTimeoutMs ?? SERVER_DEFAULTS.handshakeTimeoutMs;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.hub.options.limits.maxMessageSize,
      heartbeatInterval: options.heartbeatIntervalMs ?? SERVER_DEFAULTS.heartbeatIntervalMs,
      perMessageDeflate: options.perMessageDeflate ?? SERVER_DEFAULTS.perMessageDeflate,
      handshakeTimeout: handshakeTimeoutMs,
      ...options.websocket,
      ...(options.origins === undefined ? {} : { origins: options.origins }),
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
      verifyUpgrade: (_req, info) =>
        info.protocols.includes(SUBPROTOCOL) ? true : { status: 400, message: `Subprotocol ${SUBPROTOCOL} required` },
    });
    this.ownsServer = options.server === undefined && options.detached !== true;
    this.httpServer = options.detached ? undefined : (options.server ?? this.createOwnServer(handshakeTimeoutMs));
    this.httpServer?.on('request', this.onRequest);
    this.httpServer?.on('upgrade', this.onUpgrade);
    this.logger = options.logger;
    if (this.logger !== undefined) {
      const logger = this.logger;
      this.unobserve.push(this.hub.observe(loggingObserver(logger)));
      if (this.ownsHub) this.hub.onInternalError = (error) => logger.error({ event: 'internal_error', err: error }, 'internal error');
    }
    this.wss.on('handshakeError', (error: { status: number; message: string }, req: http.IncomingMessage) =>
      this.refused(error.status, error.message, req.socket.remoteAddress));
    this.probe = new BrokerProbe(this.hub.broker, options.brokerProbeIntervalMs ?? SERVER_DEFAULTS.brokerProbeIntervalMs, {
      roundTrip: (seconds) => this.metrics?.brokerRoundTrip(seconds),
      lost: (error) => {
        this.metrics?.brokerLost();
        this.logger?.error({ event: 'broker_lost', error: error.message }, 'broker unreachable: /readyz answers 503 until it is back');
      },
      back: (downMs) => {
        this.metrics?.brokerBack(downMs / 1000);
        this.logger?.info({ event: 'broker_back', downMs }, 'broker reachable again');
      },
    });
  }

  /** Counts and logs a connection refused with an HTTP status before it became a session. */
  /** The console, with logouts carried to every node over the broker's control messages. */
  private startAdmin(options: AdminOptions): AdminConsole {
    const admin = new AdminConsole(options, Date.now, undefined, this.apiPrefix, (session) => this.hub.broker.publishControl({ type: 'admin-revoke', ...session }));
    this.unobserve.push(this.hub.onControl((message) => {
      if (message.type === 'admin-revoke') admin.revoke(message);
    }));
    return admin;
  }

  private refused(status: number, reason: string, remote: string | undefined): void {
    this.metrics?.handshakeRefused(status);
    this.logger?.info({ event: 'refuse', stage: 'handshake', status, reason, remote }, 'connection refused');
  }

  /**
   * An http server whose timeouts protect it: headers within the handshake timeout (Node
   * waits 60 s and checks only every 30 s), and every connection counted from its first byte.
   */
  private createOwnServer(handshakeTimeoutMs: number): http.Server {
    const server = http.createServer({
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      headersTimeout: handshakeTimeoutMs,
      requestTimeout: this.options.requestTimeoutMs ?? SERVER_DEFAULTS.requestTimeoutMs,
      keepAliveTimeout: this.options.idleTimeoutMs ?? SERVER_DEFAULTS.idleTimeoutMs,
    });
    server.on('connection', (socket) => {
      const refusal = this.limiter.admit(socket);
      if (refusal === undefined) return;
      this.refused(503, refusal === 'total' ? 'maxConnections reached' : 'maxConnectionsPerAddress reached', socket.remoteAddress);
      // Over a limit: its request (if it sends one soon) is answered 503, then it is closed.
      this.refusedSockets.add(socket);
      socket.setTimeout(REFUSAL_GRACE_MS, () => socket.destroy());
    });
    return server;
  }

  /** The server's limits in force, as the API's `info` shows them. */
  private serverLimits(): Record<string, unknown> {
    const o = this.options;
    return {
      maxConnections: o.maxConnections ?? SERVER_DEFAULTS.maxConnections,
      maxConnectionsPerAddress: o.maxConnectionsPerAddress ?? SERVER_DEFAULTS.maxConnectionsPerAddress,
      handshakeTimeoutMs: o.handshakeTimeoutMs ?? SERVER_DEFAULTS.handshakeTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs ?? SERVER_DEFAULTS.requestTimeoutMs,
      idleTimeoutMs: o.idleTimeoutMs ?? SERVER_DEFAULTS.idleTimeoutMs,
      heartbeatIntervalMs: o.heartbeatIntervalMs ?? SERVER_DEFAULTS.heartbeatIntervalMs,
      apiMaxBodySize: o.api?.maxBodySize ?? SERVER_DEFAULTS.apiMaxBodySize,
    };
  }

  /** Connection figures; the hub's own are in `hub.stats`. */
  get stats(): ServerStats {
    return { connections: this.limiter.connections, connectionsRefused: this.limiter.refused, transports: this.transports?.stats };
  }

  /** Resolves once the hub (and its broker) is ready; what a detached host awaits. */
  ready(): Promise<void> {
    this.starting ??= (async () => {
      await this.hub.ready();
      // With a shared broker there may be other nodes: one link to them for everything asked
      // of another node (transports' routing, the API's `connections`; docs/clustering.md).
      if (this.ownBroker === undefined) {
        const link = new NodeLink(this.hub.broker, this.nodeId);
        this.transports?.startRouting(link);
        if (this.api !== undefined) answerConnections(link, (params) => localConnections(this.hub, this.nodeId, params));
        this.nodeLink = link;
        await link.start();
      }
      this.nodeStats?.start();
      if (this.options.mqtt !== undefined) {
        const { startMqttBridge, hubBridgeHost } = await import('../bridges/mqtt/index.js');
        const logger = this.logger;
        const runtime = logger === undefined ? {} : { log: (line: string) => logger.warn({ event: 'mqtt' }, line) };
        this.mqttBridge = await startMqttBridge(this.options.mqtt, hubBridgeHost(this.hub), runtime);
      }
      if (this.options.metrics?.enabled === true) await this.startMetrics();
      this.probe.start();
      this.started = true;
    })();
    return this.starting;
  }

  /** Loads prom-client, observes the hub, and starts the metrics listener of its own unless a token guards the main port. */
  private async startMetrics(): Promise<void> {
    const { createMetrics } = await import('./metrics.js');
    this.metrics = await createMetrics({
      hub: this.hub,
      connections: () => this.limiter.connections,
      brokerUp: () => this.probe.reachable,
      ready: () => this.unreadiness() === undefined,
      mqttStats: () => this.mqttBridge?.stats(),
    });
    this.unobserve.push(this.hub.observe(this.metrics.observer));
    const { token, port, host } = this.options.metrics ?? {};
    const ownPort = port ?? (token === undefined ? SERVER_DEFAULTS.metricsPort : undefined);
    if (ownPort === undefined) return;
    const metricsHost = host ?? SERVER_DEFAULTS.metricsHost;
    const { server, address } = await startMetricsListener(ownPort, metricsHost, this.metrics, token).catch((error: Error) => {
      // Its own message: an EADDRINUSE here is not about the main port.
      throw new Error(`cannot start the metrics listener on ${metricsHost}:${ownPort} (metrics.port): ${error.message}`, { cause: error });
    });
    this.metricsServer = server;
    this.logger?.info({ event: 'metrics_listening', address: address.address, port: address.port }, 'metrics listener started');
  }

  /** The address of the metrics listener of its own; undefined when there is none (yet). */
  get metricsAddress(): AddressInfo | undefined {
    return (this.metricsServer?.address() ?? undefined) as AddressInfo | undefined;
  }

  /** Why /readyz answers 503 now; undefined when it answers 200. */
  private unreadiness(): Unreadiness {
    if (this.draining !== undefined || this.closing !== undefined) return 'draining';
    if (!this.started) return 'starting';
    if (!this.probe.reachable) return 'broker unreachable';
    return undefined;
  }

  /** True from drain() (or close()) on. */
  get isDraining(): boolean {
    return this.draining !== undefined || this.closing !== undefined;
  }

  /**
   * Graceful shutdown for a load-balanced server: /readyz answers 503 at once, so that load
   * balancers stop sending new clients; after `delayMs` (default `drainDelayMs`) close()
   * closes every client with 1001. Calling close() meanwhile ends the wait. `beforeClose`
   * runs between the wait and close() (what the host stops first, e.g. its own publishers).
   * Idempotent: a second call returns the first one's promise.
   */
  drain(delayMs: number = this.options.drainDelayMs ?? SERVER_DEFAULTS.drainDelayMs, beforeClose?: () => Promise<void>): Promise<void> {
    if (this.draining === undefined) {
      this.logger?.info({ event: 'draining', delayMs }, 'draining: /readyz answers 503; clients are closed with 1001 after the delay');
      const delay = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        this.endDrainDelay = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.draining = delay.then(async () => {
        await beforeClose?.();
        await this.close();
      });
    }
    return this.draining;
  }

  /** Starts listening (owned server only). Resolves with the bound address. */
  async listen(): Promise<AddressInfo> {
    await this.ready();
    const server = this.httpServer;
    if (server === undefined) throw new Error('A detached VolleyServer does not listen: its host does; await ready() instead');
    if (!this.ownsServer) return server.address() as AddressInfo;
    return listen(server, this.options.port ?? SERVER_DEFAULTS.port, this.options.host);
  }

  /** Server-side publish, as hub.publish. */
  publish(channel: string, data: unknown): ReturnType<Hub['publish']> {
    return this.hub.publish(channel, data);
  }

  /**
   * Graceful shutdown: stop accepting connections and API calls, close every client with
   * 1001, let in-flight API calls and the routes finish, then close the listener. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    this.endDrainDelay?.();
    return this.closing;
  }

  /** Cuts every connection now (a second Ctrl-C); close() then ends at once. */
  terminate(): void {
    this.endDrainDelay?.();
    for (const ws of this.wss.clients) ws.terminate();
    this.transports?.close();
    for (const route of this.routes) route.terminate?.();
    if (this.ownsServer) this.httpServer?.closeAllConnections();
  }

  private async shutdown(): Promise<void> {
    this.probe.stop();
    const metricsServer = this.metricsServer;
    const metricsClosed = metricsServer === undefined ? Promise.resolve() : new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    metricsServer?.closeAllConnections();
    const server = this.httpServer;
    const listenerClosed = this.ownsServer && server?.listening
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    const socketsClosed = new Promise<void>((resolve) => this.wss.close(() => resolve()));
    const apiDrained = this.api?.drain() ?? Promise.resolve();
    const routesClosed = Promise.all(this.routes.map((route) => route.close?.()));
    await this.mqttBridge?.close();
    this.transports?.close();
    this.transports?.stopRouting();
    await this.nodeStats?.stop();
    await this.nodeLink?.close();
    if (this.ownsHub) await this.hub.close(DisconnectCode.shutdown, 'server shutdown');
    await this.ownBroker?.close();
    await settleWithin(Promise.all([apiDrained, socketsClosed, routesClosed]), this.shutdownTimeoutMs);
    for (const ws of this.wss.clients) ws.terminate();
    for (const route of this.routes) route.terminate?.();
    server?.off('request', this.onRequest);
    server?.off('upgrade', this.onUpgrade);
    if (this.ownsServer && server !== undefined) {
      server.closeIdleConnections();
      await settleWithin(listenerClosed, this.shutdownTimeoutMs);
      server.closeAllConnections();
    }
    await metricsClosed;
    for (const remove of this.unobserve.splice(0)) remove();
  }

  /** Takes an upgrade on the WebSocket path; returns false for any other path (detached hosts route it on). */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (this.refusedSockets.has(socket)) {
      abortHandshake(socket, 503, TOO_MANY, { 'retry-after': '5' });
      return true;
    }
    for (const route of this.routes) if (route.handleUpgrade?.(req, socket, head)) return true;
    if (pathOf(req) !== this.websocketPath) {
      // On a shared server another 'upgrade' listener may own this path.
      if (this.ownsServer || this.httpServer?.listenerCount('upgrade') === 1) {
        abortHandshake(socket, 404, 'Not Found');
        return true;
      }
      return false;
    }
    // Attached or detached, connections are counted here, at the upgrade.
    const refusal = this.limiter.admit(socket);
    if (refusal !== undefined) {
      this.refused(503, refusal === 'total' ? 'maxConnections reached' : 'maxConnectionsPerAddress reached', req.socket.remoteAddress);
      abortHandshake(socket, 503, TOO_MANY, { 'retry-after': '5' });
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req.socket.remoteAddress));
    return true;
  }

  private accept(ws: WebSocket, remoteAddress: string | undefined): void {
    connectWebSocket(this.hub, ws, remoteAddress);
  }

  /**
   * Answers Volley's paths (routes, API, client bundle, WebSocket path, static files) and returns
   * true; returns false for other paths when detached or on a shared server, so the host routes them on.
   */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (this.refusedSockets.has(req.socket)) {
      sendText(res, 503, TOO_MANY, { connection: 'close', 'retry-after': '5' });
      return true;
    }
    if (answerHealth(req, res, () => this.unreadiness())) return true;
    const path = pathOf(req);
    if (path === METRICS_PATH && this.metrics !== undefined && this.metricsServer === undefined) {
      answerMetrics(req, res, this.metrics, this.options.metrics?.token);
      return true;
    }
    for (const route of this.routes) if (route.handleRequest?.(req, res)) return true;
    if (this.transports?.handleRequest(req, res)) return true;
    if (this.admin?.handleRequest(req, res)) return true;
    if (this.api !== undefined && (path === this.apiPrefix || path.startsWith(`${this.apiPrefix}/`))) {
      this.api(req, res);
      return true;
    }
    if (path === CLIENT_BUNDLE_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      serveClientBundle(res).catch(() => sendText(res, 500, 'Internal Server Error'));
      return true;
    }
    if (path === this.websocketPath) {
      sendText(res, 426, 'Upgrade Required', { upgrade: 'websocket', 'sec-websocket-version': '13' });
      return true;
    }
    // Attached to someone else's server (or detached): leave other paths to their handlers.
    const ownsOtherPaths = this.ownsServer || this.httpServer?.listenerCount('request') === 1;
    if (this.staticFiles === undefined) {
      if (ownsOtherPaths) sendText(res, 404, 'Not Found');
      return ownsOtherPaths;
    }
    // Static files take every remaining path; a missing file is a 404 unless another
    // listener of a shared server may still answer it.
    const answersMisses = ownsOtherPaths || this.options.detached === true;
    this.staticFiles(req, res).then(
      (served) => {
        if (!served && answersMisses) sendText(res, 404, 'Not Found');
      },
      () => sendText(res, 500, 'Internal Server Error'),
    );
    return true;
  }
}

export function createServer(options: VolleyServerOptions = {}): VolleyServer {
  return new VolleyServer(options);
}
