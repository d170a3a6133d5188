// A hostile WebSocket peer over a bare node:net socket: it does the opening handshake by
// hand, writes whatever frames it likes (masked, as a client must), reads the server's
// frames only as far as it wants to, and can stop reading altogether (pause()).

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';

export const Opcode = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** One client frame: FIN bit, opcode, payload masked with `mask` (a fixed key lets a flood repeat one frame). */
export function clientFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0), fin = true, mask: Buffer = randomBytes(4)): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = data.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = (fin ? 0x80 : 0) | opcode;
  if (length < 126) header[1] = 0x80 | length;
  else if (length < 65_536) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const masked = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) masked[i] = data[i]! ^ mask[i & 3]!;
  return Buffer.concat([header, mask, masked]);
}

/** `count` copies of one frame in one buffer, to write a flood in few syscalls. */
export function repeated(frame: Buffer, count: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

export interface ServerFrame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Parses the server's (unmasked) frames as they arrive; remembers the close code. */
export class FrameReader {
  /** The code of the server's close frame (1005 when it had none); undefined until one came. */
  closeCode: number | undefined;
  /** Text messages received, in order. */
  readonly texts: string[] = [];
  private buffered: Buffer = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const frame = this.next();
      if (frame === undefined) break;
      if (frame.opcode === Opcode.close) this.closeCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
      else if (frame.opcode === Opcode.text) this.texts.push(frame.payload.toString('utf8'));
    }
    for (const wake of this.waiters) wake();
  }

  /** Resolves once `condition` holds after some frame arrived (or at once). */
  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        if (!condition()) return;
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
    });
  }

  private next(): ServerFrame | undefined {
    const b = this.buffered;
    if (b.length < 2) return undefined;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    if (b.length < offset + length) return undefined;
    const frame = { fin: (b[0]! & 0x80) !== 0, opcode: b[0]! & 0x0f, payload: b.subarray(offset, offset + length) };
    this.buffered = b.subarray(offset + length);
    return frame;
  }
}

export interface RawPeer {
  socket: net.Socket;
  reader: FrameReader;
  /** Resolves when the TCP connection is gone (closed by either side, or reset). */
  gone: Promise<void>;
  /** The socket error that ended it, if any (ECONNRESET, EPIPE …). */
  error(): Error | undefined;
}

/** Opens a TCP connection and completes a WebSocket opening handshake on `path`; rejects if the server does not answer 101. */
export async function openRaw(
  port: number,
  path: string,
  options: { protocol?: string; localAddress?: string } = {},
): Promise<RawPeer> {
  const socket = net.connect({ port, host: '127.0.0.1', ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }) });
  let error: Error | undefined;
  socket.on('error', (e) => (error = e));
  const gone = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await Promise.race([once(socket, 'connect'), gone.then(() => Promise.reject(error ?? new Error('closed before connecting')))]);
  const key = randomBytes(16).toString('base64');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
      (options.protocol === undefined ? '' : `Sec-WebSocket-Protocol: ${options.protocol}\r\n`) +
      '\r\n',
  );
  const reader = new FrameReader();
  let head = Buffer.alloc(0);
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      const status = head.subarray(0, end).toString('latin1').split('\r\n')[0]!;
      if (!/^HTTP\/1\.1 101 /.test(status)) {
        socket.destroy();
        reject(new Error(`upgrade refused: ${status}`));
        return;
      }
      socket.on('data', (c: Buffer) => reader.push(c));
      if (head.length > end + 4) reader.push(head.subarray(end + 4));
      resolve();
    };
    const onClose = () => reject(error ?? new Error(`closed during the handshake: ${head.toString('latin1')}`));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
  return { socket, reader, gone, error: () => error };
}

export type FloodOutcome = 'closed' | 'stopped' | 'budget' | 'stalled';

/**
 * Writes `chunk` again and again until the connection ends ('closed'), `stop()` says so
 * ('stopped'), `maxBytes` are written ('budget'), or the server has not taken a written
 * chunk for `stallMs` ('stalled': it stopped reading us). Honours backpressure, so the
 * attacker's own memory stays flat.
 */
export async function flood(
  peer: RawPeer,
  chunk: Buffer,
  options: { maxBytes: number; stop?: () => boolean; stallMs?: number },
): Promise<{ outcome: FloodOutcome; sent: number }> {
  const { socket } = peer;
  let sent = 0;
  let ended = false;
  void peer.gone.then(() => (ended = true));
  while (!ended && !socket.destroyed) {
    if (options.stop?.()) return { outcome: 'stopped', sent };
    if (sent >= options.maxBytes) return { outcome: 'budget', sent };
    const more = socket.write(chunk, () => {});
    sent += chunk.length;
    if (more) {
      // Let timers (the RSS sampler, stop conditions) run.
      await new Promise((r) => setImmediate(r));
      continue;
    }
    const outcome = await new Promise<'drained' | 'closed' | 'stalled'>((resolve) => {
      const timer = options.stallMs === undefined ? undefined : setTimeout(() => done('stalled'), options.stallMs);
      const onDrain = () => done('drained');
      function done(result: 'drained' | 'closed' | 'stalled') {
        clearTimeout(timer);
        socket.off('drain', onDrain);
        resolve(result);
      }
      socket.once('drain', onDrain);
      void peer.gone.then(() => done('closed'));
    });
    if (outcome === 'stalled') return { outcome, sent };
  }
  return { outcome: 'closed', sent };
}

/** The JSON text of a volley.v1 command. */
export function command(id: number, method: string, params?: unknown): string {
  return JSON.stringify(params === undefined ? { id, method } : { id, method, params });
}
