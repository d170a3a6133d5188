// The hub's public API. Connections, handlers and services are internals; the wire
// protocol's types and codes are exported from src/wire (and from the package root).
export { Hub, type ChannelPage, type ChannelQuery, type HubStats, type RpcCall, type RpcHandler, type ServerHistoryOptions, type ServerPublishOptions } from './hub.js';
export { OutboundMessage, type Session } from './session.js';
export type { ConnectionFacts, ConnectionPage, ConnectionQuery, HubTraffic } from './connection-facts.js';
export type { HubObserver, ObservedConnection } from './observer.js';
export { HubError } from './errors.js';
export type { HubOptions, HubLimits } from './options.js';
export { LIMIT_DEFAULTS } from './options.js';
export type { AuthOptions } from './auth.js';
export { NAMESPACE_DEFAULTS, type NamespaceOptions, type PublishPolicy } from './namespaces.js';
export type { InterceptedPublication, PublicationSource, PublishInterceptor } from './publisher.js';
