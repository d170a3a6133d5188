// Options of the HTTP transports (SSE, HTTP streaming, long-polling, unidirectional SSE) and
// their defaults. docs/transports.md lists the same table, generated from the server's schema.

export interface TransportOptions {
  /** Serve the HTTP transports at all. Default true. */
  enabled?: boolean;
  /** A comment (SSE) or empty line (stream) after this long without a write; under common 30–60 s proxy idle timeouts. Default 15000. */
  heartbeatMs?: number;
  /** How long a session lives with no request attached before it closes as if its socket dropped. Default 30000. */
  sessionGraceMs?: number;
  /** How long a long-poll GET is held when nothing is queued; answered with `[]` then. Default 25000. */
  pollTimeoutMs?: number;
  /** Bytes of messages already written but not yet acknowledged that a session keeps for a resume; the oldest are dropped beyond it. Default 262144 (with 64 bytes per message counted on top). */
  resumeBufferBytes?: number;
  /** Largest POST body in bytes (413 above). Default 4 × the hub's `limits.maxMessageSize`. */
  maxPostSize?: number;
  /** POSTs per second per session, sustained (429 above). Default 20. */
  postRate?: number;
  /** POSTs a session may burst before the rate applies. Default 40. */
  postBurst?: number;
  /** Sessions (bidirectional and `/connection/events`) open at once on this node (503 above). Default 8192. */
  maxSessions?: number;
  /** Allowed `Origin` values (403 for others); a request without `Origin` (curl, a server) passes. Default: the server's `origins`, any origin when both are absent. */
  allowedOrigins?: string[];
  /** How long a node waits for the owner of a session to answer a routed request. Default 5000. */
  routeTimeoutMs?: number;
  /** Channels one `/connection/events` request may follow. Default 32. */
  maxEventChannels?: number;
}

export const TRANSPORT_DEFAULTS = {
  enabled: true,
  heartbeatMs: 15_000,
  sessionGraceMs: 30_000,
  pollTimeoutMs: 25_000,
  resumeBufferBytes: 262_144,
  /** maxPostSize is this many times the hub's limits.maxMessageSize: a batch of full-size commands. */
  postSizeFactor: 4,
  postRate: 20,
  postBurst: 40,
  maxSessions: 8_192,
  routeTimeoutMs: 5_000,
  maxEventChannels: 32,
} as const;

export interface ResolvedTransportOptions {
  enabled: boolean;
  heartbeatMs: number;
  sessionGraceMs: number;
  pollTimeoutMs: number;
  resumeBufferBytes: number;
  maxPostSize: number;
  postRate: number;
  postBurst: number;
  maxSessions: number;
  /** undefined: any origin. */
  allowedOrigins: readonly string[] | undefined;
  routeTimeoutMs: number;
  maxEventChannels: number;
}

/** Fills in the defaults; `maxMessageSize` is the hub's command size limit. */
export function resolveTransportOptions(
  options: TransportOptions | undefined,
  maxMessageSize: number,
  serverOrigins?: readonly string[],
): ResolvedTransportOptions {
  const o = options ?? {};
  const d = TRANSPORT_DEFAULTS;
  return {
    enabled: o.enabled ?? d.enabled,
    heartbeatMs: o.heartbeatMs ?? d.heartbeatMs,
    sessionGraceMs: o.sessionGraceMs ?? d.sessionGraceMs,
    pollTimeoutMs: o.pollTimeoutMs ?? d.pollTimeoutMs,
    resumeBufferBytes: o.resumeBufferBytes ?? d.resumeBufferBytes,
    maxPostSize: o.maxPostSize ?? d.postSizeFactor * maxMessageSize,
    postRate: o.postRate ?? d.postRate,
    postBurst: o.postBurst ?? d.postBurst,
    maxSessions: o.maxSessions ?? d.maxSessions,
    allowedOrigins: o.allowedOrigins ?? serverOrigins,
    routeTimeoutMs: o.routeTimeoutMs ?? d.routeTimeoutMs,
    maxEventChannels: o.maxEventChannels ?? d.maxEventChannels,
  };
}
