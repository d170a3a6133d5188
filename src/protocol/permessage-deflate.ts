import { Opcode } from './constants.js';
import { ProtocolError } from './errors.js';
import type { ExtensionOffer } from './extension-header.js';
import { encodeServerFrame } from './frame.js';
import { ContextDeflater } from './deflate/deflater.js';
import { BoundedInflater } from './deflate/inflater.js';
import { SerialLane } from './deflate/lane.js';
import { sharedLimiter } from './deflate/limiter.js';
import { EXTENSION_NAME, acceptServerResponse, buildOffer, negotiateAsServer } from './deflate/negotiate.js';
import { resolveOptions, type NegotiatedParams, type PerMessageDeflateOptions, type ResolvedOptions } from './deflate/options.js';
import { compressStatelessSync, statelessKey } from './deflate/stateless.js';
import { SYNC_DEFLATE_MAX_INPUT, SYNC_INFLATE_MAX_INPUT, inflateWholeSync } from './deflate/sync.js';

export { type PerMessageDeflateOptions, type NegotiatedParams, DEFAULT_THRESHOLD, DEFAULT_LEVEL, DEFAULT_MEM_LEVEL, DEFAULT_CONCURRENCY_LIMIT } from './deflate/options.js';
export { type StatelessDeflateSettings, compressStateless, compressStatelessSync, statelessKey } from './deflate/stateless.js';
export { ConcurrencyLimiter, sharedLimiter } from './deflate/limiter.js';
export { SYNC_DEFLATE_MAX_INPUT, SYNC_INFLATE_MAX_INPUT, SYNC_INFLATE_MAX_OUTPUT } from './deflate/sync.js';

/** What a message framed once for many sockets offers for caching its compressed frames (ws PreparedMessage). */
export interface SharedFrameCache {
  readonly payload: Buffer;
  readonly binary: boolean;
  readonly compressedFrames: Map<string, Buffer>;
}

type CompressCallback = (err: Error | null, out?: Buffer) => void;
type DecompressCallback = (err: ProtocolError | null, out?: Buffer) => void;

const closedError = () => new Error('permessage-deflate was cleaned up');

/**
 * permessage-deflate (RFC 7692) for one connection: negotiation in either role, then
 * compression of outgoing and decompression of incoming messages. No I/O.
 *
 * zlib state is created on the first message that needs it, kept between messages only where
 * context takeover was agreed (or, without it, while the next message already waits), and freed
 * by `cleanup()`. Without context takeover a small whole message is compressed or inflated
 * synchronously (see deflate/sync.ts), without a stream. Every thread-pool zlib operation runs
 * inside a process-wide concurrency limit; per connection and direction, operations run in
 * call order.
 */
export class PerMessageDeflate {
  static readonly extensionName = EXTENSION_NAME;

  readonly role: 'server' | 'client';
  readonly maxPayload: number;
  private readonly options: ResolvedOptions;
  private agreed: NegotiatedParams | null = null;
  private deflater: ContextDeflater | null = null;
  private inflater: BoundedInflater | null = null;
  private compressLane: SerialLane | null = null;
  private decompressLane: SerialLane | null = null;
  private closed = false;

  /** `maxPayload`: largest decompressed message in bytes; 0 means no limit. */
  constructor(role: 'server' | 'client', options: PerMessageDeflateOptions = {}, maxPayload = 0) {
    this.role = role;
    this.options = resolveOptions(role, options);
    this.maxPayload = maxPayload;
  }

  /**
   * Server: accepts the first valid permessage-deflate offer and returns the response element,
   * or null to decline them all (offers with unknown, repeated or invalid parameters are
   * declined, RFC 7692 section 7.1). Never throws: the RFC never fails the handshake here.
   */
  accept(offers: ExtensionOffer[]): ExtensionOffer | null {
    this.assertRole('server', 'accept');
    const result = negotiateAsServer(offers, this.options);
    if (result === null) return null;
    this.agreed = result.params;
    return result.response;
  }

  /** Client: the offer to send, by default `permessage-deflate; client_max_window_bits`. */
  offer(): ExtensionOffer {
    this.assertRole('client', 'offer');
    return buildOffer(this.options);
  }

  /** Client: validates the server's response element; throws HandshakeError (status 0) to fail the connection. */
  acceptResponse(response: ExtensionOffer): void {
    this.assertRole('client', 'acceptResponse');
    this.agreed = acceptServerResponse(response, this.options);
  }

  /** True once `accept` or `acceptResponse` agreed on parameters. */
  get negotiated(): boolean {
    return this.agreed !== null;
  }

  /** The agreed parameters (window bits are 15 where nothing limited them). Throws before negotiation. */
  get params(): Readonly<NegotiatedParams> {
    if (this.agreed === null) throw new Error('permessage-deflate has not been negotiated');
    return this.agreed;
  }

  /** The threshold: messages of fewer bytes go uncompressed. */
  shouldCompress(byteLength: number): boolean {
    return byteLength >= this.options.threshold;
  }

  /** Which zlib streams are allocated now (memory per connection; for tests and metrics). */
  get zlibState(): { deflate: boolean; inflate: boolean } {
    return { deflate: this.deflater?.hasState ?? false, inflate: this.inflater?.hasState ?? false };
  }

  /**
   * Compresses one message (or, with `fin` false, a part of one). With `fin` the output has
   * the 00 00 ff ff tail removed and is the payload of a frame with RSV1.
   * After `cleanup()` calls back with an error.
   */
  compress(data: Buffer, fin: boolean, cb: CompressCallback): void {
    if (this.closed) {
      process.nextTick(cb, closedError());
      return;
    }
    if (fin && data.length <= SYNC_DEFLATE_MAX_INPUT && this.syncDeflate()) {
      // No context, nothing in flight to overtake: one zlib call on this thread, called back at once.
      let out: Buffer;
      try {
        out = this.compressShared(data);
      } catch (err) {
        process.nextTick(cb, err as Error);
        return;
      }
      cb(null, out);
      return;
    }
    const deflater = (this.deflater ??= this.createDeflater());
    (this.compressLane ??= new SerialLane(sharedLimiter(this.options.concurrencyLimit))).push((done) => {
      if (this.closed) {
        done();
        cb(closedError());
        return;
      }
      deflater.deflate(data, fin, (err, out) => {
        done();
        if (err) cb(err);
        else cb(null, out);
      });
    });
  }

  /**
   * Decompresses one frame's payload of a compressed message. Calls back with nothing until
   * `fin`, then with the whole message (fragments are not returned piecewise). Errors:
   * ProtocolError 1009 (MessageTooBig) once the output passes maxPayload, 1007
   * (DecompressionFailed) on invalid data. After `cleanup()` the callback is never called.
   */
  decompress(data: Buffer, fin: boolean, cb: DecompressCallback): void {
    if (this.closed) return;
    if (fin && data.length <= SYNC_INFLATE_MAX_INPUT && this.syncInflate()) {
      const out = inflateWholeSync(data, this.incoming(this.agreed!).windowBits, this.maxPayload);
      if (out instanceof ProtocolError) return cb(out);
      if (out !== null) return cb(null, out);
      // null: too large or unusual for the fast path; inflate it again on the thread pool.
    }
    const inflater = (this.inflater ??= this.createInflater());
    (this.decompressLane ??= new SerialLane(sharedLimiter(this.options.concurrencyLimit))).push((done) => {
      if (this.closed) {
        done();
        return;
      }
      inflater.inflate(data, fin, (err, out) => {
        done();
        if (this.closed) return;
        if (err) cb(err);
        else cb(null, out);
      });
    });
  }

  /** Frees all zlib state. Pending compressions call back with an error, pending decompressions never. */
  cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    this.deflater?.close();
    this.inflater?.close();
    // Tasks not yet started see `closed` and finish at once without waiting for a slot.
    for (const task of this.compressLane?.clear() ?? []) task(() => {});
    this.decompressLane?.clear();
  }

  /**
   * The key under which this connection's compressed messages can be shared, or null when they
   * cannot: only without context takeover on our sending side is the output independent of
   * earlier messages.
   */
  get sharedCompressionKey(): string | null {
    if (this.agreed === null) return null;
    const { noTakeover, windowBits } = this.outgoing(this.agreed);
    return noTakeover ? statelessKey({ windowBits, level: this.options.level, memLevel: this.options.memLevel }) : null;
  }

  /** Compresses a whole message without context, synchronously (see compressStatelessSync). */
  compressShared(data: Buffer): Buffer {
    const { windowBits } = this.outgoing(this.params);
    return compressStatelessSync(data, { windowBits, level: this.options.level, memLevel: this.options.memLevel });
  }

  /**
   * Server: the compressed frame (RSV1 set) of a message framed once for many sockets, made on
   * first use and cached in the message under `sharedCompressionKey`, or null when this
   * connection keeps a context (compress it with `compress`) or is a client (frames are masked).
   */
  sharedCompressedFrame(message: SharedFrameCache): Buffer | null {
    const key = this.role === 'server' ? this.sharedCompressionKey : null;
    if (key === null) return null;
    let frame = message.compressedFrames.get(key);
    if (frame === undefined) {
      const opcode = message.binary ? Opcode.Binary : Opcode.Text;
      frame = encodeServerFrame(this.compressShared(message.payload), { opcode, rsv1: true });
      message.compressedFrames.set(key, frame);
    }
    return frame;
  }

  /** A whole outgoing message may be compressed synchronously: no context, nothing queued before it. */
  private syncDeflate(): boolean {
    return (
      this.agreed !== null &&
      this.outgoing(this.agreed).noTakeover &&
      (this.compressLane === null || this.compressLane.idle) &&
      !(this.deflater?.hasState ?? false)
    );
  }

  /** A whole incoming message may be inflated synchronously: no context, not inside a fragmented message. */
  private syncInflate(): boolean {
    return (
      this.agreed !== null &&
      this.incoming(this.agreed).noTakeover &&
      (this.decompressLane === null || this.decompressLane.idle) &&
      !(this.inflater?.hasState ?? false)
    );
  }

  private outgoing(p: NegotiatedParams): { noTakeover: boolean; windowBits: number } {
    return this.role === 'server'
      ? { noTakeover: p.serverNoContextTakeover, windowBits: p.serverMaxWindowBits }
      : { noTakeover: p.clientNoContextTakeover, windowBits: p.clientMaxWindowBits };
  }

  private incoming(p: NegotiatedParams): { noTakeover: boolean; windowBits: number } {
    return this.role === 'server'
      ? { noTakeover: p.clientNoContextTakeover, windowBits: p.clientMaxWindowBits }
      : { noTakeover: p.serverNoContextTakeover, windowBits: p.serverMaxWindowBits };
  }

  private createDeflater(): ContextDeflater {
    const { noTakeover, windowBits } = this.outgoing(this.params);
    return new ContextDeflater({
      windowBits,
      takeover: !noTakeover,
      level: this.options.level,
      memLevel: this.options.memLevel,
      reuse: () => (this.compressLane?.pending ?? 0) > 0,
    });
  }

  private createInflater(): BoundedInflater {
    const { noTakeover, windowBits } = this.incoming(this.params);
    return new BoundedInflater(windowBits, !noTakeover, this.maxPayload);
  }

  private assertRole(role: 'server' | 'client', method: string): void {
    if (this.role !== role) throw new Error(`permessage-deflate: ${method}() is for the ${role} role`);
  }
}
