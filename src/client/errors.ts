// One error type for everything a command can fail with: wire errors from the server
// (code 100+, see docs/protocol.md) and the client's own (ClientErrorCode, 20-29).

import type { WireError } from '../wire/index.js';
import { ClientErrorCode } from './codes.js';

const CLIENT_ERROR_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ClientErrorCode).map(([name, code]) => [code, name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]),
);

export class VolleyError extends Error {
  /** A wire error code (100+) or a ClientErrorCode. */
  readonly code: number;
  /** The code's snake_case name, e.g. `permission_denied` or `timeout`. */
  readonly codeName: string;

  constructor(code: number, codeName: string, message: string) {
    super(message);
    this.name = 'VolleyError';
    this.code = code;
    this.codeName = codeName;
  }

  static fromWire(error: WireError): VolleyError {
    return new VolleyError(error.code, error.name, error.message);
  }

  static client(code: (typeof ClientErrorCode)[keyof typeof ClientErrorCode], message: string): VolleyError {
    return new VolleyError(code, CLIENT_ERROR_NAMES[code] ?? 'client_error', message);
  }
}
