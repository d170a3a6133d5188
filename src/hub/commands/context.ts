// The narrow view of the hub that command handlers get: the services they use and the
// connection registry's two events, and nothing to reach through.

import type { ChannelReads } from '../channel-reads.js';
import type { ChannelTarget } from '../channel-target.js';
import type { Connection } from '../connection.js';
import type { Memberships } from '../memberships.js';
import type { ObserverSlot } from '../observer.js';
import type { ResolvedHubOptions } from '../options.js';
import type { Publisher } from '../publisher.js';
import type { TokenChecks } from '../token-checks.js';

export interface RpcCall {
  client: string;
  user: string;
  connInfo: unknown;
  data: unknown;
}

/** Answers an rpc command; throw HubError for an error reply with its code. */
export type RpcHandler = (call: RpcCall) => unknown;

export interface CommandContext {
  /** Limits, allowAnonymous, presenceTtlMs and the clock. */
  readonly options: ResolvedHubOptions;
  /** Checks a channel name and finds its namespace. */
  resolveChannel(channel: string): ChannelTarget;
  readonly tokens: TokenChecks;
  readonly publisher: Publisher;
  readonly reads: ChannelReads;
  readonly memberships: Memberships;
  rpcHandler(method: string): RpcHandler | undefined;
  /** The connection authenticated (connect) or changed its token (refresh). */
  authenticated(connection: Connection): void;
  /** Runs a call whose result nobody waits for; failures are reported, not thrown. */
  background(operation: Promise<unknown>): void;
  /** Who watches the hub (connects and refusals). */
  readonly observer: ObserverSlot;
}
