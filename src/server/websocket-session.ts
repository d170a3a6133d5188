// A hub Session over a WebSocket from volley/ws. Outbound messages are framed once per
// message (OutboundMessage caches the PreparedMessage), so a broadcast writes the same
// frame to every subscriber.

import type { Session, OutboundMessage } from '../hub/session.js';
import { prepareMessage, type PreparedMessage, type WebSocket } from '../ws/index.js';

const MAX_REASON_BYTES = 123;

function prepare(text: string): PreparedMessage {
  return prepareMessage(text);
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
