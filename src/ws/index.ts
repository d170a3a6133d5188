// volley/ws: a complete WebSocket library on its own (server and client), Node built-ins only.
export { WebSocket, type WebSocketEvents, type BinaryType, type ReadyState, type SendData, type SendOptions } from './websocket.js';
export { WebSocketServer, type WebSocketServerEvents, type WebSocketServerOptions, type UpgradeVerdict, abortHandshake } from './server.js';
export { type ClientOptions, parseWebSocketUrl } from './client-handshake.js';
export { PreparedMessage, prepareMessage } from './prepared-message.js';
export { WsEvent, MessageEvent, CloseEvent, ErrorEvent } from './events.js';
export { type MessageData } from './browser-events.js';
export {
  DEFAULT_MAX_PAYLOAD, DEFAULT_MAX_FRAGMENTS, DEFAULT_CLOSE_TIMEOUT, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_HIGH_WATER_MARK,
  DEFAULT_MAX_BUFFERED_AMOUNT, DEFAULT_DRAIN_TIMEOUT,
} from './defaults.js';
export { type ConnectionLimitOptions } from './limits.js';
export { type CompressionOption } from './compression.js';
export { CloseCode, ErrorCode, WebSocketError, ProtocolError, HandshakeError } from '../protocol/index.js';
