import { ErrorCode, ErrorName, type ErrorCodeKey, type WireError } from './wire.js';

/** An error meant for the client: it becomes an error reply with a stable code. */
export class HubError extends Error {
  readonly code: number;
  readonly errorName: string;

  constructor(key: ErrorCodeKey, message: string) {
    super(message);
    this.name = 'HubError';
    this.code = ErrorCode[key];
    this.errorName = ErrorName[ErrorCode[key]];
  }

  toWire(): WireError {
    return { code: this.code, name: this.errorName, message: this.message };
  }
}

/**
 * Brokers signal an engine they cannot reach (Redis or NATS down) with an error of this
 * name; the hub turns it into the retriable `unavailable` instead of `internal`.
 */
export const BROKER_UNAVAILABLE = 'BrokerUnavailableError';

/** Any thrown value as a wire error; unexpected errors hide their message. */
export function toWireError(error: unknown): WireError {
  if (error instanceof HubError) return error.toWire();
  if (error instanceof Error && error.name === BROKER_UNAVAILABLE) {
    return { code: ErrorCode.unavailable, name: ErrorName[ErrorCode.unavailable], message: 'temporarily unavailable, try again' };
  }
  return { code: ErrorCode.internal, name: ErrorName[ErrorCode.internal], message: 'internal server error' };
}
