// The session core shared by SSE, HTTP streaming and long-polling: a hub Session whose
// messages get per-session sequence numbers and wait in a bounded queue until the client
// acknowledges them, so that a dropped HTTP request can be resumed without loss. The HTTP
// response currently attached (local, or relayed from another node) is its Downstream;
// between requests the session lives for sessionGraceMs. One shared tick (SessionRegistry)
// drives heartbeats, poll timeouts and the grace period: no timer per session.

import type { Connection } from '../hub/connection.js';
import type { OutboundMessage, Session } from '../hub/session.js';
import { TokenBucket } from '../hub/token-bucket.js';
import { DisconnectCode } from '../wire/index.js';
import type { ResolvedTransportOptions } from './options.js';
import type { Chunk, CloseInfo, WireFormat } from './wire-format.js';

/** Where a session writes: the HTTP response attached now. */
export interface Downstream {
  write(chunks: Chunk[]): void;
  /** Writes the last chunks and ends the response. */
  end(chunks: Chunk[]): void;
  /** Cuts the response without a goodbye (a peer that does not read). */
  destroy(): void;
  /** Bytes written to it and not yet taken by the peer's connection. */
  readonly pending: number;
}

export interface SessionHost {
  readonly options: ResolvedTransportOptions;
  now(): number;
  /** The session has ended and has nothing left to deliver: forget it. */
  finished(session: HttpSession): void;
}

/** What a queued message costs besides its bytes (the entry object and its slot), counted against resumeBufferBytes. */
const ENTRY_OVERHEAD = 64;

interface Entry {
  seq: number;
  encoded: Buffer;
  written: boolean;
}

/** Why an attach was refused: an ack ahead of what was sent (400), a session already over (404). */
export type AttachRefusal = 'ack-ahead' | 'ended';

export class HttpSession implements Session {
  readonly transport: WireFormat['transport'];
  private connection: Connection | undefined;
  /** Queued messages, oldest first, from index `head`; the written ones are a prefix. */
  private entries: Entry[] = [];
  private head = 0;
  /** Index of the first entry not written yet (written entries are a prefix): a send writes only the new ones. */
  private unwrittenFrom = 0;
  private nextSeq = 1;
  private unwrittenBytes = 0;
  /** Written messages kept for a resume, with ENTRY_OVERHEAD each: many tiny messages count too. */
  private keptBytes = 0;
  /** The highest sequence number dropped without an acknowledgement: acks below it cannot resume. */
  private trimmedThrough = 0;
  private downstream: Downstream | undefined;
  private closeInfo: CloseInfo | undefined;
  private ended = false;
  private lastWriteAt: number;
  private detachedAt: number;
  private flushQueued = false;
  private readonly postBucket: TokenBucket;
  /** The client promised a request (a POST or a resume) at least this often; 0: no promise. */
  private clientEveryMs = 0;
  private lastHeardAt: number;

  constructor(
    readonly id: string,
    readonly format: WireFormat,
    private readonly host: SessionHost,
  ) {
    this.transport = format.transport;
    const now = host.now();
    this.lastWriteAt = now;
    this.detachedAt = now;
    this.lastHeardAt = now;
    this.postBucket = new TokenBucket(host.options.postRate, host.options.postBurst, () => host.now());
  }

  /** The hub connection fed by this session's POSTs (set right after hub.connect). */
  bind(connection: Connection): void {
    this.connection = connection;
  }

  /**
   * The client promised a request at least every `ms` (the `liveness` of its opening GET):
   * after twice that without one, it is gone (a half-open connection under a stream that
   * only the server writes to would otherwise hold the session until TCP gives up).
   */
  expectClientEvery(ms: number): void {
    this.clientEveryMs = ms;
  }

  /** A request of the client's came in (a POST, or a GET that attaches). */
  heard(): void {
    this.lastHeardAt = this.host.now();
  }

  get isEnded(): boolean {
    return this.ended;
  }
  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }
  get isAttached(): boolean {
    return this.downstream !== undefined;
  }
  /** The highest sequence number given so far (0 before the first message). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }
  /** Messages held (not yet acknowledged). */
  get queued(): number {
    return this.entries.length - this.head;
  }

  // ---- Session, as the hub drives it ----

  get bufferedAmount(): number {
    return this.unwrittenBytes + (this.downstream?.pending ?? 0);
  }

  send(message: OutboundMessage): void {
    if (this.closeInfo !== undefined || this.ended) return;
    const entry: Entry = { seq: this.nextSeq++, encoded: message.encoded(this.format.transport, this.format.encode), written: false };
    this.entries.push(entry);
    this.unwrittenBytes += entry.encoded.length;
    if (this.downstream === undefined) return;
    if (this.format.kind === 'stream') this.writePending();
    else this.queueFlush();
  }

  close(code: number, reason: string): void {
    if (this.closeInfo !== undefined || this.ended) return;
    this.closeInfo = { code, reason };
    if (code === DisconnectCode.slowConsumer) {
      // A peer that does not read never sees a goodbye: free its queue and response now.
      this.downstream?.destroy();
      this.downstream = undefined;
      this.finish();
      return;
    }
    // Without a response attached, a resume within the grace period gets the rest and the close.
    if (this.downstream !== undefined) this.deliverClose();
  }

  // ---- the HTTP side ----

  /**
   * Attaches a response (a new GET, or a resume with the last sequence number the client
   * got). A response attached before is let go (a poll is answered, a stream ended).
   */
  attach(downstream: Downstream, ack: number | undefined, fresh: boolean): AttachRefusal | undefined {
    if (this.ended) return 'ended';
    if (ack !== undefined && ack > this.lastSeq) return 'ack-ahead';
    this.heard();
    const previous = this.downstream;
    this.downstream = undefined;
    if (previous !== undefined) this.letGo(previous);
    this.downstream = downstream;
    this.lastWriteAt = this.host.now();
    if (ack !== undefined && ack < this.trimmedThrough) {
      // What the client missed is no longer here: it opens a new session and recovers through the hub.
      this.dropThrough(this.lastSeq);
      if (this.closeInfo === undefined) this.connection?.close(DisconnectCode.cannotResume, 'cannot resume: messages were dropped');
      else this.deliverClose();
      return undefined;
    }
    if (ack !== undefined) this.dropThrough(ack);
    this.markAllUnwritten();
    if (this.format.kind === 'stream') {
      if (fresh) downstream.write([this.format.opened(this.id)]);
      this.writePending();
      this.deliverClose();
    } else if (fresh) {
      this.downstream = undefined;
      this.detachedAt = this.host.now();
      downstream.end(this.format.answer([], undefined, this.id));
    } else if (this.queued > 0 || this.closeInfo !== undefined) {
      this.queueFlush();
    }
    return undefined;
  }

  /** The response went away (the client dropped it, or it was answered). */
  detach(downstream: Downstream): void {
    if (this.downstream !== downstream) return;
    this.downstream = undefined;
    this.detachedAt = this.host.now();
  }

  /** Drops the messages up to `ack`, which the client says it has (an ack ahead of what was sent is ignored). */
  acknowledge(ack: number): void {
    if (ack <= this.lastSeq) this.dropThrough(ack);
  }

  /** Takes one POST from the session's rate limit; false when the bucket is empty. */
  takePostToken(): boolean {
    return this.postBucket.take();
  }

  /** Feeds the commands of a POST, in order. */
  receive(commands: readonly string[]): void {
    for (const text of commands) {
      if (this.connection === undefined || this.connection.isClosed) return;
      this.connection.handleText(text);
    }
  }

  /** The shared tick: heartbeats, poll timeouts, the grace period, a silent client. */
  tick(now: number): void {
    if (this.ended) return;
    const { heartbeatMs, pollTimeoutMs, sessionGraceMs } = this.host.options;
    if (this.clientEveryMs > 0 && now - this.lastHeardAt >= 2 * this.clientEveryMs) {
      this.end(1006, 'the client went silent');
      return;
    }
    const downstream = this.downstream;
    if (downstream === undefined) {
      if (now - this.detachedAt >= sessionGraceMs) this.expire();
    } else if (this.format.kind === 'stream') {
      if (now - this.lastWriteAt >= heartbeatMs) {
        this.lastWriteAt = now;
        downstream.write([this.format.heartbeat]);
      }
    } else if (now - this.lastWriteAt >= pollTimeoutMs) {
      this.flushPoll();
    }
  }

  /** Server shutdown: closes the hub connection with `code` (the attached response gets the close), then ends. */
  shutdown(code: number, reason: string): void {
    if (this.closeInfo === undefined) this.connection?.close(code, reason);
    this.expire();
  }

  /** Ends the session now, as if its socket dropped (grace period over, server shutdown). */
  expire(): void {
    this.end(1006, 'session expired');
  }

  /**
   * The client ended the session (`POST /connection/send?…&close=1`): as if its socket closed
   * normally, so the hub sees the leave now rather than after the grace period.
   */
  endByClient(): void {
    if (this.ended) return;
    if (this.closeInfo === undefined) {
      this.closeInfo = { code: 1000, reason: 'closed by the client' };
      this.connection?.handleClose();
    }
    // An attached response gets the close item and ends normally, as after a server close.
    this.deliverClose();
    this.end(1000, 'closed by the client');
  }

  // ---- internals ----

  private end(code: number, reason: string): void {
    if (this.ended) return;
    const downstream = this.downstream;
    this.downstream = undefined;
    downstream?.destroy();
    if (this.closeInfo === undefined) {
      this.closeInfo = { code, reason };
      this.connection?.handleClose();
    }
    this.finish();
  }

  /** Writes the close to the attached response and ends the session. */
  private deliverClose(): void {
    const downstream = this.downstream;
    if (downstream === undefined || this.closeInfo === undefined) return;
    if (this.format.kind === 'poll') {
      this.flushPoll();
      return;
    }
    this.downstream = undefined;
    downstream.end([this.format.closed(this.closeInfo)]);
    this.finish();
  }

  private letGo(previous: Downstream): void {
    if (this.format.kind === 'stream') previous.end([]);
    else previous.end(this.format.answer([], undefined, undefined));
  }

  private writePending(): void {
    const downstream = this.downstream;
    if (downstream === undefined || this.format.kind !== 'stream') return;
    for (let i = Math.max(this.head, this.unwrittenFrom); i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      downstream.write(this.format.message(entry.seq, entry.encoded));
      this.markWritten(entry);
    }
    this.unwrittenFrom = this.entries.length;
    this.lastWriteAt = this.host.now();
    this.trim();
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    // Messages queued in the same turn go out in one answer.
    setImmediate(() => {
      this.flushQueued = false;
      if (this.downstream !== undefined && this.format.kind === 'poll') this.flushPoll();
    });
  }

  private flushPoll(): void {
    const downstream = this.downstream;
    if (downstream === undefined || this.format.kind !== 'poll') return;
    const messages: Array<{ seq: number; encoded: Buffer }> = [];
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      messages.push(entry);
      if (!entry.written) this.markWritten(entry);
    }
    this.unwrittenFrom = this.entries.length;
    this.downstream = undefined;
    this.detachedAt = this.host.now();
    downstream.end(this.format.answer(messages, this.closeInfo, undefined));
    if (this.closeInfo !== undefined) this.finish();
    else this.trim();
  }

  private markWritten(entry: Entry): void {
    entry.written = true;
    this.unwrittenBytes -= entry.encoded.length;
    this.keptBytes += entry.encoded.length + ENTRY_OVERHEAD;
  }

  private markAllUnwritten(): void {
    this.unwrittenFrom = this.head;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i]!;
      if (!entry.written) continue;
      entry.written = false;
      this.keptBytes -= entry.encoded.length + ENTRY_OVERHEAD;
      this.unwrittenBytes += entry.encoded.length;
    }
  }

  /** Keeps written messages for a resume up to resumeBufferBytes, dropping the oldest. */
  private trim(): void {
    const limit = this.host.options.resumeBufferBytes;
    while (this.keptBytes > limit && this.head < this.entries.length && this.entries[this.head]!.written) {
      const entry = this.entries[this.head++]!;
      this.keptBytes -= entry.encoded.length + ENTRY_OVERHEAD;
      this.trimmedThrough = entry.seq;
    }
    this.compact();
  }

  private dropThrough(ack: number): void {
    while (this.head < this.entries.length && this.entries[this.head]!.seq <= ack) {
      const entry = this.entries[this.head++]!;
      if (entry.written) this.keptBytes -= entry.encoded.length + ENTRY_OVERHEAD;
      else this.unwrittenBytes -= entry.encoded.length;
    }
    if (ack > this.trimmedThrough) this.trimmedThrough = ack;
    this.compact();
  }

  private compact(): void {
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
      this.unwrittenFrom = 0;
    } else if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.unwrittenFrom = Math.max(0, this.unwrittenFrom - this.head);
      this.head = 0;
    }
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.entries = [];
    this.head = 0;
    this.unwrittenFrom = 0;
    this.unwrittenBytes = 0;
    this.keptBytes = 0;
    this.host.finished(this);
  }
}
