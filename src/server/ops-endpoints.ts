// The endpoints for operators: /healthz (the process answers), /readyz (send traffic here:
// the broker is reachable and the server is not draining) and /metrics (Prometheus text,
// behind a bearer token on the main port, or on a listener of its own on loopback).

import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen, pathOf, sendJson, sendText } from './http-util.js';
import type { ServerMetrics } from './metrics.js';

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
export const METRICS_PATH = '/metrics';

/** Why the server is not ready, or undefined when it is. */
export type Unreadiness = 'starting' | 'draining' | 'broker unreachable' | undefined;

/** Answers /healthz and /readyz; false for other paths. */
export function answerHealth(req: http.IncomingMessage, res: http.ServerResponse, unreadiness: () => Unreadiness): boolean {
  const path = pathOf(req);
  if (path !== HEALTH_PATH && path !== READY_PATH) return false;
  const headers = { 'cache-control': 'no-store' };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'Method Not Allowed', { ...headers, allow: 'GET, HEAD' });
  } else if (path === HEALTH_PATH) {
    sendJson(res, 200, { status: 'ok' }, headers);
  } else {
    const reason = unreadiness();
    if (reason === undefined) sendJson(res, 200, { status: 'ready' }, headers);
    else sendJson(res, 503, { status: 'unavailable', reason }, headers);
  }
  return true;
}

/** Answers GET /metrics, checking the bearer token when there is one. */
export function answerMetrics(req: http.IncomingMessage, res: http.ServerResponse, metrics: ServerMetrics, token: string | undefined): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'Method Not Allowed', { allow: 'GET, HEAD' });
    return;
  }
  if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
    sendText(res, 401, 'Unauthorized', { 'www-authenticate': 'Bearer realm="metrics"' });
    return;
  }
  metrics.render().then(
    (text) => {
      if (res.headersSent) return;
      res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    },
    () => sendText(res, 500, 'Internal Server Error'),
  );
}

/** Compares digests in constant time, so the comparison says nothing about the token. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (match === null) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}

/** A listener of its own for /metrics (and nothing else). */
export async function startMetricsListener(
  port: number,
  host: string,
  metrics: ServerMetrics,
  token: string | undefined,
): Promise<{ server: http.Server; address: AddressInfo }> {
  const server = http.createServer({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 }, (req, res) => {
    if (pathOf(req) === METRICS_PATH) answerMetrics(req, res, metrics, token);
    else sendText(res, 404, 'Not Found');
  });
  const address = await listen(server, port, host);
  return { server, address };
}
