import { CloseCode, MAX_CLOSE_REASON_BYTES } from './constants.js';
import { ErrorCode, ProtocolError } from './errors.js';
import { isValidUtf8 } from './utf8.js';

/**
 * Whether a close code may appear in a close frame on the wire (RFC 6455 section 7.4):
 * 1000-1003, 1007-1014 and 3000-4999. 1004-1006 and 1015 are reserved, and
 * 1016-2999 are unassigned protocol codes.
 */
export function isValidWireCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

/** Codes an application may pass to close(), as a browser allows: 1000 or 3000-4999. */
export function isValidApplicationCloseCode(code: number): boolean {
  return code === 1000 || (code >= 3000 && code <= 4999);
}

export interface ParsedClose {
  code: number;
  reason: Buffer;
}

/** Parses a close frame payload; throws ProtocolError with the close code to answer with. */
export function parseClosePayload(payload: Buffer): ParsedClose {
  if (payload.length === 0) return { code: CloseCode.NoStatus, reason: Buffer.alloc(0) };
  if (payload.length === 1) {
    throw new ProtocolError(ErrorCode.InvalidClosePayload, CloseCode.ProtocolError, 'Close frame with a 1-byte payload');
  }
  const code = payload.readUInt16BE(0);
  if (!isValidWireCloseCode(code)) {
    throw new ProtocolError(ErrorCode.InvalidCloseCode, CloseCode.ProtocolError, `Invalid close code ${code}`);
  }
  const reason = payload.subarray(2);
  if (!isValidUtf8(reason)) {
    throw new ProtocolError(ErrorCode.InvalidUtf8, CloseCode.InvalidPayload, 'Close reason is not valid UTF-8');
  }
  return { code, reason };
}

/** Builds a close frame payload. A code of undefined or 1005 yields an empty payload. */
export function buildClosePayload(code?: number, reason: string | Buffer = ''): Buffer {
  if (code === undefined || code === CloseCode.NoStatus) return Buffer.alloc(0);
  const reasonBytes = typeof reason === 'string' ? Buffer.from(reason) : reason;
  if (reasonBytes.length > MAX_CLOSE_REASON_BYTES) throw new RangeError(`Close reason longer than ${MAX_CLOSE_REASON_BYTES} bytes`);
  const out = Buffer.allocUnsafe(2 + reasonBytes.length);
  out.writeUInt16BE(code, 0);
  reasonBytes.copy(out, 2);
  return out;
}
