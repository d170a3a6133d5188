// What the hub tells whoever watches it (the server's metrics and logs), through one narrow
// interface instead of metric or log calls spread through the hub. The hub always holds an
// observer (NO_OBSERVER until one is added), so a call on the hot path is one property load
// and an empty call. A broadcast is reported once with its recipient count, never per
// recipient, and sizes are UTF-8 bytes the hub has counted once already (for its own
// traffic counters), so no observer counts them again.

import type { Method, WireError } from '../wire/index.js';

/** What an observer sees of a connection. */
export interface ObservedConnection {
  /** The client id (a UUID). */
  readonly id: string;
  /** The session's transport: 'websocket', 'sse', 'http-stream', 'long-polling' … */
  readonly transport: string;
  /** '' until connect succeeds (and for anonymous connections). */
  readonly user: string;
}

export interface HubObserver {
  /** A transport session was accepted (its connect command has not run yet). */
  opened(connection: ObservedConnection): void;
  /** Its connect command succeeded. */
  connected(connection: ObservedConnection): void;
  /** Its connect command was refused with `error`; the connection closes next. */
  refused(connection: ObservedConnection, error: WireError): void;
  /** It has closed: `code` is the server's close code, undefined when the peer or the network ended it. */
  closed(connection: ObservedConnection, code: number | undefined, reason: string): void;
  /** One command frame of `bytes` (UTF-8) arrived. */
  received(bytes: number): void;
  /** A command has been handled, taking `seconds`. */
  command(method: Method, seconds: number): void;
  /** An error reply was sent. */
  error(code: number): void;
  /** One message of `bytes` (UTF-8) was written to `recipients` sessions (a broadcast counts once). */
  sent(bytes: number, recipients: number): void;
  /** A subscribe with a position: whether the missed publications were recovered. */
  recovery(recovered: boolean): void;
  /** Publications of `channel` were lost on their way to this node; `recipients` subscribers were told. */
  gap(channel: string, recipients: number): void;
}

const nothing = (): void => {};

/** The observer a hub has until one is added: every method does nothing. */
export const NO_OBSERVER: HubObserver = {
  opened: nothing,
  connected: nothing,
  refused: nothing,
  closed: nothing,
  received: nothing,
  command: nothing,
  error: nothing,
  sent: nothing,
  recovery: nothing,
  gap: nothing,
};

/** One observer that calls each of `observers` in turn. */
export function allOf(observers: readonly HubObserver[]): HubObserver {
  if (observers.length === 0) return NO_OBSERVER;
  if (observers.length === 1) return observers[0]!;
  const keys = Object.keys(NO_OBSERVER) as (keyof HubObserver)[];
  const combined = {} as Record<keyof HubObserver, (...args: never[]) => void>;
  for (const key of keys) {
    combined[key] = (...args: never[]) => {
      for (const observer of observers) (observer[key] as (...a: never[]) => void)(...args);
    };
  }
  return combined as unknown as HubObserver;
}

/** The hub's current observer, shared by reference with the parts that report to it. */
export class ObserverSlot {
  current: HubObserver = NO_OBSERVER;
}
