// A hub Session over a WebSocket from volley/ws. Outbound messages are framed once per
// message (OutboundMessage caches the PreparedMessage), so a broadcast writes the same
// frame to every subscriber.

import type { Connection } from '../hub/connection.js';
import type { Hub } from '../hub/hub.js';
import type { Session, OutboundMessage } from '../hub/session.js';
import { prepareMessage, type PreparedMessage, type WebSocket } from '../ws/index.js';

const MAX_REASON_BYTES = 123;

function prepare(text: string): PreparedMessage {
  return prepareMessage(text);
}

/** Each socket's hub connection, for the listeners below (shared by all sockets: no closures per connection). */
const connectionOf = new WeakMap<WebSocket, Connection>();

function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  const connection = connectionOf.get(this);
  if (connection === undefined) return;
  if (isBinary) connection.close(1003, 'binary frames are not supported');
  else connection.handleText(data.toString('utf8'), data.length);
}

function onClose(this: WebSocket): void {
  connectionOf.get(this)?.handleClose();
}

function ignoreError(): void {
  // A socket error is followed by 'close', which ends the hub connection.
}

/** Opens a hub connection for an accepted WebSocket and feeds it the socket's text frames and close. */
export function connectWebSocket(hub: Hub, ws: WebSocket, remoteAddress: string | undefined): Connection {
  const connection = hub.connect(new WebSocketSession(ws, remoteAddress));
  connectionOf.set(ws, connection);
  ws.on('message', onMessage);
  ws.on('close', onClose);
  ws.on('error', ignoreError);
  return connection;
}

export class WebSocketSession implements Session {
  readonly transport = 'websocket';

  /** `remoteAddress`: the peer's IP address, shown to operators (the admin console). */
  constructor(
    private readonly ws: WebSocket,
    readonly remoteAddress?: string,
  ) {}

  send(message: OutboundMessage): void {
    // sendPrepared drops the message itself once the socket is closing or closed (its own
    // state check), so no readyState read here: this runs once per delivery of a fan-out.
    try {
      this.ws.sendPrepared(message.encoded(this.transport, prepare));
    } catch {
      // The socket failed under us; its 'close' event ends the hub connection.
    }
  }

  /**
   * Closes with `code`. A peer that stopped reading (the hub's slow-consumer cut) never sees a
   * close frame: volley/ws then destroys the socket at once (close() above highWaterMark), so
   * the cut frees its descriptor and buffers now rather than after the close timeout.
   */
  close(code: number, reason: string): void {
    try {
      this.ws.close(code, truncateUtf8(reason, MAX_REASON_BYTES));
    } catch {
      this.ws.terminate();
    }
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }
}

function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let end = Math.min(text.length, maxBytes);
  while (end > 0 && Buffer.byteLength(text.slice(0, end)) > maxBytes) end -= 1;
  return text.slice(0, end);
}
