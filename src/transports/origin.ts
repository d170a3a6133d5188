// The Origin check of the HTTP transports and the CORS headers of an allowed origin. A
// request without Origin (curl, a backend) passes; a browser's cross-origin request passes
// only when its origin is listed (or when no list is configured).

import type { IncomingMessage } from 'node:http';

export type OriginVerdict = { allowed: false } | { allowed: true; headers: Record<string, string> };

export function checkOrigin(req: IncomingMessage, allowed: readonly string[] | undefined): OriginVerdict {
  const origin = req.headers.origin;
  if (origin === undefined) return { allowed: true, headers: {} };
  if (allowed !== undefined && !allowed.includes(origin)) return { allowed: false };
  return { allowed: true, headers: { 'access-control-allow-origin': origin, vary: 'origin' } };
}

/** The answer to a CORS preflight (a GET with Authorization or Last-Event-ID, a POST with another content type). */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers': 'authorization, content-type, last-event-id',
  'access-control-max-age': '600',
};
