// Codes the client itself produces. Wire error codes start at 100 and WebSocket close
// codes at 1000, so client codes live below 100 and never collide with either.

/** Why the client left the connected state (`connecting` and `disconnected` events). */
export const ClientCode = {
  /** The app called `connect()` (the reason of the first `connecting`). */
  connectCalled: 0,
  /** The app called `disconnect()`. */
  disconnectCalled: 1,
  /** No reply to `connect` within `timeoutMs` after the socket was asked to open. */
  connectTimeout: 2,
  /** Nothing arrived from the server for `pingIntervalMs + pongTimeoutMs`. */
  noHeartbeat: 3,
  /** The server sent a frame that is not a JSON object. */
  badMessage: 4,
  /** A subscribe got no reply in time, so server and client may disagree about it. */
  subscribeTimeout: 5,
  /** No transport of the `transports` option can open here (no WebSocket constructor, no fetch). */
  noWebSocket: 6,
  /** The WebSocket constructor refused the URL. */
  badUrl: 7,
  /** The app called `subscribe()` (the reason of a subscription's first `subscribing`). */
  subscribeCalled: 8,
  /** The app called `unsubscribe()`. */
  unsubscribeCalled: 9,
  /** The server lost publications of the channel on their way to it: subscribing again from the position. */
  publicationsLost: 10,
} as const;

/** Codes of errors the client raises itself (wire errors keep their own codes, 100+). */
export const ClientErrorCode = {
  /** No reply within the command's timeout. A publish may still have been made. */
  timeout: 20,
  /** The connection closed before the reply came. A publish may still have been made. */
  connectionClosed: 21,
  /** The client is disconnected and will not reconnect on its own. */
  disconnected: 22,
  /** `offlinePublishes: 'reject'` and the client is not connected. */
  offline: 23,
  /** The queue of commands waiting for a connection holds `offlineQueueSize` already. */
  queueFull: 24,
  /** `getToken` failed or returned an empty token. */
  tokenError: 25,
  /** The params cannot be encoded as JSON (a cycle, a BigInt). */
  badData: 26,
} as const;
