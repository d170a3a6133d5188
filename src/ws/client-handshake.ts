import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import { ErrorCode, WebSocketError } from '../protocol/errors.js';
import { isToken } from '../protocol/extension-header.js';
import { buildClientHeaders, generateKey, validateUpgradeResponse } from '../protocol/handshake.js';
import { clientCompression, type CompressionOption } from './compression.js';
import type { SocketSetup } from './connection.js';
import { DEFAULT_HANDSHAKE_TIMEOUT } from './defaults.js';
import { resolveLimits, type ConnectionLimitOptions } from './limits.js';

export interface ClientOptions extends ConnectionLimitOptions {
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** The Origin header to send (browsers always send one; Node clients only when set). */
  origin?: string;
  /** Milliseconds for the whole opening handshake (connect, TLS, the server's 101); default 10000. */
  handshakeTimeout?: number;
  /** Offer permessage-deflate (default true, as browsers do); false to never offer it, or options. */
  perMessageDeflate?: CompressionOption;
  /** wss:// only: trusted CAs (default: Node's bundled list). */
  ca?: SecureContextOptions['ca'];
  /** wss:// only: client certificate and key for mutual TLS. */
  cert?: SecureContextOptions['cert'];
  key?: SecureContextOptions['key'];
  /** wss:// only: verify the server's certificate (default true). */
  rejectUnauthorized?: boolean;
  /** wss:// only: the TLS server name (SNI); default the URL's host name. */
  servername?: string;
  /** Anything else for http.request / https.request (localAddress, family, lookup, agent ...). */
  requestOptions?: http.RequestOptions & https.RequestOptions;
}

/** What a client handshake reports to: the connection it opens. */
export interface HandshakeTarget {
  attach(setup: SocketSetup<any>): void;
  failConnect(err: Error): void;
}

function urlError(message: string): WebSocketError {
  return new WebSocketError(ErrorCode.InvalidUrl, message);
}

/** Parses and checks a WebSocket URL as the browser's constructor does. */
export function parseWebSocketUrl(address: string | URL): URL {
  let url: URL;
  try {
    url = new URL(typeof address === 'string' ? address : address.href);
  } catch {
    throw urlError(`Invalid URL: ${String(address)}`);
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw urlError(`The URL's scheme must be ws, wss, http or https, not "${url.protocol.slice(0, -1)}"`);
  if (url.hash) throw urlError('The URL must not contain a fragment');
  return url;
}

function parseProtocols(protocols: string | string[] | undefined): string[] {
  const list = protocols === undefined ? [] : typeof protocols === 'string' ? [protocols] : [...protocols];
  const seen = new Set<string>();
  for (const p of list) {
    if (!isToken(p)) throw urlError(`Invalid subprotocol "${p}"`);
    if (seen.has(p)) throw urlError(`Duplicate subprotocol "${p}"`);
    seen.add(p);
  }
  return list;
}

/**
 * Starts the opening handshake for `ws`. Returns the normalized URL and an abort function.
 * Every failure reaches the socket as failConnect(err): 'error', then 'close' with 1006.
 */
export function openClientConnection(
  ws: HandshakeTarget,
  address: string | URL,
  protocols: string | string[] | undefined,
  options: ClientOptions,
): { url: string; abort: (err: Error) => void } {
  const url = parseWebSocketUrl(address);
  const offeredProtocols = parseProtocols(protocols);
  const limits = resolveLimits(options, 'client');
  const compression = clientCompression(options.perMessageDeflate ?? true, limits.maxPayload);
  const key = generateKey();
  const secure = url.protocol === 'wss:';
  const headers = buildClientHeaders({
    key,
    protocols: offeredProtocols,
    extensions: compression?.offerHeader,
    origin: options.origin,
    headers: options.headers,
  });

  let settled = false;
  const fail = (err: Error) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    req.destroy();
    process.nextTick(() => ws.failConnect(err));
  };

  const requestOptions: https.RequestOptions = {
    ...options.requestOptions,
    protocol: secure ? 'https:' : 'http:',
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port || (secure ? 443 : 80),
    path: url.pathname + url.search,
    method: 'GET',
    headers,
    agent: options.requestOptions?.agent ?? false,
  };
  if (secure) {
    if (options.ca !== undefined) requestOptions.ca = options.ca;
    if (options.cert !== undefined) requestOptions.cert = options.cert;
    if (options.key !== undefined) requestOptions.key = options.key;
    if (options.rejectUnauthorized !== undefined) requestOptions.rejectUnauthorized = options.rejectUnauthorized;
    if (options.servername !== undefined) requestOptions.servername = options.servername;
  }
  const req = (secure ? https : http).request(requestOptions);

  const timeoutMs = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT;
  const timer = setTimeout(
    () => fail(new WebSocketError(ErrorCode.HandshakeTimeout, `Opening handshake timed out after ${timeoutMs} ms`)),
    timeoutMs,
  );

  req.on('error', (err) => {
    fail(new WebSocketError(ErrorCode.ConnectionFailed, `Connection to ${url.href} failed: ${err.message}`, { cause: err }));
  });
  req.on('response', (res) => {
    res.resume();
    fail(new WebSocketError(ErrorCode.HandshakeRejected, `Unexpected server response: ${res.statusCode}`));
  });
  req.on('upgrade', (res: http.IncomingMessage, socket: Socket, head: Buffer) => {
    if (settled) {
      socket.destroy();
      return;
    }
    let accepted;
    let deflate = null;
    try {
      accepted = validateUpgradeResponse(res, key, offeredProtocols, compression ? [compression.name] : []);
      const ext = accepted.extensions[0];
      if (ext && compression) deflate = compression.accept(ext);
    } catch (err) {
      socket.destroy();
      fail(err as Error);
      return;
    }
    settled = true;
    clearTimeout(timer);
    ws.attach({
      limits,
      role: 'client',
      socket,
      head,
      protocol: accepted.protocol,
      extensions: (res.headers['sec-websocket-extensions'] as string | undefined) ?? '',
      deflate,
    });
  });
  req.end();

  return { url: url.href, abort: fail };
}
