import * as crypto from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { WEBSOCKET_GUID, WEBSOCKET_VERSION } from './constants.js';
import { ErrorCode, HandshakeError } from './errors.js';
import { type ExtensionOffer, isToken, parseExtensionHeader } from './extension-header.js';

/** Header values as node:http gives them (lower-case names). */
export type HeaderMap = Record<string, string | string[] | undefined>;

export interface UpgradeRequest {
  method?: string;
  httpVersion?: string;
  headers: HeaderMap;
}

/** What a valid opening handshake request asks for. */
export interface ValidatedUpgrade {
  key: string;
  host: string;
  origin: string | undefined;
  /** Subprotocols offered, in the client's order of preference. */
  protocols: string[];
  /** Extension offers, in the client's order of preference. */
  extensions: ExtensionOffer[];
}

const KEY_PATTERN = /^[+/0-9A-Za-z]{22}==$/;

function header(headers: HeaderMap, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Splits a comma-separated header into lower-case tokens. */
export function tokenList(value: string | undefined): string[] {
  if (!value) return [];
  return value.split(',').map((t) => t.trim().toLowerCase()).filter((t) => t.length > 0);
}

/** Whether a comma-separated header holds `token` (lower-case), as tokenList(value).includes(token). */
function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  // The usual case, a header of just the token: no split, no array.
  if (value.length === token.length) return value.toLowerCase() === token;
  return tokenList(value).includes(token);
}

// crypto.hash (Node 20.12+) digests in one call, without a Hash object: a third of the time of
// createHash().update().digest() for a key.
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64') => string }).hash;

/** Sec-WebSocket-Accept for a key (RFC 6455 section 4.2.2). */
export function computeAccept(key: string): string {
  if (oneShotHash !== undefined) return oneShotHash('sha1', key + WEBSOCKET_GUID, 'base64');
  return crypto.createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}

/** A fresh Sec-WebSocket-Key: base64 of 16 random bytes. */
export function generateKey(): string {
  return crypto.randomBytes(16).toString('base64');
}

/**
 * Parses Sec-WebSocket-Protocol: a list of tokens, no duplicates.
 * Throws HandshakeError (400) when malformed.
 */
export function parseSubprotocols(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const raw of value.split(',')) {
    const p = raw.trim();
    if (!isToken(p) || out.includes(p)) {
      throw new HandshakeError(ErrorCode.InvalidSubprotocol, 400, `Invalid Sec-WebSocket-Protocol header "${value}"`);
    }
    out.push(p);
  }
  return out;
}

function reject(status: number, message: string, headers?: Record<string, string>): HandshakeError {
  return new HandshakeError(ErrorCode.InvalidHandshake, status, message, headers);
}

/**
 * Checks an opening handshake request (RFC 6455 section 4.2.1). Throws HandshakeError
 * carrying the HTTP status to answer with: 405 for a method other than GET, 426 with
 * `Sec-WebSocket-Version: 13` for another version, 400 for everything else malformed.
 */
export function validateUpgradeRequest(req: UpgradeRequest): ValidatedUpgrade {
  if (req.method !== undefined && req.method !== 'GET') {
    throw reject(405, `Invalid HTTP method ${req.method}`, { Allow: 'GET' });
  }
  if (req.httpVersion !== undefined && req.httpVersion !== '1.1') {
    const [major, minor] = req.httpVersion.split('.').map(Number);
    if (!(major! > 1 || (major === 1 && minor! >= 1))) throw reject(400, `HTTP/${req.httpVersion} cannot upgrade; HTTP/1.1 is required`);
  }
  const h = req.headers;
  const host = header(h, 'host');
  if (!host) throw reject(400, 'Missing Host header');
  if (!hasToken(header(h, 'upgrade'), 'websocket')) throw reject(400, 'Missing or invalid Upgrade header');
  if (!hasToken(header(h, 'connection'), 'upgrade')) throw reject(400, 'Missing or invalid Connection header');
  const version = header(h, 'sec-websocket-version');
  if (version?.trim() !== String(WEBSOCKET_VERSION)) {
    throw reject(426, version === undefined ? 'Missing Sec-WebSocket-Version header' : `Unsupported WebSocket version ${version}`, {
      'Sec-WebSocket-Version': String(WEBSOCKET_VERSION),
    });
  }
  const key = header(h, 'sec-websocket-key')?.trim();
  if (!key) throw reject(400, 'Missing Sec-WebSocket-Key header');
  if (!KEY_PATTERN.test(key)) throw reject(400, 'Sec-WebSocket-Key is not base64 of 16 bytes');

  const protocols = parseSubprotocols(header(h, 'sec-websocket-protocol'));
  const extHeader = header(h, 'sec-websocket-extensions');
  const extensions = extHeader === undefined ? [] : parseExtensionHeader(extHeader);
  return { key, host, origin: header(h, 'origin'), protocols, extensions };
}

export interface UpgradeResponseOptions {
  key: string;
  protocol?: string | undefined;
  /** Formatted Sec-WebSocket-Extensions value, if any extension was accepted. */
  extensions?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/** The 101 response, as raw bytes to write on the socket. */
export function buildUpgradeResponse(opts: UpgradeResponseOptions): string {
  let out =
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Accept: ${computeAccept(opts.key)}\r\n`;
  if (opts.protocol) out += `Sec-WebSocket-Protocol: ${opts.protocol}\r\n`;
  if (opts.extensions) out += `Sec-WebSocket-Extensions: ${opts.extensions}\r\n`;
  if (opts.headers) for (const [k, v] of Object.entries(opts.headers)) out += `${k}: ${v}\r\n`;
  return out + '\r\n';
}

/** A refusal response that closes the connection, as raw bytes to write on the socket. */
export function buildRejectResponse(status: number, message?: string, headers: Record<string, string> = {}): string {
  const body = message ?? STATUS_CODES[status] ?? '';
  let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  for (const [k, v] of Object.entries(headers)) out += `${k}: ${v}\r\n`;
  return out + '\r\n' + body;
}

export interface ClientHandshakeOptions {
  key: string;
  protocols: string[];
  extensions?: string | undefined;
  origin?: string | undefined;
  headers?: Record<string, string> | undefined;
}

/** Request headers a client sends (RFC 6455 section 4.1); Host is set by the HTTP layer. */
export function buildClientHeaders(opts: ClientHandshakeOptions): Record<string, string> {
  const out: Record<string, string> = { ...opts.headers };
  out['Connection'] = 'Upgrade';
  out['Upgrade'] = 'websocket';
  out['Sec-WebSocket-Version'] = String(WEBSOCKET_VERSION);
  out['Sec-WebSocket-Key'] = opts.key;
  if (opts.protocols.length > 0) out['Sec-WebSocket-Protocol'] = opts.protocols.join(', ');
  if (opts.extensions) out['Sec-WebSocket-Extensions'] = opts.extensions;
  if (opts.origin) out['Origin'] = opts.origin;
  return out;
}

export interface UpgradeResponse {
  statusCode?: number | undefined;
  headers: HeaderMap;
}

export interface AcceptedUpgrade {
  protocol: string;
  extensions: ExtensionOffer[];
}

function bad(code: ErrorCode, message: string): HandshakeError {
  return new HandshakeError(code, 0, message);
}

/**
 * Checks the server's answer to our opening handshake (RFC 6455 section 4.1, steps 1-6).
 * `offeredExtensions` are the extension names we offered; anything else is an error.
 */
export function validateUpgradeResponse(
  res: UpgradeResponse,
  key: string,
  offeredProtocols: string[],
  offeredExtensions: string[],
): AcceptedUpgrade {
  if (res.statusCode !== 101) throw bad(ErrorCode.HandshakeRejected, `Unexpected server response: ${res.statusCode}`);
  const h = res.headers;
  if (!tokenList(header(h, 'upgrade')).includes('websocket')) throw bad(ErrorCode.InvalidHandshake, 'Invalid Upgrade header in the response');
  if (!tokenList(header(h, 'connection')).includes('upgrade')) throw bad(ErrorCode.InvalidHandshake, 'Invalid Connection header in the response');
  if (header(h, 'sec-websocket-accept') !== computeAccept(key)) throw bad(ErrorCode.InvalidAccept, 'Invalid Sec-WebSocket-Accept header');

  const protocol = header(h, 'sec-websocket-protocol');
  if (protocol !== undefined) {
    if (!offeredProtocols.includes(protocol)) throw bad(ErrorCode.InvalidSubprotocol, `Server chose a subprotocol that was not offered: "${protocol}"`);
  } else if (offeredProtocols.length > 0) {
    // Browsers fail here too: we asked for a subprotocol and got none.
    throw bad(ErrorCode.InvalidSubprotocol, 'Server sent no subprotocol');
  }

  const extHeader = header(h, 'sec-websocket-extensions');
  let extensions: ExtensionOffer[] = [];
  if (extHeader !== undefined) {
    try {
      extensions = parseExtensionHeader(extHeader);
    } catch (err) {
      throw bad(ErrorCode.InvalidExtension, (err as Error).message);
    }
    const seen = new Set<string>();
    for (const ext of extensions) {
      if (!offeredExtensions.includes(ext.name)) throw bad(ErrorCode.InvalidExtension, `Server accepted an extension that was not offered: "${ext.name}"`);
      if (seen.has(ext.name)) throw bad(ErrorCode.InvalidExtension, `Server accepted "${ext.name}" twice`);
      seen.add(ext.name);
    }
  }
  return { protocol: protocol ?? '', extensions };
}

/** An upgrade request read from raw bytes by parseUpgradeHead. */
export interface RawUpgradeHead {
  url: string;
  /** Lower-case names; each header appears once. */
  headers: Record<string, string>;
  /** Names and values as received, alternating (as node:http's rawHeaders). */
  rawHeaders: string[];
  /** Bytes of the request head, CRLFCRLF included: what follows belongs to the WebSocket. */
  length: number;
}

/** Largest request head parseUpgradeHead reads (a browser's is about 500 bytes). */
export const MAX_FAST_HEAD = 4096;
const MAX_FAST_HEADERS = 32;
const REQUEST_LINE = /^GET (\/[!-~]*) HTTP\/1\.1$/;
// A token, a colon, then visible ASCII, spaces and tabs only (no obs-fold, no obs-text, no
// control character). Linear: the value's surrounding spaces and tabs are trimmed afterwards,
// as node:http does, not by a lazy pattern (which would backtrack on a run of spaces).
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):([\t -~]*)$/;

/**
 * Reads a WebSocket upgrade request from the start of `bytes` when it is there whole and in
 * the plainest form: `GET /path HTTP/1.1`, at most 32 headers in MAX_FAST_HEAD bytes, each
 * name once, no body, and (as node:http decides what is an upgrade) `Connection` naming
 * `upgrade` and an `Upgrade` header present. Anything else returns null, and the bytes go to
 * node:http, which answers them as it always does: this reads a strict subset of HTTP, so
 * it never accepts what node:http would refuse.
 */
export function parseUpgradeHead(bytes: Buffer): RawUpgradeHead | null {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1 || end + 4 > MAX_FAST_HEAD) return null;
  const text = bytes.toString('latin1', 0, end);
  let lineEnd = text.indexOf('\r\n');
  const requestLine = REQUEST_LINE.exec(lineEnd === -1 ? text : text.slice(0, lineEnd));
  if (requestLine === null) return null;
  // A plain object from the start (not a null-prototype one spread into another, which cost a
  // microsecond a handshake): a name it already answers to, a repeated header or an inherited
  // one (`constructor`, `__proto__`), sends the request to node:http.
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  let count = 0;
  while (lineEnd !== -1) {
    const start = lineEnd + 2;
    lineEnd = text.indexOf('\r\n', start);
    if (++count > MAX_FAST_HEADERS) return null;
    const m = HEADER_LINE.exec(lineEnd === -1 ? text.slice(start) : text.slice(start, lineEnd));
    if (m === null) return null;
    const name = m[1]!.toLowerCase();
    if (headers[name] !== undefined || name === 'content-length' || name === 'transfer-encoding') return null;
    const value = m[2]!.trim(); // only spaces and tabs can be trimmed here: the pattern allows no other whitespace
    headers[name] = value;
    rawHeaders.push(m[1]!, value);
  }
  if (headers['upgrade'] === undefined || !hasToken(headers['connection'], 'upgrade')) return null;
  return { url: requestLine[1]!, headers, rawHeaders, length: end + 4 };
}
