// The hub's only view of a client's transport. WebSocket, SSE and long-polling sessions
// all implement Session; the hub never sees a socket.

/**
 * A ready-to-send message, encoded once for all of its recipients. A broadcast hands the
 * same instance to every subscriber, and each transport caches its own framing of it
 * under its key, so a fan-out to N WebSocket clients frames the text once.
 */
export class OutboundMessage {
  // The first transport's encoding sits in two fields (a fan-out to WebSocket clients reads
  // them without a map lookup); a message that goes to several transports keeps the others
  // in a map made on the second one.
  private firstKey: string | undefined = undefined;
  private firstValue: unknown = undefined;
  private others?: Map<string, unknown>;

  private bytes = -1;

  constructor(readonly text: string) {}

  /** UTF-8 size of the text, counted once however many recipients share the message. */
  get byteLength(): number {
    if (this.bytes < 0) this.bytes = Buffer.byteLength(this.text);
    return this.bytes;
  }

  /** Returns the transport's encoding of this message, made on first use and then reused. */
  encoded<T>(transport: string, make: (text: string) => T): T {
    if (this.firstKey === transport) return this.firstValue as T;
    return this.encodedSlow(transport, make);
  }

  private encodedSlow<T>(transport: string, make: (text: string) => T): T {
    if (this.firstKey === undefined) {
      const value = make(this.text);
      this.firstKey = transport;
      this.firstValue = value;
      return value;
    }
    if (this.others === undefined) this.others = new Map();
    if (this.others.has(transport)) return this.others.get(transport) as T;
    const value = make(this.text);
    this.others.set(transport, value);
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
  /** The peer's IP address as the transport saw it, for operators (the admin console); optional. */
  readonly remoteAddress?: string | undefined;
}
