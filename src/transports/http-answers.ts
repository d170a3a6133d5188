// The HTTP side of the transports' errors: each refusal has a status and a stable wire
// error code (src/wire/codes.ts), sent as `{"error":{"code","name","message"}}`.

import type { ServerResponse } from 'node:http';
import { ErrorName, WireErrorCode, type WireErrorCodeKey } from '../wire/index.js';

export class TransportError extends Error {
  constructor(
    readonly status: number,
    readonly key: WireErrorCodeKey,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get body(): { error: { code: number; name: string; message: string } } {
    const code = WireErrorCode[this.key];
    return { error: { code, name: ErrorName[code], message: this.message } };
  }
}

export const refusals = {
  badRequest: (message: string) => new TransportError(400, 'badRequest', message),
  unknownSession: () => new TransportError(404, 'unknownSession', 'unknown or expired session'),
  tooLarge: (max: number) => new TransportError(413, 'messageTooLarge', `body over ${max} bytes`, { connection: 'close' }),
  tooManyPosts: () => new TransportError(429, 'tooManyRequests', 'too many POSTs for this session', { 'retry-after': '1' }),
  tooManySessions: () => new TransportError(503, 'tooManySessions', 'too many sessions', { 'retry-after': '5' }),
  originNotAllowed: () => new TransportError(403, 'originNotAllowed', 'origin not allowed'),
  methodNotAllowed: (allow: string) => new TransportError(405, 'badRequest', `use ${allow}`, { allow }),
};

/** Sends the error as JSON, unless the response has started (then it is cut). */
export function sendError(res: ServerResponse, error: TransportError, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(error.body);
  res.writeHead(error.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...extraHeaders,
    ...error.headers,
  });
  res.end(body);
}

/** Headers of a held response: no caching, no proxy buffering, no compression. */
export function streamHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
  };
}
