import { CloseCode, MAX_CONTROL_PAYLOAD, Opcode } from './constants.js';
import { parseClosePayload } from './close.js';
import { ErrorCode, ProtocolError } from './errors.js';
import { chunkWords, copyMasked, wordBias, xorMask, xorMaskWords } from './mask.js';
import { Utf8Validator, isValidUtf8 } from './utf8.js';

/** The part of a negotiated permessage-deflate the receiver needs. */
export interface MessageInflater {
  /**
   * Inflates one frame's payload of a compressed message. Calls back with the whole
   * inflated message when `fin` is true (and with nothing before), or with a ProtocolError.
   */
  decompress(data: Buffer, fin: boolean, cb: (err: ProtocolError | null, out?: Buffer) => void): void;
}

export interface ReceiverHandlers {
  onMessage(data: Buffer, isBinary: boolean): void;
  onPing(data: Buffer): void;
  onPong(data: Buffer): void;
  /** A close frame arrived; the receiver ignores everything after it. */
  onClose(code: number, reason: Buffer): void;
  /** The peer broke the protocol; the receiver stops. `err.closeCode` is the code to close with. */
  onError(err: ProtocolError): void;
  /** Parsing resumed after waiting for the inflater (see `push`'s return value). */
  onResume?(): void;
}

export interface ReceiverOptions {
  /** 'server' requires masked frames from the peer, 'client' forbids them. */
  role: 'server' | 'client';
  /** Largest message accepted, in bytes after decompression; 0 means no limit. */
  maxPayload: number;
  /** Set when permessage-deflate was negotiated: allows RSV1 on the first frame of a message. */
  inflater?: MessageInflater | null;
  /**
   * Most frames one data message may arrive in; one more fails the connection with 1009.
   * Default DEFAULT_MAX_FRAGMENTS; 0 means no limit.
   */
  maxFragments?: number;
}

/** Default of ReceiverOptions.maxFragments: enough for 64 MiB in 4 KiB fragments. */
export const DEFAULT_MAX_FRAGMENTS = 16_384;

// A list of buffers (received chunks, or the fragments of a message) is merged into one
// buffer once it holds at least COMPACT_MIN_ENTRIES entries averaging under
// COMPACT_MIN_AVERAGE bytes: a peer dribbling 1-byte TCP segments or 1-byte fragments then
// costs its bytes, not an object per byte. Each merge copies at most COMPACT_MIN_AVERAGE bytes
// per entry added since the last one, so the cost stays linear.
const COMPACT_MIN_ENTRIES = 64;
const COMPACT_MIN_AVERAGE = 1024;

function isSparse(entries: number, bytes: number): boolean {
  return entries >= COMPACT_MIN_ENTRIES && bytes < entries * COMPACT_MIN_AVERAGE;
}

// A frame's payload of at least ASSEMBLE_MIN bytes is copied into one buffer of its final
// length as its bytes arrive (and unmasked in the same pass, while the bytes are in cache),
// instead of keeping every chunk until the last one and copying the whole at the end. The
// buffer is allocated only once a quarter of the payload is here, so a peer that announces a
// large frame and sends little of it cannot make us hold more than 4x what it sent.
const ASSEMBLE_MIN = 64 * 1024;
const ASSEMBLE_START_FRACTION = 4;

// Masked payloads shorter than this that lie in one chunk are unmasked through the chunk's
// words (see chunkWords); longer ones through a view of their own, where xorMask's SIMD
// kernel takes over and the view's cost is small next to the bytes.
const UNMASK_VIEW_MIN = 1024;

const READ_HEADER = 0;
const READ_PAYLOAD = 1;
// 2^53: lengths above it cannot be represented exactly (and exceed any sane limit).
const MAX_SAFE_HIGH_WORD = 0x1fffff;

/**
 * A streaming RFC 6455 frame parser: bytes in, messages and control frames out.
 * Correct whatever the chunking. It keeps a list of received chunks and copies only
 * when a frame straddles chunks; masked payloads are unmasked in place.
 */
export class Receiver {
  private readonly handlers: ReceiverHandlers;
  private readonly expectMasked: boolean;
  private readonly maxPayload: number;
  private readonly inflater: MessageInflater | null;
  private readonly maxFragments: number;

  private chunks: Buffer[] = [];
  private head = 0; // read position in chunks[0]
  private buffered = 0;
  private state = READ_HEADER;
  private stopped = false;
  private waiting = false; // an inflate is in flight
  private running = false;

  // The frame being read.
  private fin = false;
  private opcode = 0;
  private payloadLength = 0;
  private masked = false;
  private maskKey = 0; // the 4 key bytes, big-endian, kept as a number: no buffer per connection
  // A large payload being assembled (see ASSEMBLE_MIN), and how much of it is filled.
  private partial: Buffer | null = null;
  private partialFilled = 0;
  // The words of chunks[0] for unmasking small payloads in place (see chunkWords), made at its
  // first masked payload; dropped with the chunk, so an idle connection keeps no chunk for it.
  private wordsChunk: Buffer | null = null;
  private words: Uint32Array | null = null;
  private wordsBias = 0;
  // The payload just taken is known to be all ASCII (seen while unmasking it): valid UTF-8.
  private payloadAscii = false;

  // The data message being assembled (messageOpcode 0 = none in progress).
  private messageOpcode = 0;
  private compressed = false;
  private messageLength = 0;
  private frameCount = 0; // frames of the message so far
  private fragments: Buffer[] | null = null; // allocated for fragmented messages only
  private utf8: Utf8Validator | null = null;

  constructor(options: ReceiverOptions, handlers: ReceiverHandlers) {
    this.handlers = handlers;
    this.expectMasked = options.role === 'server';
    this.maxPayload = options.maxPayload;
    this.inflater = options.inflater ?? null;
    this.maxFragments = options.maxFragments ?? DEFAULT_MAX_FRAGMENTS;
  }

  /**
   * Feeds bytes. Returns false while the receiver waits on the inflater: the caller
   * may pause its source until `onResume`.
   */
  push(chunk: Buffer): boolean {
    if (this.stopped || chunk.length === 0) return !this.waiting;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (isSparse(this.chunks.length, this.buffered)) this.compactChunks();
    if (!this.waiting && !this.running) this.run();
    return !this.waiting;
  }

  /** Stops parsing and drops buffered bytes (after a close or a local error). */
  stop(): void {
    this.stopped = true;
    this.chunks = [];
    this.buffered = 0;
    this.fragments = null;
    this.partial = null;
    this.dropWords();
  }

  /** Merges the unread bytes into one buffer (see COMPACT_MIN_ENTRIES). */
  private compactChunks(): void {
    const merged = Buffer.allocUnsafe(this.buffered);
    let offset = 0;
    for (let i = 0; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      offset += chunk.copy(merged, offset, i === 0 ? this.head : 0);
    }
    this.chunks = [merged];
    this.head = 0;
    this.dropWords();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private run(): void {
    this.running = true;
    try {
      while (!this.stopped && !this.waiting) {
        if (this.state === READ_HEADER) {
          if (!this.readHeader()) break;
        } else {
          let payload: Buffer;
          if (this.partial !== null) {
            if (!this.fillPartial()) break;
            payload = this.partial;
            this.partial = null;
            this.payloadAscii = false;
          } else if (this.buffered >= this.payloadLength) {
            payload = this.takePayload(this.payloadLength);
          } else {
            if (this.payloadLength < ASSEMBLE_MIN || this.buffered * ASSEMBLE_START_FRACTION < this.payloadLength) break;
            this.partial = Buffer.allocUnsafe(this.payloadLength);
            this.partialFilled = 0;
            this.fillPartial();
            break; // the payload is not all here yet
          }
          this.state = READ_HEADER;
          this.handleFrame(payload);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private peek(i: number): number {
    const first = this.chunks[0]!;
    let idx = this.head + i;
    if (idx < first.length) return first[idx]!;
    idx -= first.length;
    for (let c = 1; ; c++) {
      const chunk = this.chunks[c]!;
      if (idx < chunk.length) return chunk[idx]!;
      idx -= chunk.length;
    }
  }

  /**
   * Takes the n bytes of the current frame's payload, unmasked: a view when they lie in one
   * chunk (unmasked in place), else a copy unmasked piece by piece as each piece is copied.
   */
  private takePayload(n: number): Buffer {
    this.payloadAscii = false;
    const first = this.chunks[0];
    if (first === undefined || n === 0) return this.consume(n);
    if (n <= first.length - this.head) {
      this.payloadAscii = this.masked && n < UNMASK_VIEW_MIN && this.unmaskInFirst(first, n);
      const out = this.consume(n);
      if (this.masked && n >= UNMASK_VIEW_MIN) xorMask(out, this.maskKey, 0);
      return out;
    }
    this.buffered -= n;
    const out = Buffer.allocUnsafe(n);
    this.copyOut(out, 0, n);
    return out;
  }

  /** Unmasks in place the next n bytes of `first` (chunks[0]), a word at a time through its cached words. */
  private unmaskInFirst(first: Buffer, n: number): boolean {
    if (this.wordsChunk !== first) {
      this.wordsChunk = first;
      this.words = chunkWords(first);
      this.wordsBias = wordBias(first);
    }
    return xorMaskWords(first, this.words, this.wordsBias, this.head, this.head + n, this.maskKey);
  }

  /** Moves buffered bytes into the payload being assembled; true once it is complete. */
  private fillPartial(): boolean {
    const out = this.partial!;
    const take = Math.min(this.buffered, out.length - this.partialFilled);
    this.buffered -= take;
    this.copyOut(out, this.partialFilled, take);
    this.partialFilled += take;
    return this.partialFilled === out.length;
  }

  /** Copies n buffered bytes (already subtracted from `buffered`) to out[at...], unmasking each piece. */
  private copyOut(out: Buffer, at: number, n: number): void {
    const end = at + n;
    while (at < end) {
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.length - this.head, end - at);
      // The piece's offset in the payload is its phase in the key (assembly starts at 0).
      if (this.masked) copyMasked(chunk.subarray(this.head, this.head + take), this.maskKey, at, out, at);
      else chunk.copy(out, at, this.head, this.head + take);
      at += take;
      this.advance(chunk, take);
    }
  }

  /** Takes n bytes: a view when they lie in one chunk, a copy otherwise. */
  private consume(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first === undefined || n === 0) return Buffer.alloc(0);
    const avail = first.length - this.head;
    if (n <= avail) {
      const out = first.subarray(this.head, this.head + n);
      this.advance(first, n);
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    while (written < n) {
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.length - this.head, n - written);
      chunk.copy(out, written, this.head, this.head + take);
      written += take;
      this.advance(chunk, take);
    }
    return out;
  }

  /** Drops n buffered bytes (a header already read with peek): no view, no copy. */
  private skip(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.length - this.head, n);
      this.advance(chunk, take);
      n -= take;
    }
  }

  private advance(chunk: Buffer, n: number): void {
    this.head += n;
    if (this.head === chunk.length) {
      this.chunks.shift();
      this.head = 0;
      if (this.wordsChunk === chunk) this.dropWords();
    }
  }

  private dropWords(): void {
    this.wordsChunk = null;
    this.words = null;
  }

  private fail(code: ErrorCode, closeCode: number, message: string): false {
    this.stop();
    this.handlers.onError(new ProtocolError(code, closeCode, message));
    return false;
  }

  /** Reads and checks one frame header; false when more bytes are needed or it failed. */
  private readHeader(): boolean {
    if (this.buffered < 2) return false;
    const b0 = this.peek(0);
    const b1 = this.peek(1);
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    const isControl = opcode >= 0x8;

    // Everything the first two bytes can tell is checked before waiting for more.
    if ((b0 & 0x30) !== 0) return this.fail(ErrorCode.UnexpectedRsv, CloseCode.ProtocolError, 'RSV2 and RSV3 must be clear');
    if (opcode > Opcode.Binary && opcode !== Opcode.Close && opcode !== Opcode.Ping && opcode !== Opcode.Pong) {
      return this.fail(ErrorCode.InvalidOpcode, CloseCode.ProtocolError, `Invalid opcode ${opcode}`);
    }
    if (rsv1 && (this.inflater === null || isControl || opcode === Opcode.Continuation)) {
      return this.fail(ErrorCode.UnexpectedRsv, CloseCode.ProtocolError, 'RSV1 must be clear');
    }
    if (isControl) {
      if (!fin) return this.fail(ErrorCode.FragmentedControl, CloseCode.ProtocolError, 'Control frames must not be fragmented');
      if (len7 > MAX_CONTROL_PAYLOAD) return this.fail(ErrorCode.ControlTooLong, CloseCode.ProtocolError, 'Control frame payload over 125 bytes');
    } else if (opcode === Opcode.Continuation) {
      if (this.messageOpcode === 0) return this.fail(ErrorCode.UnexpectedContinuation, CloseCode.ProtocolError, 'Continuation frame with no message to continue');
    } else if (this.messageOpcode !== 0) {
      return this.fail(ErrorCode.ExpectedContinuation, CloseCode.ProtocolError, 'New data frame inside a fragmented message');
    }
    if (masked !== this.expectMasked) {
      return this.expectMasked
        ? this.fail(ErrorCode.ExpectedMask, CloseCode.ProtocolError, 'Client frames must be masked')
        : this.fail(ErrorCode.UnexpectedMask, CloseCode.ProtocolError, 'Server frames must not be masked');
    }

    const headerLength = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
    if (this.buffered < headerLength) return false;

    let length = len7;
    let pos = 2;
    if (len7 === 126) {
      length = (this.peek(2) << 8) | this.peek(3);
      pos = 4;
    } else if (len7 === 127) {
      const high = ((this.peek(2) << 24) | (this.peek(3) << 16) | (this.peek(4) << 8) | this.peek(5)) >>> 0;
      const low = ((this.peek(6) << 24) | (this.peek(7) << 16) | (this.peek(8) << 8) | this.peek(9)) >>> 0;
      if (high & 0x80000000) return this.fail(ErrorCode.InvalidLength, CloseCode.ProtocolError, 'The most significant bit of a 64-bit length must be 0');
      if (high > MAX_SAFE_HIGH_WORD) return this.fail(ErrorCode.MessageTooBig, CloseCode.MessageTooBig, 'Frame length exceeds 2^53 bytes');
      length = high * 0x100000000 + low;
      pos = 10;
    }
    if (masked) {
      this.maskKey = ((this.peek(pos) << 24) | (this.peek(pos + 1) << 16) | (this.peek(pos + 2) << 8) | this.peek(pos + 3)) >>> 0;
    }

    if (!isControl) {
      const total = (opcode === Opcode.Continuation ? this.messageLength : 0) + length;
      if (this.maxPayload > 0 && total > this.maxPayload) {
        return this.fail(ErrorCode.MessageTooBig, CloseCode.MessageTooBig, `Message exceeds the ${this.maxPayload}-byte limit`);
      }
      if (opcode !== Opcode.Continuation) {
        this.messageOpcode = opcode;
        this.compressed = rsv1;
        this.frameCount = 1;
      } else if (++this.frameCount > this.maxFragments && this.maxFragments > 0) {
        // Even empty fragments count: a message that never ends must not keep us busy forever.
        return this.fail(ErrorCode.TooManyFragments, CloseCode.MessageTooBig, `Message exceeds the ${this.maxFragments}-fragment limit`);
      }
      this.messageLength = total;
    }

    this.skip(headerLength);
    this.fin = fin;
    this.opcode = opcode;
    this.masked = masked;
    this.payloadLength = length;
    this.state = READ_PAYLOAD;
    return true;
  }

  private handleFrame(payload: Buffer): void {
    switch (this.opcode) {
      case Opcode.Ping:
        this.handlers.onPing(payload);
        return;
      case Opcode.Pong:
        this.handlers.onPong(payload);
        return;
      case Opcode.Close:
        this.handleClose(payload);
        return;
      default:
        if (this.compressed) this.inflateFragment(payload);
        else this.dataFragment(payload);
    }
  }

  private handleClose(payload: Buffer): void {
    let parsed;
    try {
      parsed = parseClosePayload(payload);
    } catch (err) {
      const e = err as ProtocolError;
      this.fail(e.code, e.closeCode, e.message);
      return;
    }
    this.stop();
    this.handlers.onClose(parsed.code, parsed.reason);
  }

  private dataFragment(payload: Buffer): void {
    const isText = this.messageOpcode === Opcode.Text;
    const ascii = this.payloadAscii;
    this.payloadAscii = false;
    if (this.fin && this.fragments === null) {
      // Fast path: a whole message in one frame.
      this.endMessage();
      if (isText && !ascii && !isValidUtf8(payload)) {
        this.fail(ErrorCode.InvalidUtf8, CloseCode.InvalidPayload, 'Text message is not valid UTF-8');
        return;
      }
      this.handlers.onMessage(payload, !isText);
      return;
    }
    if (isText && !(this.utf8 ??= new Utf8Validator()).write(payload)) {
      this.fail(ErrorCode.InvalidUtf8, CloseCode.InvalidPayload, 'Text message is not valid UTF-8');
      return;
    }
    if (payload.length > 0) this.keepFragment(payload);
    if (!this.fin) return;
    if (isText && !this.utf8!.complete) {
      this.fail(ErrorCode.InvalidUtf8, CloseCode.InvalidPayload, 'Text message ends inside a UTF-8 sequence');
      return;
    }
    const data = this.fragments === null ? Buffer.alloc(0) : Buffer.concat(this.fragments, this.messageLength);
    this.endMessage();
    this.handlers.onMessage(data, !isText);
  }

  private keepFragment(payload: Buffer): void {
    // A small view would pin the whole chunk it was cut from: keep a copy instead.
    const own = payload.byteLength * 2 < payload.buffer.byteLength ? Buffer.from(payload) : payload;
    const fragments = (this.fragments ??= []);
    fragments.push(own);
    if (isSparse(fragments.length, this.messageLength)) this.fragments = [Buffer.concat(fragments)];
  }

  private inflateFragment(payload: Buffer): void {
    const fin = this.fin;
    const isText = this.messageOpcode === Opcode.Text;
    this.waiting = true;
    let sync = true;
    this.inflater!.decompress(payload, fin, (err, out) => {
      this.waiting = false;
      if (this.stopped) return;
      if (err) {
        this.fail(err.code, err.closeCode, err.message);
        return;
      }
      if (fin) {
        const data = out ?? Buffer.alloc(0);
        this.endMessage();
        if (isText && !isValidUtf8(data)) {
          this.fail(ErrorCode.InvalidUtf8, CloseCode.InvalidPayload, 'Text message is not valid UTF-8');
          return;
        }
        this.handlers.onMessage(data, !isText);
      }
      // When called back synchronously the run loop is still active and carries on.
      if (!sync && !this.stopped) {
        this.handlers.onResume?.();
        if (!this.running) this.run();
      }
    });
    sync = false;
  }

  private endMessage(): void {
    this.messageOpcode = 0;
    this.compressed = false;
    this.messageLength = 0;
    this.frameCount = 0;
    this.fragments = null;
    this.utf8?.reset();
  }
}
