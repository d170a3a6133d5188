// volley/ws: a complete WebSocket library on its own (server and client), Node built-ins only.
export { WebSocket, type WebSocketEvents, type BinaryType, type ReadyState, type SendData, type SendOptions } from './websocket.js';
export { WebSocketServer, type WebSocketServerEvents, type WebSocketServerOptions, type UpgradeVerdict, abortHandshake } from './server.js';
export { type ClientOptions, parseWebSocketUrl } from './client-handshake.js';
export { PreparedMessage, prepareMessage } from './prepared-message.js';
export { WsEvent, MessageEvent, CloseEvent, ErrorEvent } from './events.js';
export { type MessageData } from './browser-events.js';
export { DEFAULT_MAX_PAYLOAD, DEFAULT_CLOSE_TIMEOUT } from './defaults.js';
export { type CompressionOption } from './compression.js';
export { CloseCode, ErrorCode, WebSocketError, ProtocolError, HandshakeError } from '../protocol/index.js';
