// What a transport's wire format must provide. A message's body (everything but its
// per-session sequence number) is encoded once per message and transport through
// OutboundMessage.encoded(), so a fan-out encodes it once for all sessions of a format.

export type Chunk = string | Buffer;

export interface CloseInfo {
  code: number;
  reason: string;
}

/** A held response that is written to as messages come (SSE, NDJSON stream). */
export interface StreamFormat {
  readonly kind: 'stream';
  readonly transport: 'sse' | 'http-stream';
  readonly contentType: string;
  /** The body of one message, shared by every session it goes to. */
  encode(text: string): Buffer;
  /** The first item of a new session. */
  opened(sessionId: string): string;
  /** One message: the per-session prefix with the sequence number, then the shared body. */
  message(seq: number, encoded: Buffer): Chunk[];
  /** Written after heartbeatMs without another write. */
  readonly heartbeat: string;
  /** The last item when the server ends the session. */
  closed(close: CloseInfo): string;
}

/** One answer per request (long-polling). */
export interface PollFormat {
  readonly kind: 'poll';
  readonly transport: 'long-polling';
  readonly contentType: string;
  encode(text: string): Buffer;
  /** A whole answer: the messages, the close when the session has ended, the id on the first answer. */
  answer(messages: ReadonlyArray<{ seq: number; encoded: Buffer }>, close: CloseInfo | undefined, sessionId: string | undefined): Chunk[];
}

export type WireFormat = StreamFormat | PollFormat;

/**
 * A JSON text on one line: JSON.stringify never writes a raw line break, but text from
 * elsewhere may hold one between tokens, where a space means the same.
 */
export function oneLine(json: string): string {
  return /[\r\n]/.test(json) ? json.replace(/\r\n|[\r\n]/g, ' ') : json;
}
