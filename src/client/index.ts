// volley/client for browsers (and any runtime with globalThis.WebSocket). Node 20 users
// import the node entry (node.ts), which brings the volley/ws WebSocket along.
export { Client, CLIENT_VERSION } from './client.js';
export { Subscription, type SubscriptionOptions, type PublishOptions, type HistoryOptions, type TypedPublication, type TypedHistoryResult } from './subscription.js';
export { ClientCode, ClientErrorCode } from './codes.js';
export { VolleyError } from './errors.js';
export { CLIENT_DEFAULTS, type ClientOptions, type OfflinePublishPolicy } from './options.js';
export { backoffDelay } from './backoff.js';
export type { WebSocketLike, WebSocketConstructor } from './transport.js';
export type { TransportName } from './transport-choice.js';
export type { EventSourceConstructor, EventSourceLike } from './sse-socket.js';
export type { FetchLike } from './http-socket.js';
export type {
  ClientEvents, ClientState, ConnectedContext, TransportChange, ErrorContext, PresenceContext, PublicationContext, StateChange, StateReason,
  SubscribedContext, SubscriptionEvents, SubscriptionState,
} from './events.js';
export {
  WireErrorCode, ErrorName, DisconnectCode, SUBPROTOCOL, isTemporary,
  type ClientInfo, type StreamPosition, type Publication, type PublishResult, type PresenceResult, type PresenceStatsResult,
} from '../wire/index.js';
