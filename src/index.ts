// volley: the real-time server (hub endpoint, publish API, static files) and its parts.
// For sockets alone, import 'volley/ws', which carries nothing of the hub.
export * from './server/index.js';
export * from './hub/index.js';
export * from './wire/index.js';
export * from './broker/index.js';
