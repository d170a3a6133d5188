// Turning a text frame into a command, and checking command params. Nothing here throws
// on client input except HubError, which becomes an error reply.

import { decodedLength } from '../wire/base64.js';
import { METHODS, type HistoryDirection, type Method, type StreamPosition } from '../wire/index.js';
import { HubError } from './errors.js';
import { jsonDepthExceeds } from './json-depth.js';
import { LIMIT_DEFAULTS } from './options.js';

export type Params = Record<string, unknown>;

export type Decoded =
  | { kind: 'command'; id: number; method: Method; params: Params }
  | { kind: 'error'; id: number; error: HubError }
  /** Not a command at all: the connection is closed with DisconnectCode.badRequest. */
  | { kind: 'fatal'; reason: string };

const KNOWN_METHODS = new Set<string>(METHODS);

/** Decodes a command frame; `maxDepth` bounds the nesting of arrays and objects (limits.maxJsonDepth). */
export function decodeCommand(text: string, maxDepth: number = LIMIT_DEFAULTS.maxJsonDepth): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'fatal', reason: 'frame is not JSON' };
  }
  if (!isPlainObject(value)) return { kind: 'fatal', reason: 'command must be a JSON object' };
  const { id, method, params } = value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
    return { kind: 'fatal', reason: 'command needs a positive integer id' };
  }
  if (jsonDepthExceeds(text, maxDepth)) {
    return { kind: 'error', id, error: new HubError('badRequest', `JSON nested deeper than ${maxDepth} levels`) };
  }
  if (typeof method !== 'string' || !KNOWN_METHODS.has(method)) {
    return { kind: 'error', id, error: new HubError('unknownCommand', `unknown command ${JSON.stringify(method)}`) };
  }
  if (params !== undefined && !isPlainObject(params)) {
    return { kind: 'error', id, error: new HubError('badRequest', 'params must be an object') };
  }
  return { kind: 'command', id, method: method as Method, params: params ?? {} };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireString(params: Params, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') throw new HubError('badRequest', `"${name}" must be a non-empty string`);
  return value;
}

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new HubError('badRequest', `"${name}" must be a string`);
  return value;
}

export function optionalBoolean(params: Params, name: string): boolean {
  const value = params[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new HubError('badRequest', `"${name}" must be a boolean`);
  return value;
}

export function optionalLimit(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new HubError('badRequest', `"${name}" must be an integer >= 0`);
  }
  return value;
}

export function optionalPosition(params: Params, name: string): StreamPosition | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw new HubError('badRequest', `"${name}" must be {offset, epoch}`);
  const { offset, epoch } = value;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 || typeof epoch !== 'string') {
    throw new HubError('badRequest', `"${name}" must be {offset: integer >= 0, epoch: string}`);
  }
  return { offset, epoch };
}

export function optionalDirection(params: Params, name: string): HistoryDirection {
  const value = params[name];
  if (value === undefined || value === 'forward') return 'forward';
  if (value === 'backward') return 'backward';
  throw new HubError('badRequest', `"${name}" must be "forward" or "backward"`);
}

export function requirePresent(params: Params, name: string): unknown {
  if (!(name in params) || params[name] === undefined) throw new HubError('badRequest', `"${name}" is required`);
  return params[name];
}

/**
 * The data of a publish command or API call: `data` (JSON), or `b64` (base64 bytes) as a
 * Buffer. Exactly one must be there. Malformed base64 is 107; bytes over `maxSize` are 112,
 * judged from the length before anything is decoded.
 */
export function publicationData(params: Params, maxSize: number): unknown {
  const b64 = params.b64;
  if (b64 === undefined) return requirePresent(params, 'data');
  if (params.data !== undefined) throw new HubError('badRequest', 'give "data" or "b64", not both');
  if (typeof b64 !== 'string') throw new HubError('badRequest', '"b64" must be a base64 string');
  if (decodedLength(b64) > maxSize) throw new HubError('messageTooLarge', 'publication data too large');
  const bytes = Buffer.from(b64, 'base64');
  // Node's decoder skips what is not base64; only the canonical encoding of the bytes passes.
  if (bytes.toString('base64') !== b64) throw new HubError('badRequest', '"b64" is not valid base64 (RFC 4648, padded, no whitespace)');
  return bytes;
}

/** Publication data as JSON text: refused (107) when it is not JSON or nests too deeply. */
export function encodeData(data: unknown, maxDepth: number): string {
  let encoded: string | undefined;
  try {
    encoded = JSON.stringify(data);
  } catch {
    // A cycle, a BigInt, or nesting deep enough to overflow the stack.
    throw new HubError('badRequest', 'data cannot be encoded as JSON');
  }
  if (encoded === undefined) throw new HubError('badRequest', 'data must be JSON');
  if (jsonDepthExceeds(encoded, maxDepth)) throw new HubError('badRequest', `data nested deeper than ${maxDepth} levels`);
  return encoded;
}
