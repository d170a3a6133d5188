// The contract between a hub node and the engine that connects the nodes of a cluster.
// Every method is asynchronous and every subscription is per channel, so that Redis
// (pub/sub + streams + sorted sets) and NATS (subjects + JetStream/KV) can implement it.
// Memory is the first implementation; test/broker/contract.ts is the contract suite.

import type { ClientInfo, HistoryDirection, StreamPosition } from '../wire/index.js';

export type { ClientInfo, HistoryDirection, StreamPosition };

/** A publication as the engine stores and carries it. `data` is JSON text, encoded once. */
export interface BrokerPublication {
  /** Position in the channel's stream; 0 when the channel keeps no history. */
  offset: number;
  data: string;
  /** A binary publication: `data` is a JSON string of the bytes in base64 (the wire's `b64`). */
  binary?: true;
  info?: ClientInfo;
  /**
   * Set on the first publication of a stream (offset 1) only: the epoch the stream
   * started with, so that a subscriber that joined before the stream existed (and was
   * given the empty epoch) learns it without the stream being created for it.
   */
  epoch?: string;
}

export type BrokerEvent =
  | { type: 'publication'; channel: string; publication: BrokerPublication; excludeClient?: string }
  | { type: 'join'; channel: string; info: ClientInfo }
  | { type: 'leave'; channel: string; info: ClientInfo }
  /**
   * Publications of the channel were lost on their way to this node and history could not
   * supply them; `next` is the offset of the first publication handed on after the loss.
   * Only networked brokers (their ChannelFeed) raise it.
   */
  | { type: 'gap'; channel: string; next: number };

export type BrokerHandler = (event: BrokerEvent) => void;

export interface HistoryRetention {
  /** Keep at most this many publications (the oldest are trimmed first). */
  size: number;
  /** Drop the publications this long after the last one; offsets keep counting. */
  ttlMs: number;
  /**
   * Keep the stream's epoch and offset this long after the last publication or history
   * read; when they are lost the next publication starts a new epoch at offset 1.
   */
  metaTtlMs: number;
}

export interface BrokerPublishOptions {
  /** Store the publication in the channel's stream with this retention. */
  history?: HistoryRetention;
  /** The publishing client, carried along with the publication. */
  info?: ClientInfo;
  /** A client id that must not receive this publication (broadcast excluding the sender). */
  excludeClient?: string;
  /** `data` is a JSON string of base64 bytes: deliver it as a binary publication. */
  binary?: true;
}

export interface BrokerHistoryOptions {
  /** forward: offsets above since.offset, oldest first. backward: below it, newest first. */
  since?: StreamPosition;
  /** Maximum number of publications; omitted means all retained, 0 means position only. */
  limit?: number;
  direction?: HistoryDirection;
  /**
   * A subscriber's read of its starting position. A live stream's meta lifetime is
   * extended to `metaTtlMs` from now, and networked brokers remember the position to
   * resync from after a reconnect. A channel without a stream gets none: reading never
   * creates state, so subscribing to many new channels costs the engine nothing.
   */
  retention?: HistoryRetention;
}

export interface BrokerHistoryResult {
  publications: BrokerPublication[];
  /** The stream's current top offset (0 when there is no stream). */
  offset: number;
  /** '' when the channel has no stream. */
  epoch: string;
}

export interface PresenceStats {
  numClients: number;
  numUsers: number;
}

/** Node-to-node commands that are not about one channel. */
export type ControlMessage =
  | { type: 'disconnect'; user: string; code: number; reason: string }
  | { type: 'disconnect-client'; client: string; code: number; reason: string }
  /** An admin console session logged out: every node refuses it from now until it expires. */
  | { type: 'admin-revoke'; nonce: string; expiresAt: number };

export type ControlHandler = (message: ControlMessage) => void;

export interface Broker {
  /**
   * Starts delivering the channel's events to this node. A node subscribes only while it
   * has at least one local subscriber, and with one handler per channel. Resolves once
   * events published after this point are guaranteed to arrive.
   */
  subscribe(channel: string, handler: BrokerHandler): Promise<void>;
  unsubscribe(channel: string): Promise<void>;

  /** Delivers a publication to every subscribed node; stores it when `history` is given. */
  publish(channel: string, data: string, options?: BrokerPublishOptions): Promise<StreamPosition>;
  publishJoin(channel: string, info: ClientInfo): Promise<void>;
  publishLeave(channel: string, info: ClientInfo): Promise<void>;

  /** Reads the stream. It never judges a position: the hub decides what is recoverable. */
  history(channel: string, options?: BrokerHistoryOptions): Promise<BrokerHistoryResult>;
  removeHistory(channel: string): Promise<void>;

  /** Adds or refreshes a presence entry that vanishes after ttlMs unless refreshed again. */
  addPresence(channel: string, info: ClientInfo, ttlMs: number): Promise<void>;
  removePresence(channel: string, clientId: string): Promise<void>;
  presence(channel: string): Promise<Record<string, ClientInfo>>;
  presenceStats(channel: string): Promise<PresenceStats>;

  /** Control messages reach every node, the sender included. */
  subscribeControl(handler: ControlHandler): Promise<void>;
  publishControl(message: ControlMessage): Promise<void>;

  /**
   * One round trip to the engine: resolves when it answers, rejects (BrokerUnavailableError)
   * when it cannot be reached. The server's health probe calls it; a broker without it counts
   * as always reachable.
   */
  ping?(): Promise<void>;

  close(): Promise<void>;
}
