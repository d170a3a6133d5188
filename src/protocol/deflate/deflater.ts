import { constants, createDeflateRaw, type DeflateRaw } from 'node:zlib';
import { deflateWindowBits } from './options.js';
import { stripTrailer } from './trailer.js';

type DeflateCallback = (err: Error | null, out?: Buffer) => void;

export interface DeflaterSettings {
  /** Negotiated window (8..15); 8 compresses with 9, see deflateWindowBits. */
  windowBits: number;
  takeover: boolean;
  level: number;
  memLevel: number;
  /**
   * Without takeover: asked at the end of each message whether another is already waiting.
   * Then the stream is reset and reused (no zlib set-up and tear-down per message in a
   * burst); otherwise it is closed, so an idle connection holds no zlib state.
   */
  reuse?: () => boolean;
}

/**
 * Compresses messages through one raw-deflate stream, created on first use and, without
 * context takeover, reset after a message when another waits, else released. Callers must not start an operation
 * before the previous one called back (see SerialLane).
 */
export class ContextDeflater {
  private readonly settings: DeflaterSettings;
  private stream: DeflateRaw | null = null;
  private chunks: Buffer[] = [];
  private total = 0;
  private pending: { cb: DeflateCallback; settled: boolean } | null = null;

  constructor(settings: DeflaterSettings) {
    this.settings = settings;
  }

  get hasState(): boolean {
    return this.stream !== null;
  }

  /** With `fin`, the output ends the message: the 00 00 ff ff tail is removed. */
  deflate(data: Buffer, fin: boolean, cb: DeflateCallback): void {
    const stream = (this.stream ??= this.createStream());
    const op = { cb, settled: false };
    this.pending = op;
    stream.write(data);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      if (op.settled || stream !== this.stream) return;
      const out = Buffer.concat(this.chunks, this.total);
      this.chunks = [];
      this.total = 0;
      if (fin && !this.settings.takeover) {
        if (this.settings.reuse?.() === true) stream.reset();
        else this.dropStream();
      }
      this.settle(op, null, fin ? stripTrailer(out) : out);
    });
  }

  /** Frees the zlib state; an operation in flight calls back with an error. */
  close(): void {
    const op = this.pending;
    this.dropStream();
    this.chunks = [];
    this.total = 0;
    if (op && !op.settled) this.settle(op, new Error('permessage-deflate was closed while compressing'));
  }

  private createStream(): DeflateRaw {
    const { windowBits, level, memLevel } = this.settings;
    const stream = createDeflateRaw({ windowBits: deflateWindowBits(windowBits), level, memLevel });
    stream.on('data', (chunk: Buffer) => {
      if (stream !== this.stream) return;
      this.chunks.push(chunk);
      this.total += chunk.length;
    });
    stream.on('error', (err: Error) => {
      if (stream !== this.stream) return;
      const op = this.pending;
      this.dropStream();
      this.chunks = [];
      this.total = 0;
      if (op && !op.settled) this.settle(op, err);
    });
    return stream;
  }

  private settle(op: { cb: DeflateCallback; settled: boolean }, err: Error | null, out?: Buffer): void {
    op.settled = true;
    if (this.pending === op) this.pending = null;
    if (err) op.cb(err);
    else op.cb(null, out);
  }

  private dropStream(): void {
    const stream = this.stream;
    this.stream = null;
    stream?.close();
  }
}
