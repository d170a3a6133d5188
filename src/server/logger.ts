// The logger a VolleyServer writes its events to: a pino logger (what `volley serve` makes)
// or anything with the same four methods. Without one the server logs nothing. Every event
// has an `event` field; docs/operations.md lists them. Never a token, secret or message body.

import type { HubObserver } from '../hub/observer.js';
import { DisconnectCode } from '../wire/index.js';

type LogFn = (fields: Record<string, unknown>, message: string) => void;

export interface Logger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
}

/** The hub's events as log lines: connect, refuse, disconnect (with its code), slow consumer. */
export function loggingObserver(logger: Logger): HubObserver {
  const nothing = () => {};
  return {
    opened: (c) => logger.debug({ event: 'open', conn: c.id, transport: c.transport }, 'session opened'),
    connected: (c) => logger.info({ event: 'connect', conn: c.id, transport: c.transport, user: c.user }, 'client connected'),
    refused: (c, error) =>
      logger.info({ event: 'refuse', conn: c.id, transport: c.transport, stage: 'connect', code: error.code, reason: error.message }, 'connect refused'),
    closed: (c, code, reason) => {
      const fields = { conn: c.id, transport: c.transport, user: c.user };
      if (code === DisconnectCode.slowConsumer) logger.warn({ event: 'slow_consumer', ...fields }, 'slow consumer cut: its outgoing buffer passed limits.highWaterMark');
      logger.info(
        code === undefined ? { event: 'disconnect', ...fields, by: 'client' } : { event: 'disconnect', ...fields, by: 'server', code, reason },
        'client disconnected',
      );
    },
    received: nothing,
    command: nothing,
    error: nothing,
    sent: nothing,
    recovery: nothing,
    gap: (channel, recipients) =>
      logger.warn({ event: 'channel_gap', channel, subscribers: recipients }, 'publications lost on their way to this node; subscribers told to recover'),
  };
}
