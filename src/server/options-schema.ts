// The one schema of the server's options. createServer() checks its options with it; the
// `volley serve` config file is a JSON subset of it (src/cli/serve-config.ts); the option
// tables in docs/server.md and docs/cli.md and schema/volley.config.schema.json are
// generated from it (scripts/generate-config-docs.ts), and tests fail when they drift.

import { KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import type { Broker } from '../broker/broker.js';
import { NODE_ID_PATTERN } from '../broker/cluster/node-link.js';
import { Hub } from '../hub/hub.js';
import { NAMESPACE_DEFAULTS } from '../hub/namespaces.js';
import { LIMIT_DEFAULTS, resolveHubOptions, type HubOptions } from '../hub/options.js';
import {
  DEFAULT_CLOSE_TIMEOUT, DEFAULT_DRAIN_TIMEOUT, DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_BUFFERED_AMOUNT, DEFAULT_MAX_FRAGMENTS,
} from '../ws/defaults.js';
import { TRANSPORT_DEFAULTS } from '../transports/options.js';
import { ADMIN_DEFAULTS, SERVER_DEFAULTS } from './defaults.js';
import type { MqttBridgeOptions } from '../bridges/mqtt/options.js';
import type { Logger } from './logger.js';
import type { ServerRoute } from './routes.js';
import { boolean, integer, object, oneOf, positive, programmatic, text, textList } from './schema-fields.js';

const DAY_MS = 86_400_000;
const MIB = 1024 * 1024;
/** The hub's own defaults, read from the hub rather than restated. */
const HUB_DEFAULTS = resolveHubOptions({});

const isObject = (v: unknown) => typeof v === 'object' && v !== null;

// ---- hub ------------------------------------------------------------------------------

export const namespaceSchema = object(
  {
    presence: boolean({ description: 'keep presence (who is subscribed)', default: NAMESPACE_DEFAULTS.presence }).optional(),
    joinLeave: boolean({ description: 'push join/leave to subscribers', default: NAMESPACE_DEFAULTS.joinLeave }).optional(),
    historySize: integer(0, 1_000_000, {
      description: 'publications kept for history and recovery; `0` keeps none',
      default: NAMESPACE_DEFAULTS.historySize,
    }).optional(),
    historyTtlMs: integer(1, 30 * DAY_MS, {
      description: 'publications are dropped this long after the last one',
      default: NAMESPACE_DEFAULTS.historyTtlMs,
    }).optional(),
    historyMetaTtlMs: integer(1, 365 * DAY_MS, {
      description: "the stream's epoch and offset live this long after the last use; at least `historyTtlMs`",
      default: NAMESPACE_DEFAULTS.historyMetaTtlMs,
    }).optional(),
    publish: oneOf(['subscribers', 'authenticated', 'server'], {
      description: "who may publish from a client: `'subscribers'`, `'authenticated'` or `'server'`",
      default: NAMESPACE_DEFAULTS.publish,
    }).optional(),
    allowAnonymous: boolean({
      description: 'anonymous connections (when allowed at all) may subscribe here',
      default: NAMESPACE_DEFAULTS.allowAnonymous,
    }).optional(),
    publisherInfo: boolean({
      description: "a client's publications carry its client info (`info`) in pushes, history and recovery; off, none is stored or sent",
      default: NAMESPACE_DEFAULTS.publisherInfo,
    }).optional(),
  },
  { description: 'options of one namespace' },
).refine(
  (ns) => (ns.historyMetaTtlMs ?? NAMESPACE_DEFAULTS.historyMetaTtlMs) >= (ns.historyTtlMs ?? NAMESPACE_DEFAULTS.historyTtlMs),
  { path: ['historyMetaTtlMs'], error: `at least historyTtlMs (which defaults to ${NAMESPACE_DEFAULTS.historyTtlMs})` },
);

const NAMESPACE_NAME = /^[A-Za-z0-9_-]+$/;

export const namespacesSchema = z
  .record(z.string().regex(NAMESPACE_NAME, { error: 'a name of letters, digits, "_" or "-"' }), namespaceSchema, {
    error: 'an object of namespaces',
  })
  .meta({ description: 'options by namespace name (`chat` for `chat:*`); other prefixes are `unknown_channel`', default: {} });

export const limitsSchema = object(
  {
    maxMessageSize: integer(1, 64 * MIB, {
      description: 'largest command frame in bytes; a larger one closes the connection (1009 on WebSocket, 3504 elsewhere)',
      default: LIMIT_DEFAULTS.maxMessageSize,
    }).optional(),
    maxPublicationSize: integer(1, 64 * MIB, {
      description: 'largest JSON `data` of a publish, bytes: `message_too_large` (112)',
      default: LIMIT_DEFAULTS.maxPublicationSize,
    }).optional(),
    maxChannelsPerConnection: integer(1, undefined, {
      description: 'channels one connection may be subscribed to: `limit_exceeded` (106)',
      default: LIMIT_DEFAULTS.maxChannelsPerConnection,
    }).optional(),
    publishRate: positive({
      description: 'publishes per second per connection, sustained: `too_many_requests` (111)',
      default: LIMIT_DEFAULTS.publishRate,
    }).optional(),
    publishBurst: positive({ description: 'publishes a connection may burst before the rate applies', default: LIMIT_DEFAULTS.publishBurst }).optional(),
    commandRate: positive({
      description: 'commands other than publish (subscribe, history, presence, rpc, ping, …) per second per connection, sustained: `too_many_requests` (111)',
      default: LIMIT_DEFAULTS.commandRate,
    }).optional(),
    commandBurst: positive({
      description: 'such commands a connection may burst before the rate applies (a reconnect subscribes to all its channels at once)',
      default: LIMIT_DEFAULTS.commandBurst,
    }).optional(),
    maxPendingCommands: integer(1, undefined, {
      description: 'commands of one connection handled at once (waiting for the engine, a store, an rpc handler); one more: `too_many_requests` (111)',
      default: LIMIT_DEFAULTS.maxPendingCommands,
    }).optional(),
    highWaterMark: integer(1, undefined, {
      description: 'a session with more bytes queued closes with 3002 (slow consumer)',
      default: LIMIT_DEFAULTS.highWaterMark,
    }).optional(),
    maxJsonDepth: integer(1, 10_000, {
      description: 'deepest nesting of arrays/objects in a command (its envelope counts two levels), an HTTP API body or publication data: `bad_request` (107), HTTP 400',
      default: LIMIT_DEFAULTS.maxJsonDepth,
    }).optional(),
  },
  { description: 'per-connection limits: `maxMessageSize`, `maxPublicationSize`, `maxChannelsPerConnection`, `publishRate`, `publishBurst`, `commandRate`, `commandBurst`, `maxPendingCommands`, `highWaterMark`, `maxJsonDepth`' },
);

const stringOrList = (doc: { description: string }) =>
  z.union([z.string(), z.array(z.string())], { error: 'a string or a list of strings' }).meta(doc);

export const authSchema = object(
  {
    hmacSecret: text({ description: 'HS256 secret, 32+ characters', writeOnly: true }, 32, 'a string of at least 32 characters (HS256 needs 256 bits)').optional(),
    publicKey: z
      .union([z.string(), z.custom<KeyObject>((v) => v instanceof KeyObject)], { error: 'a PEM string or a KeyObject' })
      .meta({ description: 'PEM (SPKI) or `KeyObject`: RSA → RS256, EC P-256 → ES256, P-384 → ES384' })
      .optional(),
    jwksUrl: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).meta({ description: 'JWKS URL, fetched and cached by jose' }).optional(),
    audience: stringOrList({ description: 'required `aud`; not checked when absent' }).optional(),
    issuer: stringOrList({ description: 'required `iss`; not checked when absent' }).optional(),
    clockToleranceSec: integer(0, 3600, { description: 'accepted clock skew in seconds', default: 0 }).optional(),
  },
  { description: 'JWT verification (jose is imported only when set); at least one key source' },
).refine((a) => a.hmacSecret !== undefined || a.publicKey !== undefined || a.jwksUrl !== undefined, {
  error: 'an object with hmacSecret, publicKey or jwksUrl',
});

export const hubFields = {
  broker: programmatic<Broker>('a Broker', isObject, { description: 'fan-out, history and presence engine; default a new `MemoryBroker`' }).optional(),
  auth: authSchema.optional(),
  allowAnonymous: boolean({ description: 'accept `connect` without a token (user `""`)', default: HUB_DEFAULTS.allowAnonymous }).optional(),
  channels: namespaceSchema.meta({ description: 'options of channels without a namespace prefix' }).optional(),
  namespaces: namespacesSchema.optional(),
  limits: limitsSchema.optional(),
  connectTimeoutMs: integer(1, DAY_MS, {
    description: 'close (3001) connections that send no `connect` in time',
    default: HUB_DEFAULTS.connectTimeoutMs,
  }).optional(),
  presenceTtlMs: integer(1, DAY_MS, {
    description: "presence entry lifetime, refreshed every third of it; a dead node's clients vanish after it",
    default: HUB_DEFAULTS.presenceTtlMs,
  }).optional(),
  sweepIntervalMs: integer(0, 60_000, {
    description: 'period of the one shared sweep (token expiry, connect timeouts, presence refresh); `0` disables the timer',
    default: HUB_DEFAULTS.sweepIntervalMs,
  }).optional(),
  now: programmatic<() => number>('a function', (v) => typeof v === 'function', { description: 'clock, for tests; default `Date.now`' }).optional(),
};

// ---- server ---------------------------------------------------------------------------

export const apiSchema = object(
  {
    apiKey: text({ description: 'the key clients send as `Authorization: apikey KEY`', writeOnly: true }),
    maxBodySize: integer(1, 64 * MIB, { description: 'largest request body in bytes (413 above)', default: SERVER_DEFAULTS.apiMaxBodySize }).optional(),
    prefix: z.string().regex(/^\/\S*$/, { error: 'a path starting with "/"' }).meta({ description: 'URL prefix of the API', default: SERVER_DEFAULTS.apiPrefix }).optional(),
  },
  { description: 'mounts the HTTP API' },
);

export const adminSchema = object(
  {
    password: text({ description: 'the password the console asks for, 12+ characters', writeOnly: true }, 12, 'a string of at least 12 characters').optional(),
    token: text({ description: 'a long random secret the console also accepts in place of the password (for deployment tools), 32+ characters', writeOnly: true }, 32, 'a string of at least 32 characters').optional(),
    sessionTtlMs: integer(60_000, 7 * DAY_MS, { description: 'how long a console login lasts', default: ADMIN_DEFAULTS.sessionTtlMs }).optional(),
    maxLoginFailures: integer(1, 1_000, { description: 'wrong passwords one remote address may send per `loginWindowMs`; more get 429', default: ADMIN_DEFAULTS.maxLoginFailures }).optional(),
    loginWindowMs: integer(1_000, DAY_MS, { description: 'the window of `maxLoginFailures`', default: ADMIN_DEFAULTS.loginWindowMs }).optional(),
  },
  { description: 'the admin console at `/admin` (docs/admin.md); off (404) when absent; its login also grants the HTTP API' },
).refine((a) => a.password !== undefined || a.token !== undefined, { error: 'an object with password or token' });

const deflateOptionsSchema = object(
  {
    serverNoContextTakeover: boolean({ description: 'reset the compressor after every message' }).optional(),
    clientNoContextTakeover: boolean({ description: "ask the client to reset its compressor after every message" }).optional(),
    serverMaxWindowBits: integer(8, 15, { description: 'largest window the server compresses with' }).optional(),
    clientMaxWindowBits: integer(8, 15, { description: 'largest window the client may compress with' }).optional(),
    threshold: integer(0, undefined, { description: 'messages shorter than this many bytes go uncompressed', default: 1024 }).optional(),
    level: integer(-1, 9, { description: 'zlib level', default: -1 }).optional(),
    memLevel: integer(1, 9, { description: 'zlib memLevel' }).optional(),
    concurrencyLimit: integer(1, undefined, { description: 'zlib jobs at once' }).optional(),
  },
  { description: 'permessage-deflate parameters' },
);

/** Per-socket limits of the WebSocket layer (docs/ws.md), for the hub endpoint and `volley serve`'s `/echo`. */
export const websocketSchema = object(
  {
    maxFragments: integer(0, 1_000_000, {
      description: 'most frames one message may arrive in; one more closes with 1009; `0` = no limit',
      default: DEFAULT_MAX_FRAGMENTS,
    }).optional(),
    highWaterMark: integer(0, undefined, {
      description: 'outgoing bytes above which a socket stops reading from its peer until it drains; `0` = never pause (keep it at or below `limits.highWaterMark`, so that a slow-consumer cut is final at once)',
      default: DEFAULT_HIGH_WATER_MARK,
    }).optional(),
    maxBufferedAmount: integer(0, undefined, {
      description: 'outgoing bytes above which a socket is failed with 1008 (the peer does not read); `0` = no limit',
      default: DEFAULT_MAX_BUFFERED_AMOUNT,
    }).optional(),
    drainTimeout: integer(0, 3_600_000, {
      description: 'milliseconds reading may stay paused for backpressure before the socket is failed with 1008; `0` = no limit',
      default: DEFAULT_DRAIN_TIMEOUT,
    }).optional(),
    closeTimeout: integer(0, 3_600_000, {
      description: "milliseconds to wait for the peer's part of the closing handshake before cutting TCP",
      default: DEFAULT_CLOSE_TIMEOUT,
    }).optional(),
  },
  { description: 'per-socket limits of the WebSocket layer: `maxFragments`, `highWaterMark`, `maxBufferedAmount`, `drainTimeout`, `closeTimeout` (docs/ws.md)' },
);

/** The HTTP transports: SSE, HTTP streaming, long-polling and /connection/events (docs/transports.md). */
export const transportsSchema = object(
  {
    enabled: boolean({ description: 'serve `/connection/sse`, `/stream`, `/poll`, `/send` and `/events`', default: TRANSPORT_DEFAULTS.enabled }).optional(),
    heartbeatMs: integer(100, 600_000, {
      description: 'a comment (SSE) or empty line (stream) after this long without a write, under common 30–60 s proxy idle timeouts',
      default: TRANSPORT_DEFAULTS.heartbeatMs,
    }).optional(),
    sessionGraceMs: integer(100, 3_600_000, {
      description: 'a session with no request attached lives this long, then closes as if its socket dropped',
      default: TRANSPORT_DEFAULTS.sessionGraceMs,
    }).optional(),
    pollTimeoutMs: integer(100, 600_000, {
      description: 'a long-poll GET with nothing to answer is held this long, then answered with no messages',
      default: TRANSPORT_DEFAULTS.pollTimeoutMs,
    }).optional(),
    resumeBufferBytes: integer(0, 1024 * MIB, {
      description: 'bytes of written, unacknowledged messages a session keeps for a resume (each counted with 64 bytes of overhead); beyond it the oldest go, and a resume from before them closes with 3004',
      default: TRANSPORT_DEFAULTS.resumeBufferBytes,
    }).optional(),
    maxPostSize: integer(1, 64 * MIB, {
      description: 'largest `POST /connection/send` body in bytes: 413 `message_too_large`; default 4 × `limits.maxMessageSize`',
      default: TRANSPORT_DEFAULTS.postSizeFactor * LIMIT_DEFAULTS.maxMessageSize,
    }).optional(),
    postRate: positive({ description: 'POSTs per second per session, sustained: 429 `too_many_requests`', default: TRANSPORT_DEFAULTS.postRate }).optional(),
    postBurst: positive({ description: 'POSTs a session may burst before `postRate` applies', default: TRANSPORT_DEFAULTS.postBurst }).optional(),
    maxSessions: integer(1, 1_000_000, {
      description: 'sessions and event streams open at once on this node (each also counts as a connection in `maxConnections` and `maxConnectionsPerAddress`): 503 `too_many_sessions`',
      default: TRANSPORT_DEFAULTS.maxSessions,
    }).optional(),
    allowedOrigins: textList({
      description: 'allowed `Origin` values (others: 403 `origin_not_allowed`); requests without `Origin` pass; the server\'s `origins` when absent, any origin when both are',
    }).optional(),
    routeTimeoutMs: integer(100, 60_000, {
      description: 'how long a node waits for the node holding a session to answer a routed request (then 404)',
      default: TRANSPORT_DEFAULTS.routeTimeoutMs,
    }).optional(),
    maxEventChannels: integer(1, 1_000, {
      description: 'channels one `/connection/events` request may follow (400 above; also `limits.maxChannelsPerConnection`)',
      default: TRANSPORT_DEFAULTS.maxEventChannels,
    }).optional(),
  },
  { description: 'the HTTP transports (docs/transports.md): `enabled`, `heartbeatMs`, `sessionGraceMs`, `pollTimeoutMs`, `resumeBufferBytes`, `maxPostSize`, `postRate`, `postBurst`, `maxSessions`, `allowedOrigins`, `routeTimeoutMs`, `maxEventChannels`' },
);

export const metricsSchema = object(
  {
    enabled: boolean({ description: 'serve Prometheus metrics at `/metrics` (prom-client is imported only then)', default: false }).optional(),
    token: text(
      { description: 'bearer token `/metrics` requires (`Authorization: Bearer TOKEN`), 16+ characters; with a token and no `port`, `/metrics` is on the main port', writeOnly: true },
      16,
      'a string of at least 16 characters',
    ).optional(),
    port: integer(0, 65535, {
      description: `port of a listener of its own for \`/metrics\`; default ${SERVER_DEFAULTS.metricsPort} when no \`token\` is given (then only this machine can scrape), none with a token`,
    }).optional(),
    host: text({ description: 'address of the metrics listener of its own', default: SERVER_DEFAULTS.metricsHost }).optional(),
  },
  { description: 'Prometheus metrics (docs/operations.md): off unless `enabled`; on a loopback listener of their own, or on the main port behind a token' },
);

/** What the server reports on and how it stops: logs, metrics, health probes, draining. */
export const operationsFields = {
  metrics: metricsSchema.optional(),
  drainDelayMs: integer(0, 600_000, {
    description: '`drain()` (SIGTERM in `volley serve`): `/readyz` answers 503 this long before clients are closed with 1001',
    default: SERVER_DEFAULTS.drainDelayMs,
  }).optional(),
  brokerProbeIntervalMs: integer(0, 600_000, {
    description: 'the broker is pinged this often for `/readyz`, the broker metrics and the broker lost/back log events; a slower answer counts as lost; `0` = never (always reachable)',
    default: SERVER_DEFAULTS.brokerProbeIntervalMs,
  }).optional(),
  logger: programmatic<Logger>('a logger (a pino logger or an object with error, warn, info and debug)', (v) => isObject(v) && ['error', 'warn', 'info', 'debug'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'), {
    description: 'where the server logs its events (a pino logger; docs/operations.md); nothing is logged without one',
  }).optional(),
};

export const connectionLimitFields = {
  websocket: websocketSchema.optional(),
  maxConnections: integer(1, 1_000_000, {
    description: 'connections open at once (HTTP and WebSocket); more are answered 503',
    default: SERVER_DEFAULTS.maxConnections,
  }).optional(),
  maxConnectionsPerAddress: integer(1, 1_000_000, {
    description: 'connections open at once from one remote address; more are answered 503',
    default: SERVER_DEFAULTS.maxConnectionsPerAddress,
  }).optional(),
  exemptLoopback: boolean({
    description: 'loopback peers (127.0.0.0/8, ::1: a reverse proxy or a benchmark on this machine) are not held to `maxConnectionsPerAddress`',
    default: SERVER_DEFAULTS.exemptLoopback,
  }).optional(),
  handshakeTimeoutMs: integer(100, 600_000, {
    description: 'a new connection must send its complete request headers in this time (408, then closed); also the time `verifyUpgrade` may take',
    default: SERVER_DEFAULTS.handshakeTimeoutMs,
  }).optional(),
  requestTimeoutMs: integer(100, 3_600_000, {
    description: 'a whole HTTP request, body included, must arrive in this time (408); at least `handshakeTimeoutMs`',
    default: SERVER_DEFAULTS.requestTimeoutMs,
  }).optional(),
  idleTimeoutMs: integer(100, 600_000, {
    description: 'an HTTP keep-alive connection is closed after idling this long between requests',
    default: SERVER_DEFAULTS.idleTimeoutMs,
  }).optional(),
};

export const serverFields = {
  hub: programmatic<Hub>('a Hub', (v) => v instanceof Hub, { description: 'use this hub (not closed by `close()`) instead of one made from the hub options' }).optional(),
  port: integer(0, 65535, { description: 'port to listen on; `0` picks a free one', default: SERVER_DEFAULTS.port }).optional(),
  host: text({ description: 'address to listen on; every interface when absent' }).optional(),
  server: programmatic<http.Server | https.Server>('an http.Server or https.Server', (v) => v instanceof http.Server || v instanceof https.Server, {
    description: 'attach to this `http.Server` or `https.Server` instead of creating one (then `listen()` is yours)',
  }).optional(),
  detached: boolean({
    description: 'neither create nor attach: the host calls `handleRequest()` / `handleUpgrade()`',
    default: false,
  }).optional(),
  routes: z
    .array(programmatic<ServerRoute>('a route', isObject, { description: 'a route' }), { error: 'a list of routes' })
    .meta({ description: 'extra routes asked before Volley\'s own paths (`ServerRoute`: handleRequest, handleUpgrade, close, terminate)' })
    .optional(),
  websocketPath: z.string().regex(/^\/\S*$/, { error: 'a path starting with "/"' }).meta({
    description: 'path of the WebSocket endpoint',
    default: SERVER_DEFAULTS.websocketPath,
  }).optional(),
  api: apiSchema.optional(),
  admin: adminSchema.optional(),
  nodeId: z.string({ error: 'a string of 1 to 64 of A-Z a-z 0-9 _ -' }).regex(NODE_ID_PATTERN, { error: 'a string of 1 to 64 of A-Z a-z 0-9 _ -' })
    .meta({
      description: "this node's id, unique in a cluster: its inbox for the other nodes (`~node~<nodeId>`), the first part of its HTTP transports' session ids, its name in the API's `info` and `connections`; 1 to 64 of `A-Z a-z 0-9 _ -`; default a random one (12 characters of base64url), new at every start",
    }).optional(),
  nodeStatsIntervalMs: integer(100, 60_000, {
    description: "how often a node (with `api` or `admin`) publishes its figures to the others through the broker; a node is dropped from `info` after three intervals of silence",
    default: SERVER_DEFAULTS.nodeStatsIntervalMs,
  }).optional(),
  staticDir: text({ description: 'directory served at `/` (GET/HEAD, `index.html` for directories; nothing outside it, symlinks included)' }).optional(),
  origins: textList({ description: 'allowed `Origin` values for upgrades (others get 403); any origin when absent' }).optional(),
  heartbeatIntervalMs: integer(0, 3_600_000, {
    description: 'WebSocket ping interval, one shared timer; a peer that misses a pong is dropped; `0` disables',
    default: SERVER_DEFAULTS.heartbeatIntervalMs,
  }).optional(),
  perMessageDeflate: z
    .union([z.boolean(), deflateOptionsSchema], { error: 'true, false or an object of permessage-deflate options' })
    .meta({ description: 'permessage-deflate for WebSocket clients', default: SERVER_DEFAULTS.perMessageDeflate })
    .optional(),
  shutdownTimeoutMs: integer(0, 600_000, {
    description: 'how long `close()` waits for in-flight API calls and closing handshakes',
    default: SERVER_DEFAULTS.shutdownTimeoutMs,
  }).optional(),
  ...connectionLimitFields,
  transports: transportsSchema.optional(),
  ...operationsFields,
  mqtt: programmatic<MqttBridgeOptions>('an object of MQTT bridge options', isObject, {
    description: 'an MQTT bridge (docs/mqtt.md), checked by its own schema and started by `ready()`/`listen()`; MQTT.js is loaded only then',
  }).optional(),
};

export const volleyServerOptionsSchema = z
  .strictObject({ ...serverFields, ...hubFields }, { error: 'an object' })
  .refine((o) => (o.websocket?.highWaterMark ?? DEFAULT_HIGH_WATER_MARK) <= (o.limits?.highWaterMark ?? LIMIT_DEFAULTS.highWaterMark), {
    path: ['websocket', 'highWaterMark'],
    error: `at most limits.highWaterMark (which defaults to ${LIMIT_DEFAULTS.highWaterMark}), so that a slow-consumer cut is final at once`,
  })
  .refine((o) => (o.requestTimeoutMs ?? SERVER_DEFAULTS.requestTimeoutMs) >= (o.handshakeTimeoutMs ?? SERVER_DEFAULTS.handshakeTimeoutMs), {
    path: ['requestTimeoutMs'],
    error: `at least handshakeTimeoutMs (which defaults to ${SERVER_DEFAULTS.handshakeTimeoutMs})`,
  });

/** The options of createServer / new VolleyServer, as the schema defines them. */
export type VolleyServerOptions = z.input<typeof volleyServerOptionsSchema>;

// Every hub option must be in the schema, with a type the Hub accepts: a new HubOptions key
// fails the build here until it is added above. (The broker is the server's to choose.)
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
const hubOptionsCovered: SameKeys<HubOptions, z.input<z.ZodObject<typeof hubFields>>> = true;
const hubOptionsAccepted = (o: VolleyServerOptions): Omit<HubOptions, 'broker'> => o;
void hubOptionsCovered;
void hubOptionsAccepted;
