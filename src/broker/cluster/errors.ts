// Errors of the brokers that talk to a network engine (Redis, NATS).

/**
 * The engine cannot be reached right now. Publishes, subscribes and reads made while the
 * connection is down fail with this error instead of being queued: a caller learns at
 * once that its publication was not delivered, and the node reconnects on its own.
 */
export class BrokerUnavailableError extends Error {
  override readonly name = 'BrokerUnavailableError';

  constructor(engine: string, url: string, cause?: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super(`${engine} at ${url} is unreachable${detail}`, cause === undefined ? undefined : { cause });
  }
}

/** Removes user name and password from a URL before it goes into a message. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
