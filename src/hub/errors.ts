import { ErrorName, WireErrorCode, type WireErrorCodeKey, type WireError } from '../wire/index.js';

/** An error meant for the client: it becomes an error reply with a stable code. */
export class HubError extends Error {
  readonly code: number;
  readonly errorName: string;

  constructor(key: WireErrorCodeKey, message: string) {
    super(message);
    this.name = 'HubError';
    this.code = WireErrorCode[key];
    this.errorName = ErrorName[WireErrorCode[key]];
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

/** Whether a thrown value is an engine outage: retriable, and not a bug worth a stack trace. */
export function isBrokerUnavailable(error: unknown): boolean {
  return error instanceof Error && error.name === BROKER_UNAVAILABLE;
}

/** Any thrown value as a wire error; unexpected errors hide their message. */
export function toWireError(error: unknown): WireError {
  if (error instanceof HubError) return error.toWire();
  if (isBrokerUnavailable(error)) {
    return { code: WireErrorCode.unavailable, name: ErrorName[WireErrorCode.unavailable], message: 'temporarily unavailable, try again' };
  }
  return { code: WireErrorCode.internal, name: ErrorName[WireErrorCode.internal], message: 'internal server error' };
}
