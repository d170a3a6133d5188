// The server layer's defaults, in one place: VolleyServer, its options schema, the docs
// table and `volley serve` (which overrides a few, see src/cli/serve-config.ts) read them here.

import { DEFAULT_HANDSHAKE_TIMEOUT } from '../ws/defaults.js';

export const SERVER_DEFAULTS = {
  /** Port of an owned server. */
  port: 8000,
  websocketPath: '/connection/websocket',
  /** The HTTP API's largest request body in bytes (413 above). */
  apiMaxBodySize: 1_048_576,
  /** WebSocket ping interval; a peer that misses one pong is dropped. */
  heartbeatIntervalMs: 25_000,
  perMessageDeflate: false,
  /** How long close() waits for in-flight API calls and closing handshakes. */
  shutdownTimeoutMs: 10_000,
  apiPrefix: '/api',
  /**
   * Connections open at once (TCP, HTTP and WebSocket alike). Above the 10,000-subscriber
   * benchmark, and far below what a process holds before it runs out of descriptors.
   */
  maxConnections: 16_384,
  /** Connections from one remote address: many tabs or a NAT fit; one stranger cannot take them all. */
  maxConnectionsPerAddress: 256,
  /** Loopback peers are a reverse proxy or a benchmark on this machine: not held to the per-address cap. */
  exemptLoopback: true,
  /** A new connection must send its complete request headers (or upgrade) within this time. */
  handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT,
  /** A whole HTTP request, body included. */
  requestTimeoutMs: 30_000,
  /** An HTTP keep-alive connection may idle this long between requests (Node's own default). */
  idleTimeoutMs: 5_000,
  /** drain(): /readyz fails this long before clients are closed, so load balancers stop sending new ones first. */
  drainDelayMs: 5_000,
  /** The broker is pinged this often (and a ping taking longer counts as failed). */
  brokerProbeIntervalMs: 2_000,
  /** Port of the metrics listener of its own (when metrics have no token to guard them on the main port). */
  metricsPort: 9464,
  /** Address of the metrics listener of its own: this machine only. */
  metricsHost: '127.0.0.1',
  /** How often a node samples its figures and publishes them to the others (the API's `info`). */
  nodeStatsIntervalMs: 2_000,
} as const;

/** The admin console's defaults (docs/admin.md). */
export const ADMIN_DEFAULTS = {
  /** A console login lasts this long; then the password is asked again. */
  sessionTtlMs: 3_600_000,
  /** Wrong passwords one remote address may send per `loginWindowMs` before 429. */
  maxLoginFailures: 5,
  loginWindowMs: 60_000,
} as const;

/** How often Node checks the header and request timeouts of open HTTP connections. */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** How long a connection over a limit may take to send the request its 503 answers. */
export const REFUSAL_GRACE_MS = 1_000;
