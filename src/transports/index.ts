// The HTTP transports: hub sessions over SSE, HTTP streaming and long-polling, and
// unidirectional SSE at /connection/events. VolleyServer wires them (docs/transports.md).
export { TransportEndpoint, type TransportEndpointOptions, type TransportStats } from './transport-endpoint.js';
export type { SessionRouter } from './session-router.js';
export { TRANSPORT_DEFAULTS, resolveTransportOptions, type ResolvedTransportOptions, type TransportOptions } from './options.js';
export { TransportError } from './http-answers.js';
export { newNodeId, ownerOf } from './session-id.js';
