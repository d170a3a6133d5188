// The bridge's status and counters, as bridge.stats() returns them.

export type BridgeState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface InboundCounters {
  /** Messages received from the MQTT broker. */
  received: number;
  /** Publications made into Volley (a message matching two rules counts twice). */
  published: number;
  /** Retained messages (current state) among the received. */
  retained: number;
  /** Resent messages (DUP) the bridge had already published: acknowledged, not published again. */
  duplicates: number;
  /** Messages the bridge itself had sent to MQTT (loop prevention): dropped. */
  loops: number;
  /** Dropped: no rule maps the topic (e.g. a subscription left in a persistent session by an older config). */
  noRule: number;
  /** Dropped: the topic's levels do not form a valid channel name. */
  invalidChannel: number;
  /** Dropped: the payload cannot be decoded as the rule's payload mode says. */
  undecodable: number;
  /** Dropped: the publication would exceed the hub's maxPublicationSize. */
  tooLarge: number;
  /** Dropped: the hub refused the publication for good (e.g. unknown namespace). */
  rejected: number;
  /** Publish attempts into Volley that failed for a passing reason and were tried again. */
  retries: number;
}

export interface OutboundCounters {
  /** Publications sent to MQTT (acknowledged by the broker for QoS 1 and 2). */
  sent: number;
  /** Refused with `unavailable`: not connected, or not acknowledged in time. */
  unavailable: number;
  /** Refused with `bad_request`: the data would not form a valid topic or payload. */
  invalid: number;
}

export interface MqttBridgeStats {
  state: BridgeState;
  /** The broker URL without credentials. */
  url: string;
  clientId: string;
  protocolVersion: 4 | 5;
  sharedGroup?: string;
  /** When the current connection was made, ms since the epoch. */
  connectedSince?: number;
  connects: number;
  disconnects: number;
  lastError?: string;
  inbound: InboundCounters;
  outbound: OutboundCounters;
}

export function emptyInbound(): InboundCounters {
  return { received: 0, published: 0, retained: 0, duplicates: 0, loops: 0, noRule: 0, invalidChannel: 0, undecodable: 0, tooLarge: 0, rejected: 0, retries: 0 };
}

export function emptyOutbound(): OutboundCounters {
  return { sent: 0, unavailable: 0, invalid: 0 };
}
