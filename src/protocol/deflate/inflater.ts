import { constants, createInflateRaw, type InflateRaw } from 'node:zlib';
import { CloseCode } from '../constants.js';
import { ErrorCode, ProtocolError } from '../errors.js';
import { TRAILER } from './trailer.js';

type InflateCallback = (err: ProtocolError | null, out?: Buffer) => void;

/** One call of `inflate`: the input still to be consumed and who to tell. */
interface Operation {
  fin: boolean;
  cb: InflateCallback;
  input: Buffer[];
  inputLength: number;
  consumedBefore: number; // stream.bytesWritten when this input was written
  settled: boolean;
}

/**
 * Inflates the frames of compressed messages through one raw-inflate stream, created on first
 * use. Output counts against `maxPayload` as it is produced; once it is passed the stream is
 * destroyed at once, so a bomb costs at most maxPayload plus one zlib chunk (16 KiB) of memory.
 * Callers must not start an operation before the previous one called back (see SerialLane).
 */
export class BoundedInflater {
  private readonly windowBits: number;
  private readonly takeover: boolean;
  private readonly maxPayload: number;
  private stream: InflateRaw | null = null;
  private chunks: Buffer[] = [];
  private total = 0;
  private op: Operation | null = null;

  constructor(windowBits: number, takeover: boolean, maxPayload: number) {
    this.windowBits = windowBits;
    this.takeover = takeover;
    this.maxPayload = maxPayload;
  }

  /** True while zlib state is held (between messages only with context takeover). */
  get hasState(): boolean {
    return this.stream !== null;
  }

  /** Calls back with the whole message when `fin`, with nothing before. */
  inflate(data: Buffer, fin: boolean, cb: InflateCallback): void {
    const input = fin ? [data, TRAILER] : [data];
    this.stream ??= this.createStream();
    const op: Operation = { fin, cb, input, inputLength: data.length + (fin ? TRAILER.length : 0), consumedBefore: this.stream.bytesWritten, settled: false };
    this.op = op;
    this.feed(this.stream, op);
  }

  /** Frees the zlib state; an operation in flight calls back with an error. */
  close(): void {
    this.fail(new ProtocolError(ErrorCode.DecompressionFailed, CloseCode.Abnormal, 'permessage-deflate was cleaned up'));
  }

  private createStream(dictionary?: Buffer): InflateRaw {
    const stream = createInflateRaw(dictionary ? { windowBits: this.windowBits, dictionary } : { windowBits: this.windowBits });
    stream.on('data', (chunk: Buffer) => this.onData(stream, chunk));
    // Stays attached for the stream's life: a late error must never go unhandled.
    stream.on('error', (err: Error & { code?: string }) => this.onError(stream, err));
    return stream;
  }

  private feed(stream: InflateRaw, op: Operation): void {
    for (const buf of op.input) stream.write(buf);
    stream.flush(constants.Z_SYNC_FLUSH, () => this.onFlushed(stream, op));
  }

  private onData(stream: InflateRaw, chunk: Buffer): void {
    if (stream !== this.stream || !this.op) return;
    this.total += chunk.length;
    if (this.maxPayload > 0 && this.total > this.maxPayload) {
      this.fail(new ProtocolError(ErrorCode.MessageTooBig, CloseCode.MessageTooBig, `Decompressed message exceeds the ${this.maxPayload}-byte limit`));
      return;
    }
    this.chunks.push(chunk);
  }

  private onError(stream: InflateRaw, err: Error & { code?: string }): void {
    if (stream !== this.stream) return;
    this.fail(new ProtocolError(ErrorCode.DecompressionFailed, CloseCode.InvalidPayload, `Invalid compressed data: ${err.message}${err.code ? ` (${err.code})` : ''}`));
  }

  private onFlushed(stream: InflateRaw, op: Operation): void {
    if (op.settled || stream !== this.stream) return;
    const unconsumed = op.inputLength - (stream.bytesWritten - op.consumedBefore);
    if (unconsumed > 0) {
      this.continueAfterFinalBlock(op, unconsumed);
      return;
    }
    if (!op.fin) {
      this.settle(op, null);
      return;
    }
    // Always a copy: a lone chunk is a slice of zlib's 16 KiB output buffer, which a small
    // message kept by the application would otherwise pin.
    const message = Buffer.concat(this.chunks, this.total);
    this.chunks = [];
    this.total = 0;
    if (!this.takeover) this.dropStream();
    this.settle(op, null, message);
  }

  /**
   * zlib stops at a block with BFINAL set (RFC 7692 section 7.2.3.4) and ignores what follows,
   * but the message goes on with new blocks. Restart with the output so far as the history.
   * Limitation: history older than the current message is lost at that point; a peer that
   * still refers to it gets 1007 ("distance too far back"), never wrong data.
   */
  private continueAfterFinalBlock(op: Operation, unconsumed: number): void {
    const all = op.input.length === 1 ? op.input[0]! : Buffer.concat(op.input);
    const rest = all.subarray(all.length - unconsumed);
    const stream = this.stream!;
    if (unconsumed === op.inputLength && stream.bytesWritten === 0) {
      // A fresh stream that cannot read a single byte would loop for ever.
      this.fail(new ProtocolError(ErrorCode.DecompressionFailed, CloseCode.InvalidPayload, 'Invalid compressed data after a final block'));
      return;
    }
    const windowSize = 1 << this.windowBits;
    const history = Buffer.concat(this.chunks, this.total);
    const dictionary = history.length > 0 ? history.subarray(Math.max(0, history.length - windowSize)) : undefined;
    this.dropStream();
    const next = (this.stream = this.createStream(dictionary));
    op.input = [rest];
    op.inputLength = rest.length;
    op.consumedBefore = 0;
    this.feed(next, op);
  }

  private fail(err: ProtocolError): void {
    const op = this.op;
    this.chunks = [];
    this.total = 0;
    this.dropStream(); // the connection fails; no point in keeping a context
    if (op && !op.settled) this.settle(op, err);
  }

  private settle(op: Operation, err: ProtocolError | null, out?: Buffer): void {
    op.settled = true;
    if (this.op === op) this.op = null;
    if (err) op.cb(err);
    else op.cb(null, out);
  }

  private dropStream(): void {
    const stream = this.stream;
    this.stream = null;
    // close() frees the native state; zlib defers it past a write in progress on the pool.
    stream?.close();
  }
}
