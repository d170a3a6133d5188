// volley.v1, the wire protocol shared by hub/, broker/, transports and the client SDK.
// A leaf: it imports nothing of the project and nothing Node-only.
export * from './codes.js';
export * from './messages.js';
export * from './tokens.js';
