// volley: the WebSocket layer; the real-time hub and server are exported as they land.
export * from './ws/index.js';
