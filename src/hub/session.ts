// The hub's only view of a client's transport. WebSocket, SSE and long-polling sessions
// all implement Session; the hub never sees a socket.

/**
 * A ready-to-send message, encoded once for all of its recipients. A broadcast hands the
 * same instance to every subscriber, and each transport caches its own framing of it
 * under its key, so a fan-out to N WebSocket clients frames the text once.
 */
export class OutboundMessage {
  private cache?: Map<string, unknown>;

  constructor(readonly text: string) {}

  /** Returns the transport's encoding of this message, made on first use and then reused. */
  encoded<T>(transport: string, make: (text: string) => T): T {
    if (this.cache === undefined) this.cache = new Map();
    if (this.cache.has(transport)) return this.cache.get(transport) as T;
    const value = make(this.text);
    this.cache.set(transport, value);
    return value;
  }
}

export interface Session {
  /** 'websocket' | 'sse' | 'http-stream' | 'long-polling' | 'events', also the cache key for OutboundMessage.encoded. */
  readonly transport: string;
  /** Queues the message for the client. Never throws, even on a closed session. */
  send(message: OutboundMessage): void;
  /** Ends the session with a close code from DisconnectCode (or 1001 on shutdown). */
  close(code: number, reason: string): void;
  /** Bytes queued and not yet written, checked against the slow-consumer high-water mark. */
  readonly bufferedAmount: number;
}
