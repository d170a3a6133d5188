// The server API over HTTP: POST /api/<method> with a JSON body, guarded by an API key
// (`Authorization: apikey KEY`). Answers are JSON: {"result": …} or {"error": {code, name,
// message}} with a matching HTTP status. It lives in server/ rather than hub/ because it
// does I/O; it only calls the hub's public API.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  isPlainObject,
  optionalDirection,
  optionalLimit,
  optionalPosition,
  optionalString,
  publicationData,
  requireString,
  type Params,
} from '../hub/decode.js';
import { HubError, toWireError } from '../hub/errors.js';
import { jsonDepthExceeds } from '../hub/json-depth.js';
import type { Hub } from '../hub/hub.js';
import type { NodeLink } from '../broker/cluster/node-link.js';
import { SERVER_DEFAULTS } from './defaults.js';
import { NodeStats } from './node-stats.js';
import { askConnections } from './remote-connections.js';
import { packageVersion } from './version.js';
import { DisconnectCode, WireErrorCode as ErrorCode, isApplicationCloseCode, type WireError } from '../wire/index.js';

export interface HttpApiOptions {
  /** The key clients send as `Authorization: apikey KEY`. Required unless `HttpApiExtras.authorize` is given. */
  apiKey?: string | undefined;
  /** Largest request body in bytes (413 above). Default 1048576. */
  maxBodySize?: number;
  /** URL prefix of the API. Default '/api'. */
  prefix?: string;
}

export interface HttpApi {
  /** The request handler, for node:http. Never throws. */
  (req: IncomingMessage, res: ServerResponse): void;
  /** Requests being processed right now. */
  readonly inFlight: number;
  /** Refuses new requests with 503 and resolves once the in-flight ones are answered. */
  drain(): Promise<void>;
}

/** What a VolleyServer adds to the API beyond the hub: node figures and a second way in (the admin console). */
export interface HttpApiExtras {
  /** The node's figures and its peers'; without it `info` shows this node alone. */
  nodeStats?: NodeStats;
  /** The server's NodeLink once it runs (a shared broker), for the `node` param of `connections`; without one only this node answers. */
  nodeLink?: () => NodeLink | undefined;
  /** Limits of the server in force, shown by `info` beside the hub's. */
  serverLimits?: Record<string, unknown>;
  /** Another credential than the API key (the admin console's session); true lets the request in. */
  authorize?: (req: IncomingMessage) => boolean;
}

interface ApiContext {
  hub: Hub;
  nodeStats: NodeStats;
  nodeLink: () => NodeLink | undefined;
  serverLimits: Record<string, unknown>;
}

type ApiMethod = (hub: Hub, body: Params, context: ApiContext) => Promise<unknown>;

/** Largest page of `connections` and `channels`. */
export const MAX_PAGE = 1_000;

function pageParams(body: Params): { offset: number; limit: number } {
  const offset = optionalLimit(body, 'offset') ?? 0;
  const limit = optionalLimit(body, 'limit') ?? 100;
  if (limit > MAX_PAGE) throw new HubError('badRequest', `"limit" must be at most ${MAX_PAGE}`);
  return { offset, limit };
}

/** This node's page of `connections`; also what it answers another node that asks (remote-connections.ts). */
export function localConnections(hub: Hub, nodeId: string, body: Params): unknown {
  const { offset, limit } = pageParams(body);
  const page = hub.listConnections({ user: optionalString(body, 'user'), offset, limit });
  return { node: nodeId, offset, ...page };
}

const METHODS: Record<string, ApiMethod> = {
  publish: async (hub, body) => {
    const excludeClient = optionalString(body, 'excludeClient');
    return hub.publish(requireString(body, 'channel'), publicationData(body, hub.options.limits.maxPublicationSize), { source: 'api', excludeClient });
  },
  broadcast: async (hub, body) => {
    const channels = body.channels;
    if (!Array.isArray(channels) || channels.length === 0 || !channels.every((c) => typeof c === 'string')) {
      throw new HubError('badRequest', '"channels" must be a non-empty array of strings');
    }
    const data = publicationData(body, hub.options.limits.maxPublicationSize);
    const responses = await Promise.all(
      channels.map((channel: string) =>
        hub.publish(channel, data, { source: 'api' }).then(
          (result) => ({ channel, result }),
          (error: unknown) => ({ channel, error: toWireError(error) }),
        ),
      ),
    );
    return { responses };
  },
  presence: async (hub, body) => ({ clients: await hub.presence(requireString(body, 'channel')) }),
  presence_stats: async (hub, body) => hub.presenceStats(requireString(body, 'channel')),
  history: async (hub, body) =>
    hub.history(requireString(body, 'channel'), {
      limit: optionalLimit(body, 'limit'),
      since: optionalPosition(body, 'since'),
      direction: optionalDirection(body, 'direction'),
    }),
  disconnect: async (hub, body) => {
    const user = optionalString(body, 'user');
    const client = optionalString(body, 'client');
    const code = body.code ?? DisconnectCode.forceDisconnect;
    if (typeof code !== 'number' || !isApplicationCloseCode(code)) {
      throw new HubError('badRequest', '"code" must be an integer in 3000–4999');
    }
    const reason = optionalString(body, 'reason') ?? 'disconnected by the server';
    if ((user === undefined || user === '') === (client === undefined)) {
      throw new HubError('badRequest', 'give exactly one of "user" (non-empty) and "client"');
    }
    if (client !== undefined) await hub.disconnectClient(client, code, reason);
    else await hub.disconnectUser(user!, code, reason);
    return {};
  },
  connections: async (hub, body, { nodeStats, nodeLink }) => {
    const node = optionalString(body, 'node');
    if (node === undefined || node === '' || node === nodeStats.nodeId) return localConnections(hub, nodeStats.nodeId, body);
    pageParams(body);
    optionalString(body, 'user');
    const link = nodeLink();
    if (link === undefined || !nodeStats.nodes().some((n) => n.node === node)) {
      throw new HubError('badRequest', `no live node "${node}" (see info.nodes)`);
    }
    const { user, offset, limit } = body;
    return askConnections(link, node, { user, offset, limit });
  },
  channels: async (hub, body, { nodeStats }) => {
    const { offset, limit } = pageParams(body);
    const page = hub.listChannels({ prefix: optionalString(body, 'prefix'), offset, limit });
    // Presence counts come from the broker (cluster-wide), for namespaces that keep presence.
    const channels = await Promise.all(
      page.channels.map(async (entry) => {
        if (!hub.channelOptions(entry.channel).presence) return entry;
        const presence = await hub.presenceStats(entry.channel).catch(() => undefined);
        return presence === undefined ? entry : { ...entry, presence };
      }),
    );
    return { node: nodeStats.nodeId, offset, total: page.total, channels };
  },
  info: async (hub, _body, { nodeStats, serverLimits }) => {
    const nodes = nodeStats.nodes();
    const self = nodes[0]!;
    return {
      connections: hub.connectionCount,
      channels: hub.channelCount,
      stats: { ...hub.stats },
      node: {
        id: self.node,
        version: self.version,
        broker: self.broker,
        startedAt: self.startedAt,
        uptimeSeconds: self.uptimeSeconds,
        limits: { ...hub.options.limits, connectTimeoutMs: hub.options.connectTimeoutMs, ...serverLimits },
      },
      nodes,
      totals: nodeStats.totals(nodes),
      recent: nodeStats.recent(),
    };
  },
};

const STATUS_BY_CODE: Record<number, number> = {
  [ErrorCode.internal]: 500,
  [ErrorCode.unavailable]: 503,
  [ErrorCode.unauthorized]: 401,
  [ErrorCode.permissionDenied]: 403,
  [ErrorCode.unknownCommand]: 404,
  [ErrorCode.messageTooLarge]: 413,
  [ErrorCode.unrecoverablePosition]: 409,
  [ErrorCode.tooManyRequests]: 429,
};

export function createHttpApi(hub: Hub, options: HttpApiOptions, extras: HttpApiExtras = {}): HttpApi {
  const hasKey = typeof options.apiKey === 'string' && options.apiKey !== '';
  if (!hasKey && extras.authorize === undefined) throw new TypeError('apiKey is required');
  const expected = hasKey ? Buffer.from(`apikey ${options.apiKey}`) : undefined;
  const context: ApiContext = {
    hub,
    nodeStats: extras.nodeStats ?? new NodeStats(hub, { nodeId: 'local', version: packageVersion(), intervalMs: 0 }),
    nodeLink: extras.nodeLink ?? (() => undefined),
    serverLimits: extras.serverLimits ?? {},
  };
  const maxBodySize = options.maxBodySize ?? SERVER_DEFAULTS.apiMaxBodySize;
  const prefix = (options.prefix ?? '/api').replace(/\/$/, '');
  let inFlight = 0;
  let draining = false;
  const idleWaiters: Array<() => void> = [];

  const finished = () => {
    inFlight -= 1;
    if (inFlight === 0) for (const resolve of idleWaiters.splice(0)) resolve();
  };

  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    inFlight += 1;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      finished();
    };
    res.once('finish', finish);
    res.once('close', finish);
    try {
      serve(req, res);
    } catch (error) {
      hub.reportInternalError(error);
      sendError(res, toWireError(error));
    }
  }) as HttpApi;

  function serve(req: IncomingMessage, res: ServerResponse): void {
    if (draining) {
      res.setHeader('connection', 'close');
      return sendError(res, { code: ErrorCode.notAvailable, name: 'not_available', message: 'server is shutting down' }, 503);
    }
    const path = (req.url ?? '').split('?')[0]!;
    const method = path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : '';
    const apiMethod = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (apiMethod === undefined) return sendError(res, new HubError('unknownCommand', 'unknown API method').toWire());
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return sendError(res, new HubError('badRequest', 'use POST').toWire(), 405);
    }
    if (!authorized(req.headers.authorization) && extras.authorize?.(req) !== true) {
      return sendError(res, new HubError('unauthorized', 'missing or wrong API key').toWire());
    }
    readBody(req, maxBodySize, hub.options.limits.maxJsonDepth, (error, body) => {
      if (error !== undefined) {
        res.setHeader('connection', 'close');
        return sendError(res, error.toWire());
      }
      apiMethod(hub, body!, context).then(
        (result) => sendJson(res, 200, { result }),
        (failure: unknown) => {
          if (!(failure instanceof HubError)) hub.reportInternalError(failure);
          sendError(res, toWireError(failure));
        },
      );
    });
  }

  function authorized(header: string | undefined): boolean {
    if (header === undefined || expected === undefined) return false;
    const given = Buffer.from(header);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  Object.defineProperty(handler, 'inFlight', { get: () => inFlight });
  handler.drain = () => {
    draining = true;
    if (inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => idleWaiters.push(resolve));
  };
  return handler;
}

function readBody(req: IncomingMessage, limit: number, maxDepth: number, done: (error: HubError | undefined, body?: Params) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on('data', (chunk: Buffer) => {
    if (over) return;
    size += chunk.length;
    if (size > limit) {
      over = true;
      chunks.length = 0;
      done(new HubError('messageTooLarge', `body over ${limit} bytes`));
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (over) return;
    let body: unknown;
    const text = size === 0 ? '{}' : Buffer.concat(chunks, size).toString('utf8');
    try {
      body = JSON.parse(text);
    } catch {
      return done(new HubError('badRequest', 'body is not JSON'));
    }
    if (jsonDepthExceeds(text, maxDepth)) return done(new HubError('badRequest', `body nested deeper than ${maxDepth} levels`));
    if (!isPlainObject(body)) return done(new HubError('badRequest', 'body must be a JSON object'));
    done(undefined, body);
  });
  req.on('error', () => {
    if (!over) {
      over = true;
      done(new HubError('badRequest', 'request body failed'));
    }
  });
}

function sendError(res: ServerResponse, error: WireError, status = STATUS_BY_CODE[error.code] ?? 400): void {
  sendJson(res, status, { error });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
