// The HTTP front of the transports: GET /connection/{sse,stream,poll} opens or resumes a
// session, POST /connection/send feeds it commands, GET /connection/events follows
// channels without an SDK. Requests for a session held by another node go through the
// SessionRouter (any-node routing, over the server's one NodeLink); with none, this node is
// the only one.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NodeLink } from '../broker/cluster/node-link.js';
import type { Hub } from '../hub/hub.js';
import { ClusterRouter } from './cluster-router.js';
import { DisconnectCode, LIVENESS_RANGE_MS } from '../wire/index.js';
import { EventsEndpoint } from './events/events-endpoint.js';
import { refusals, sendError, streamHeaders, TransportError } from './http-answers.js';
import type { ResolvedTransportOptions } from './options.js';
import { checkOrigin, PREFLIGHT_HEADERS } from './origin.js';
import { readBody, splitCommands } from './post-body.js';
import { ResponseDownstream } from './response-downstream.js';
import { SessionCaps, type AdmitSession } from './session-caps.js';
import { ownerOf } from './session-id.js';
import { SessionRegistry } from './session-registry.js';
import type { SessionRouter } from './session-router.js';
import { FORMATS, SessionService, type AttachRequest, type PostRequest } from './session-service.js';
import type { WireFormat } from './wire-format.js';

export interface TransportEndpointOptions {
  hub: Hub;
  options: ResolvedTransportOptions;
  /** The paths' prefix, `/connection` by default (the WebSocket path's folder). */
  prefix: string;
  /** This node's id (the server's `nodeId`), the first part of its session ids. */
  nodeId: string;
  /** Counts a session against the server's connection caps. */
  admit?: AdmitSession;
  now?: () => number;
}

type Route = WireFormat['transport'] | 'send' | 'events';

export interface TransportStats {
  /** Bidirectional sessions held by this node. */
  sessions: number;
  /** Sessions and event streams refused with 503 (too many). */
  sessionsRefused: number;
}

const SEQ = /^\d{1,15}$/;

export class TransportEndpoint {
  readonly nodeId: string;
  readonly service: SessionService;
  readonly options: ResolvedTransportOptions;
  private readonly routes = new Map<string, Route>();
  private readonly events: EventsEndpoint;
  private router: SessionRouter | undefined;
  private routing: ClusterRouter | undefined;
  private readonly hub: Hub;

  constructor(config: TransportEndpointOptions) {
    this.hub = config.hub;
    this.nodeId = config.nodeId;
    this.options = config.options;
    const caps = new SessionCaps(config.options.maxSessions, config.admit);
    const registry = new SessionRegistry(config.options, config.now ?? Date.now);
    this.service = new SessionService(config.hub, registry, caps, this.nodeId);
    this.events = new EventsEndpoint(config.hub, config.options, caps);
    const prefix = config.prefix.replace(/\/$/, '');
    this.routes.set(`${prefix}/sse`, 'sse');
    this.routes.set(`${prefix}/stream`, 'http-stream');
    this.routes.set(`${prefix}/poll`, 'long-polling');
    this.routes.set(`${prefix}/send`, 'send');
    this.routes.set(`${prefix}/events`, 'events');
  }

  /** Sets the any-node router (a cluster broker); without one, sessions of other nodes are unknown (404). */
  setRouter(router: SessionRouter | undefined): void {
    this.router = router;
  }

  /**
   * Routes requests for other nodes' sessions over `link`, the server's NodeLink for this
   * node id (its owner starts and closes it); stopRouting() takes the routing's kinds off it.
   */
  startRouting(link: NodeLink): void {
    if (this.routing !== undefined) return;
    if (link.nodeId !== this.nodeId) throw new Error(`the node link is node ${link.nodeId}'s, the transports are node ${this.nodeId}'s`);
    const router = new ClusterRouter(link, this.service, this.options, this.hub.options.limits.highWaterMark);
    this.routing = router;
    this.setRouter(router);
  }

  stopRouting(): void {
    const router = this.routing;
    if (router === undefined) return;
    this.routing = undefined;
    if (this.router === router) this.router = undefined;
    router.close();
  }

  get stats(): TransportStats {
    return { sessions: this.service.registry.size, sessionsRefused: this.service.caps.refused };
  }

  /** Answers the request and returns true when its path is one of the transports'. */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    const route = this.routes.get(pathOf(req.url));
    if (route === undefined) return false;
    const origin = checkOrigin(req, this.options.allowedOrigins);
    if (!origin.allowed) {
      sendError(res, refusals.originNotAllowed());
      return true;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...origin.headers, ...PREFLIGHT_HEADERS });
      res.end();
      return true;
    }
    const answer = (error: unknown) => {
      if (error instanceof TransportError) sendError(res, error, origin.headers);
      else sendError(res, new TransportError(500, 'internal', 'internal error'), origin.headers);
    };
    try {
      if (route === 'send') {
        if (req.method !== 'POST') throw refusals.methodNotAllowed('POST');
        this.handlePost(req, res, origin.headers).catch(answer);
      } else {
        if (req.method !== 'GET') throw refusals.methodNotAllowed('GET');
        if (route === 'events') this.events.handle(req, res, origin.headers);
        else this.handleGet(route, req, res, origin.headers).catch(answer);
      }
    } catch (error) {
      answer(error);
    }
    return true;
  }

  /** Closes every session and event stream (attached responses get the close code). */
  close(code: number = DisconnectCode.shutdown, reason = 'server shutdown'): void {
    this.service.registry.closeAll(code, reason);
    this.events.closeAll(code, reason);
  }

  private async handleGet(transport: WireFormat['transport'], req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<void> {
    const query = queryOf(req.url);
    const format = FORMATS[transport];
    const sessionId = query.get('session');
    // EventSource sends Last-Event-ID by itself; it counts on a resume only (an open ignores it).
    const lastEventId = transport === 'sse' && sessionId !== null ? req.headers['last-event-id'] : undefined;
    const ack = parseSeq(query.get('ack') ?? (typeof lastEventId === 'string' ? lastEventId : null));
    const headers = { ...streamHeaders(format.contentType), ...cors };
    if (sessionId === null) {
      if (ack !== undefined) throw refusals.badRequest('ack without session');
      // Long-polling needs no promise: each poll is a request, and its GETs are held for pollTimeoutMs.
      const liveness = format.kind === 'stream' ? parseLiveness(query.get('liveness')) : 0;
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      const downstream = new ResponseDownstream(res);
      const session = this.service.open(format, downstream, req.socket.remoteAddress ?? '', liveness);
      if (session instanceof TransportError) {
        for (const name of Object.keys(headers)) res.removeHeader(name);
        throw session;
      }
      res.on('close', () => session.detach(downstream));
      return;
    }
    const request: AttachRequest = { session: sessionId, transport, ack };
    const owner = ownerOf(sessionId);
    if (owner === undefined) throw refusals.badRequest('malformed session id');
    if (owner !== this.nodeId) {
      if (this.router === undefined) throw refusals.unknownSession();
      const refused = await this.router.attach(owner, request, res, headers);
      if (refused !== undefined) throw refused;
      return;
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const downstream = new ResponseDownstream(res);
    const refused = this.service.attach(request, downstream);
    if (refused !== undefined) {
      for (const name of Object.keys(headers)) res.removeHeader(name);
      throw refused;
    }
    res.on('close', () => this.service.detach(sessionId, downstream));
  }

  private async handlePost(req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<void> {
    const query = queryOf(req.url);
    const sessionId = query.get('session');
    if (sessionId === null) throw refusals.badRequest('session is required');
    const owner = ownerOf(sessionId);
    if (owner === undefined) throw refusals.badRequest('malformed session id');
    const ack = parseSeq(query.get('ack'));
    const body = await readBody(req, this.options.maxPostSize);
    const commands = splitCommands(body);
    if (commands instanceof TransportError) throw commands;
    const close = query.get('close') === '1';
    if (commands.length === 0 && ack === undefined && !close) throw refusals.badRequest('no command in the body');
    const request: PostRequest = { session: sessionId, commands, ack, ...(close ? { close } : {}) };
    let refused: TransportError | undefined;
    if (owner === this.nodeId) refused = this.service.post(request);
    else if (this.router === undefined) refused = refusals.unknownSession();
    else refused = await this.router.post(owner, request);
    if (refused !== undefined) throw refused;
    res.writeHead(204, { 'cache-control': 'no-store', ...cors });
    res.end();
  }
}

function pathOf(url: string | undefined): string {
  const value = url ?? '/';
  const query = value.indexOf('?');
  return query < 0 ? value : value.slice(0, query);
}

function queryOf(url: string | undefined): URLSearchParams {
  const value = url ?? '';
  const query = value.indexOf('?');
  return new URLSearchParams(query < 0 ? '' : value.slice(query + 1));
}

/** The `liveness` of an opening GET; 0 when absent; a 400 when not a whole number of ms in range. */
function parseLiveness(text: string | null): number {
  if (text === null || text === '') return 0;
  const ms = /^\d{1,7}$/.test(text) ? Number(text) : NaN;
  if (!(ms >= LIVENESS_RANGE_MS.min && ms <= LIVENESS_RANGE_MS.max)) {
    throw refusals.badRequest(`liveness must be a whole number of ms from ${LIVENESS_RANGE_MS.min} to ${LIVENESS_RANGE_MS.max}`);
  }
  return ms;
}

/** A sequence number from the query or Last-Event-ID; undefined when absent; a 400 when malformed. */
function parseSeq(text: string | null): number | undefined {
  if (text === null || text === '') return undefined;
  if (!SEQ.test(text)) throw refusals.badRequest('ack must be a sequence number');
  return Number(text);
}
