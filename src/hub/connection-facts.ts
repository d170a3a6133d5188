// What an operator may see of connections (the HTTP API's `connections` method and the
// admin console): a connection's public facts and the node's traffic totals. Read-only
// copies; nothing here changes a connection.

import type { Connection, ConnectionState, ConnectionTraffic } from './connection.js';

/** One connection's public facts. No token, no connInfo, no message contents. */
export interface ConnectionFacts extends ConnectionTraffic {
  client: string;
  /** '' for anonymous connections (and before `connect`). */
  user: string;
  transport: string;
  /** The peer's IP address as the transport saw it; absent when it does not say. */
  remoteAddress?: string;
  state: ConnectionState;
  /** Client name and version from its `connect` command ('' when it sent none). */
  name: string;
  version: string;
  /** Channels it is subscribed to, in subscription order. */
  channels: string[];
  /** ms since the epoch. */
  connectedAt: number;
}

/** Messages and bytes through the node's connections since the hub started, and error replies. */
export type HubTraffic = ConnectionTraffic;

export interface ConnectionQuery {
  /** Only this user's connections ('' for the anonymous ones). */
  user?: string | undefined;
  /** Skip this many (in order of connection). Default 0. */
  offset?: number | undefined;
  /** Return at most this many. Default 100. */
  limit?: number | undefined;
}

export interface ConnectionPage {
  /** Connections matching the query on this node, before paging. */
  total: number;
  connections: ConnectionFacts[];
}

export function connectionFacts(connection: Connection): ConnectionFacts {
  const facts: ConnectionFacts = {
    client: connection.id,
    user: connection.user,
    transport: connection.transport,
    state: connection.state,
    name: connection.clientName,
    version: connection.clientVersion,
    channels: [...connection.subscriptions.keys()],
    connectedAt: connection.connectedAt,
    ...connection.traffic,
  };
  const address = connection.remoteAddress;
  if (address !== undefined) facts.remoteAddress = address;
  return facts;
}

/** A page of `connections` (any iterable in connection order) matching the query. */
export function pageOfConnections(connections: Iterable<Connection>, total: number, query: ConnectionQuery): ConnectionPage {
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 100;
  const page: ConnectionFacts[] = [];
  let index = 0;
  for (const connection of connections) {
    if (page.length >= limit) break;
    if (index++ < offset) continue;
    page.push(connectionFacts(connection));
  }
  return { total, connections: page };
}

/** Adds one connection's counters into `into`. */
export function addTraffic(into: HubTraffic, from: Readonly<ConnectionTraffic>): void {
  into.messagesIn += from.messagesIn;
  into.bytesIn += from.bytesIn;
  into.messagesOut += from.messagesOut;
  into.bytesOut += from.bytesOut;
  into.errors += from.errors;
}
